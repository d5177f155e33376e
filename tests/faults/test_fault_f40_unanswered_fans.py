"""F40: unanswered fans through a SIGKILL of the inbox worker (its durable checks and its outbox
relay) and of the notifications worker. 40 creator accounts, one chatter on shift each
(``shift.scheduled`` on the wire); on each, 10 fans write (connector retries included) and the
chatter answers half of them at once with a paid offer; the other half wait. The threshold is 20 s
(``INBOX_UNANSWERED_AFTER_S``). The inbox worker is SIGKILLed once a third of the accounts have their
``reply.overdue`` in the outbox, the notifications worker once a third of the notices are stored;
both restart (timer leases of 5 s).

Afterwards: every waiting conversation is in exactly one alert and no answered one in any; an
account's alerts are at least the threshold apart (the cool-down held across the crash); each alert
is one outbox row and is on the topic (wire duplicates counted, not effects); and each has exactly
two notices (the chatter on shift's, the team's)."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import REGISTRY, ReplyOverdue, ShiftScheduled, make_envelope
from huntaze_testkit import internal_headers
from huntaze_testkit.lab import Lab, Report, emit, post_until_answered, wire_duplicates

pytestmark = pytest.mark.timeout(600)

CREATORS, FANS, ANSWERED = 40, 10, 5
THRESHOLD_S = 20


async def test_f40_each_waiting_fan_is_alerted_once_through_sigkills(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    creators = [uuid.uuid4() for _ in range(CREATORS)]
    chatter = {c: uuid.uuid4() for c in creators}
    settings = {"INBOX_UNANSWERED_AFTER_S": str(THRESHOLD_S), "INBOX_TIMER_LEASE_S": "5"}
    inbox_api = lab.service("inbox", role="api", **settings)
    inbox_worker = lab.service("inbox", role="worker", **settings)
    notifications = lab.service("notifications", role="worker")
    inbox_db = create_async_engine(lab.env["INBOX_DATABASE_URL"])
    notices_db = create_async_engine(lab.env["NOTIFICATIONS_DATABASE_URL"])
    ids = [str(c) for c in creators]

    async def scalar(db: Any, sql: str) -> int:
        async with db.connect() as conn:
            return int((await conn.execute(text(sql), {"cs": ids})).scalar() or 0)

    async def alerted_accounts() -> int:
        return await scalar(
            inbox_db,
            "SELECT count(DISTINCT convert_from(value, 'UTF8')::jsonb ->> 'creator_id') FROM outbox "
            "WHERE event_type = 'reply.overdue.v1' AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = ANY(:cs)",
        )

    async def alerts_stored() -> int:
        return await scalar(
            inbox_db,
            "SELECT count(*) FROM outbox WHERE event_type = 'reply.overdue.v1' "
            "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = ANY(:cs)",
        )

    async def notices() -> int:
        return await scalar(
            notices_db, "SELECT count(*) FROM notices WHERE creator_id::text = ANY(:cs) AND kind = 'unanswered'"
        )

    now = datetime.now(UTC)
    shifts = [
        make_envelope(
            ShiftScheduled(shift_id=uuid.uuid4(), organization_id=uuid.uuid4(), user_id=chatter[c],
                           starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=2), creator_ids=[c],
                           scheduled_by=chatter[c]),
            producer="gateway", creator_id=c,
        )
        for c in creators
    ]  # fmt: skip
    produced = await lab.produce(REGISTRY.for_model(ShiftScheduled), shifts)
    waiting: dict[str, set[str]] = defaultdict(set)
    answered: set[str] = set()
    try:
        deadline = time.monotonic() + 120
        while await scalar(inbox_db, "SELECT count(*) FROM shifts WHERE creator_id::text = ANY(:cs)") < CREATORS:
            assert time.monotonic() < deadline, lab.log_tails()
            await asyncio.sleep(0.25)

        async with httpx.AsyncClient(timeout=30) as client:

            async def account(c: uuid.UUID) -> None:
                async def write(i: int) -> str:
                    body = {"fan": {"external_id": f"f40_{i}", "display_name": "Fan"}, "text": "hi",
                            "external_id": f"f40-{c}-{i}"}  # fmt: skip
                    headers = lambda: internal_headers(c, chatter[c], role="owner")  # noqa: E731
                    url = f"{inbox_api.url}/v1/inbox/messages"
                    answer = await post_until_answered(client, url, body, 202, headers)
                    await post_until_answered(client, url, body, 202, headers)  # a connector retry
                    return str(answer["conversation_id"])

                conversations = await asyncio.gather(*(write(i) for i in range(FANS)))
                for conversation in conversations[:ANSWERED]:  # answered at once (well inside the threshold)
                    offer = {"text": "for you", "price_cents": 1500, "media_ids": [str(uuid.uuid4())]}
                    url = f"{inbox_api.url}/v1/inbox/conversations/{conversation}/offers"
                    await post_until_answered(
                        client, url, offer, 202, lambda: internal_headers(c, chatter[c], role="chatter")
                    )
                    answered.add(conversation)
                waiting[str(c)].update(conversations[ANSWERED:])

            async def accounts() -> None:
                for start in range(0, CREATORS, 4):
                    await asyncio.gather(*(account(c) for c in creators[start : start + 4]))
                    await asyncio.sleep(1)

            writing = asyncio.create_task(accounts())
            killed_at, restarted = await lab.kill_when(
                inbox_worker, alerted_accounts, CREATORS // 3, timeout_s=THRESHOLD_S + 180
            )
            assert killed_at < CREATORS, "the inbox worker was not killed mid-way"
            await writing

            deadline = time.monotonic() + 180
            while (notices_at := await notices()) < CREATORS // 3 * 2:
                assert time.monotonic() < deadline, (notices_at, lab.log_tails())
                await asyncio.sleep(0.02)
            notifications.kill(signal.SIGKILL)
            await asyncio.sleep(1)
            notifications.start()
            await asyncio.to_thread(notifications.wait_ready)

        expected_waiting = CREATORS * (FANS - ANSWERED)
        spec = REGISTRY.for_model(ReplyOverdue)
        mine = lambda r: json.loads(r.value)["creator_id"] in ids  # noqa: E731

        async def alerts_on_topic() -> dict[str, dict[str, Any]]:
            records = await lab.topic_records(spec.topic, where=mine)
            return {json.loads(r.value)["event_id"]: json.loads(r.value) for r in records}

        deadline = time.monotonic() + 240
        while True:
            on_topic = await alerts_on_topic()
            listed = sum(e["payload"]["waiting"] for e in on_topic.values())
            stored = await alerts_stored()
            if listed >= expected_waiting and await notices() >= 2 * stored and len(on_topic) >= stored:
                break
            assert time.monotonic() < deadline, (listed, stored, await notices(), lab.log_tails())
            await asyncio.sleep(0.5)
        recovery = time.monotonic() - restarted
        await asyncio.sleep(THRESHOLD_S + 5)  # a late second alert (a check fired twice) would show now
        stored = await alerts_stored()
        told = await notices()
        messages = await scalar(
            inbox_db, "SELECT count(*) FROM messages WHERE creator_id::text = ANY(:cs) AND direction = 'in'"
        )
    finally:
        await inbox_db.dispose()
        await notices_db.dispose()

    records = await lab.topic_records(spec.topic, where=mine)
    dead = await lab.topic_records(spec.dlq_topic, where=mine)
    alerts = {json.loads(r.value)["event_id"]: json.loads(r.value) for r in records}
    seen: dict[str, int] = defaultdict(int)
    times: dict[str, list[datetime]] = defaultdict(list)
    for alert in alerts.values():
        p = alert["payload"]
        assert p["waiting"] == len(p["conversations"]), p  # 5 per account: all listed
        for c in p["conversations"]:
            seen[c["conversation_id"]] += 1
        times[alert["creator_id"]].append(datetime.fromisoformat(p["detected_at"]))
    all_waiting = set().union(*waiting.values())
    twice = sum(n - 1 for c, n in seen.items() if n > 1)
    missed = len(all_waiting - set(seen))
    wrongly = len(set(seen) & answered)
    gaps = [b - a for ts in times.values() for a, b in zip(sorted(ts), sorted(ts)[1:], strict=False)]
    report = Report(
        "F40",
        produced=produced + messages,
        effects=stored + told,
        duplicates=twice + max(0, len(alerts) - stored) + max(0, told - 2 * stored),
        lost=missed + max(0, stored - len(alerts)) + max(0, 2 * stored - told),
        dlq=len(dead),
        recovery_s=recovery,
        extra={"accounts": CREATORS, "waiting": len(all_waiting), "answered": len(answered), "alerts": stored,
               "alerted_conversations": len(seen), "answered_alerted": wrongly, "notices": told,
               "killed_at_accounts": killed_at, "killed_at_notices": notices_at,
               "min_gap_s": round(min(gaps).total_seconds(), 1) if gaps else None,
               "wire_duplicates": wire_duplicates(records)},
    )  # fmt: skip
    emit(capsys, report)
    assert messages == CREATORS * FANS and len(all_waiting) == expected_waiting, report.line()
    assert report.duplicates == 0 and report.lost == 0 and wrongly == 0, report.line()
    assert set(times) == set(ids), "every account was alerted"
    assert all(g >= timedelta(seconds=THRESHOLD_S) for g in gaps), gaps
    assert report.dlq == 0 and 0 < killed_at < CREATORS and notices_at < 2 * stored, report.line()
