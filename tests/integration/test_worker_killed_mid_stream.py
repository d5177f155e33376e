"""A worker SIGKILLed in the middle of a stream of messages loses nothing and duplicates no draft.

(The full fault suite comes with its own issue; this proves the design on the first flow.)"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_testkit import Api, EventTap, Platform, eventually

FANS = 20
PER_FAN = 15


async def test_sigkill_ai_and_fans_mid_stream(
    gateway: Any, platform: Platform, event_tap: EventTap, infra: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    api = await Api.sign_up(gateway, "Kira")
    mine = lambda r: r.value is not None and r.value.get("creator_id") == api.creator_id  # noqa: E731
    total = FANS * PER_FAN
    message_ids: list[str] = []

    async def post(seq: int, fan: int) -> None:
        answer = await api.post(
            "/v1/inbox/messages",
            json={
                "fan": {"external_id": f"fan-{fan}", "display_name": f"Fan {fan}"},
                "text": f"message {seq} from fan {fan}: what are you up to today?",
            },
        )
        assert answer.status_code == 202, answer.text
        message_ids.append(answer.json()["message_id"])

    async def stream() -> None:
        for seq in range(PER_FAN):
            await asyncio.gather(*(post(seq, fan) for fan in range(FANS)))
            await asyncio.sleep(0.05)

    poster = asyncio.create_task(stream())
    # Kill both consumers of message.received once drafting is under way, mid-stream.
    await event_tap.wait_for("reply.drafted.v1", mine, count=total // 5, timeout=60)
    drafted_at_kill = len(event_tap.select("reply.drafted.v1", mine))
    platform.services["ai"].kill(signal.SIGKILL)
    platform.services["fans"].kill(signal.SIGKILL)
    await asyncio.sleep(1)
    platform.restart("ai")
    platform.restart("fans")
    await poster
    assert drafted_at_kill < total, "the kill came too late to prove anything"
    assert len(message_ids) == total

    async def every_message_has_its_draft() -> dict[str, list[dict[str, Any]]] | None:
        conversations = (await api.get("/v1/inbox/conversations?limit=100")).json()["items"]
        if len(conversations) != FANS:
            return None
        drafts: dict[str, list[dict[str, Any]]] = {}
        for c in conversations:
            body = (await api.get(f"/v1/inbox/conversations/{c['conversation_id']}?limit=500")).json()
            for d in body["drafts"]:
                drafts.setdefault(d["in_reply_to_message_id"], []).append(d)
        return drafts if len(drafts) == total else None

    drafts = await eventually(every_message_has_its_draft, timeout=120, interval=1)
    assert set(drafts) == set(message_ids), "a message has no draft"
    # The inbox's drafts table cannot hold two drafts of one message (the draft id derives from the
    # message id), so count the effect nothing in a schema dedupes: reply.drafted rows written to the
    # ai's outbox, one per message however often the ai worker was killed and its work redone.
    ai_db = create_async_engine(infra.url("ai"))
    try:
        async with ai_db.connect() as conn:
            written = Counter(
                row[0]
                for row in await conn.execute(
                    text(
                        "SELECT convert_from(value, 'UTF8')::jsonb -> 'payload' ->> 'in_reply_to_message_id' "
                        "FROM outbox WHERE event_type = 'reply.drafted.v1' "
                        "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = :c"
                    ),
                    {"c": api.creator_id},
                )
            )
    finally:
        await ai_db.dispose()
    assert set(written) == set(message_ids)
    duplicate_drafts = sum(n - 1 for n in written.values())
    assert duplicate_drafts == 0, f"{duplicate_drafts} messages were drafted twice"

    async def fans_exact() -> list[dict[str, Any]] | None:
        items = (await api.get("/v1/fans?limit=100")).json()["items"]
        counts = sorted(f["message_count"] for f in items)
        return items if counts == [PER_FAN] * FANS else None

    await eventually(fans_exact, timeout=60, interval=1)

    on_wire = Counter(r.value["payload"]["in_reply_to_message_id"] for r in event_tap.select("reply.drafted.v1", mine))
    wire_duplicates = sum(n - 1 for n in on_wire.values())
    assert set(on_wire) == set(message_ids)
    with capsys.disabled():
        print(
            f"\nSIGKILL ai+fans after {drafted_at_kill}/{total} drafts: drafts={len(drafts)} "
            f"duplicate_drafts={duplicate_drafts} reply.drafted_duplicates_on_wire={wire_duplicates} fans_exact=True"
        )
