"""The AI-drafts quota is exact under concurrency, on the real infrastructure: an organisation at a
remaining quota of 10 (entitlement.changed with ``ai_drafts_per_month`` = N, N-10 already used this
month), 100 fan messages at once, TWO ai worker processes reserving against the same counter →
exactly 10 reply.drafted and 90 reply.withheld, one per message; the inbox shows the withheld ones as
``quota_reached``; after an upgrade (a newer entitlement.changed) new messages are drafted again.

entitlement.changed is billing's event: the test produces it to Kafka itself (an internal event,
nobody signs it), with revisions far above what billing gives a new organisation, so that the
test's entitlements win whatever billing says about the same organisation meanwhile."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_testkit import Api, EventTap, Platform, ServiceProcess, eventually
from huntaze_testkit.entitlements import publish_entitlement

MESSAGES = 100
REMAINING = 10
LIMIT = 50
REVISION = 1_000_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _revision(engine: Any, org: uuid.UUID) -> int | None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(text("SELECT revision FROM entitlements WHERE organization_id = :o"), {"o": org})
        ).first()
    return None if row is None else int(row[0])


async def test_100_parallel_messages_at_a_remaining_quota_of_10_draft_exactly_10(
    gateway: Any, platform: Platform, event_tap: EventTap, infra: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    api = await Api.sign_up(gateway, "Quota")
    org, creator = uuid.UUID(api.organization_id), uuid.UUID(api.creator_id)
    mine = lambda r: r.value is not None and r.value.get("creator_id") == api.creator_id  # noqa: E731
    ai_db, inbox_db = create_async_engine(infra.url("ai")), create_async_engine(infra.url("inbox"))
    second = ServiceProcess(
        "ai-worker-2",
        _free_port(),
        {**platform.env, "AI_ROLE": "worker", "AI_LOG_LEVEL": "WARNING"},
        platform.services["ai"].logfile.parent,
        module="ai",
    )
    second.env["AI_HTTP_PORT"] = str(second.port)
    try:
        second.start()
        second.wait_ready()
        await publish_entitlement(infra.kafka, org, [creator], revision=REVISION, ai_drafts=LIMIT)

        async def known_everywhere() -> bool:
            return await _revision(ai_db, org) == REVISION and await _revision(inbox_db, org) == REVISION

        await eventually(known_everywhere, timeout=60)
        period = datetime.now(UTC).strftime("%Y-%m")
        async with ai_db.begin() as conn:  # this month's use so far: N-10
            await conn.execute(
                text(
                    "INSERT INTO quota_usage (organization_id, metric, period, used) VALUES (:o, 'ai_drafts', :p, :u) "
                    "ON CONFLICT (organization_id, metric, period) DO UPDATE SET used = EXCLUDED.used"
                ),
                {"o": org, "p": period, "u": LIMIT - REMAINING},
            )

        async def post(i: int) -> str:
            answer = await api.post(
                "/v1/inbox/messages",
                json={"fan": {"external_id": f"fan-{i}", "display_name": f"Fan {i}"}, "text": f"hey, it's fan {i}"},
            )
            assert answer.status_code == 202, answer.text
            return str(answer.json()["message_id"])

        message_ids = await asyncio.gather(*(post(i) for i in range(MESSAGES)))
        ours = set(message_ids)
        about = lambda r: mine(r) and r.value["payload"]["in_reply_to_message_id"] in ours  # noqa: E731

        async def all_answered() -> bool:
            answered = len(event_tap.select("reply.drafted.v1", about)) + len(
                event_tap.select("reply.withheld.v1", about)
            )
            return answered >= MESSAGES

        await eventually(all_answered, timeout=120, interval=0.5)
        drafted = Counter(
            r.value["payload"]["in_reply_to_message_id"] for r in event_tap.select("reply.drafted.v1", about)
        )
        withheld = [r.value["payload"] for r in event_tap.select("reply.withheld.v1", about)]
        assert sum(drafted.values()) == REMAINING and len(drafted) == REMAINING
        assert len(withheld) == MESSAGES - REMAINING
        assert set(drafted) | {w["in_reply_to_message_id"] for w in withheld} == ours
        assert {(w["reason"], w["limit"], w["plan"], w["period"]) for w in withheld} == {
            ("quota_reached", LIMIT, "Free", period)
        }
        async with ai_db.connect() as conn:
            used = (
                await conn.execute(
                    text(
                        "SELECT used FROM quota_usage WHERE organization_id = :o AND metric = 'ai_drafts' AND period = :p"
                    ),
                    {"o": org, "p": period},
                )
            ).scalar_one()
        assert used == LIMIT

        # the inbox shows a withheld message as quota reached, with the plan to upgrade to
        held = withheld[0]

        async def shown_as_quota_reached() -> dict[str, Any] | None:
            body = (await api.get(f"/v1/inbox/conversations/{held['conversation_id']}")).json()
            (message,) = [m for m in body["messages"] if m["message_id"] == held["in_reply_to_message_id"]]
            return message if message["draft_status"] == "quota_reached" else None

        message = await eventually(shown_as_quota_reached, timeout=60)
        assert message["quota"] == {"limit": LIMIT, "plan": "Free", "upgrade_to": "Pro", "period": period}

        # upgraded: new messages are drafted again
        await publish_entitlement(
            infra.kafka, org, [creator], revision=REVISION + 1, plan="pro", plan_name="Pro", ai_drafts=5000
        )

        async def upgraded() -> bool:
            return await _revision(ai_db, org) == REVISION + 1

        await eventually(upgraded, timeout=60)
        after = await post(MESSAGES + 1)
        await event_tap.wait_for(
            "reply.drafted.v1", lambda r: mine(r) and r.value["payload"]["in_reply_to_message_id"] == after, timeout=60
        )
        assert not event_tap.select(
            "reply.withheld.v1", lambda r: mine(r) and r.value["payload"]["in_reply_to_message_id"] == after
        )
    finally:
        second.stop()
        await ai_db.dispose()
        await inbox_db.dispose()
    with capsys.disabled():
        print(
            f"\nquota race: {MESSAGES} messages at remaining {REMAINING} with 2 ai workers: "
            f"drafted={sum(drafted.values())} withheld={len(withheld)} used={used}/{LIMIT}"
        )
