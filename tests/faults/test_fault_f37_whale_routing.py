"""F37: whale routing through a SIGKILL of the inbox worker and of the notifications worker. One
creator, two chatters on shift (``shift.scheduled`` on the wire, Bob's shift first), 60 whale fans
(``fan.segment_changed``) and 60 other fans. Every fan writes 3 messages at a pace (connector retries
across the crash included); then Anna answers each whale with a paid offer and every fan writes 3 more.
The inbox worker — the outbox relay that publishes ``conversation.prioritized`` and the shifts' and
segments' consumers — is SIGKILLed once a third of the first wave is prioritized, the notifications
worker (``whale_notices``) once a third of the second wave's notices are stored; both restart.

Afterwards: exactly one ``conversation.prioritized`` per (whale conversation, episode) — two episodes
each, none for the other fans — all routed to Bob (``on_shift``: nobody sold, nobody has a rate), each
on the topic (wire duplicates counted, not effects) and exactly one ``whale`` notice each, for Bob."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import (
    REGISTRY,
    ConversationPrioritized,
    FanSegmentChanged,
    ShiftScheduled,
    fan_id_for,
    make_envelope,
)
from huntaze_testkit import internal_headers
from huntaze_testkit.lab import Lab, Report, emit, post_until_answered, wire_duplicates

pytestmark = pytest.mark.timeout(600)

WHALES, OTHERS, PER_WAVE = 60, 60, 3
EPISODES = 2


async def test_f37_whale_routing_is_once_per_episode_through_sigkills(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    creator, org, anna, bob = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    fans = [f"f37_{creator.hex[:6]}_{i}" for i in range(WHALES + OTHERS)]
    whales = fans[::2]  # every other fan: whale messages are spread over each round
    inbox_api = lab.service("inbox", role="api")
    inbox_worker = lab.service("inbox", role="worker")
    notifications = lab.service("notifications", role="worker")
    inbox_db = create_async_engine(lab.env["INBOX_DATABASE_URL"])
    notices_db = create_async_engine(lab.env["NOTIFICATIONS_DATABASE_URL"])

    async def scalar(db: Any, sql: str) -> int:
        async with db.connect() as conn:
            return int((await conn.execute(text(sql), {"c": creator, "cs": str(creator)})).scalar() or 0)

    async def prioritized() -> int:
        return await scalar(
            inbox_db,
            "SELECT count(*) FROM outbox WHERE event_type = 'conversation.prioritized.v1' "
            "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = :cs",
        )

    async def notices() -> int:
        return await scalar(notices_db, "SELECT count(*) FROM notices WHERE creator_id = :c AND kind = 'whale'")

    now = datetime.now(UTC)
    shifts = [
        ShiftScheduled(shift_id=uuid.uuid4(), organization_id=org, user_id=who, starts_at=now - timedelta(minutes=m),
                       ends_at=now + timedelta(hours=2), creator_ids=[creator], scheduled_by=anna)
        for who, m in ((bob, 30), (anna, 10))
    ]  # fmt: skip
    segments = [
        FanSegmentChanged(fan_id=fan_id_for(creator, f), segment="whales", change="entered", segment_name="whales", at=now)
        for f in whales
    ]  # fmt: skip
    produced = await lab.produce(REGISTRY.for_model(ShiftScheduled), [make_envelope(s, producer="gateway", creator_id=creator) for s in shifts])  # fmt: skip
    produced += await lab.produce(REGISTRY.for_model(FanSegmentChanged), [make_envelope(s, producer="fans", creator_id=creator) for s in segments])  # fmt: skip

    try:
        deadline = time.monotonic() + 120
        while (
            await scalar(inbox_db, "SELECT count(*) FROM shifts WHERE creator_id = :c") < 2
            or await scalar(inbox_db, "SELECT count(*) FROM audience_fans WHERE creator_id = :c AND 'whales' = ANY(segments)") < WHALES
        ):  # fmt: skip
            assert time.monotonic() < deadline, lab.log_tails()
            await asyncio.sleep(0.25)

        async with httpx.AsyncClient(timeout=30) as client:
            conversations: dict[str, str] = {}

            async def write(fan: str, n: int) -> None:
                body = {
                    "fan": {"external_id": fan, "display_name": "Fan"},
                    "text": f"msg {n}",
                    "external_id": f"{fan}-{n}",
                }
                headers = lambda: internal_headers(creator, bob, role="owner")  # noqa: E731
                answer = await post_until_answered(client, f"{inbox_api.url}/v1/inbox/messages", body, 202, headers)
                conversations[fan] = answer["conversation_id"]
                if n % 2 == 0:  # a connector retry of the same message: stored and told once
                    await post_until_answered(client, f"{inbox_api.url}/v1/inbox/messages", body, 202, headers)

            async def wave(first: int, pause_s: float) -> None:
                for n in range(first, first + PER_WAVE):
                    for start in range(0, len(fans), 10):
                        await asyncio.gather(*(write(f, n) for f in fans[start : start + 10]))
                        await asyncio.sleep(pause_s)

            # -- first wave; the inbox worker (its relay) is killed mid-way -----------------------------
            writing = asyncio.create_task(wave(0, 0.05))
            killed_at, restarted = await lab.kill_when(inbox_worker, prioritized, WHALES // 3)
            assert killed_at < WHALES, "the worker was not killed mid-way"
            await writing

            # -- Anna answers each whale (a paid offer): a new episode on their next message --------------
            for fan in whales:
                offer = {"text": "for you", "price_cents": 1500, "media_ids": [str(uuid.uuid4())]}
                url = f"{inbox_api.url}/v1/inbox/conversations/{conversations[fan]}/offers"
                await post_until_answered(
                    client, url, offer, 202, lambda: internal_headers(creator, anna, role="chatter")
                )

            # -- second wave; the notifications worker is killed mid-way ------------------------------------
            writing = asyncio.create_task(wave(PER_WAVE, 0.25))
            deadline = time.monotonic() + 120
            while (notices_at := await notices()) < WHALES + WHALES // 3:  # a third into the second episode
                assert time.monotonic() < deadline, (notices_at, lab.log_tails())
                await asyncio.sleep(0.02)
            notifications.kill(signal.SIGKILL)
            await asyncio.sleep(1)
            notifications.start()
            await asyncio.to_thread(notifications.wait_ready)
            await writing

        expected = WHALES * EPISODES
        deadline = time.monotonic() + 180
        while await notices() < expected or await prioritized() < expected:
            assert time.monotonic() < deadline, (await notices(), await prioritized(), lab.log_tails())
            await asyncio.sleep(0.5)
        recovery = time.monotonic() - restarted
        await asyncio.sleep(2)  # a late second application would show now
        told = await prioritized()
        stored = await notices()
        for_bob = await scalar(notices_db, f"SELECT count(*) FROM notices WHERE creator_id = :c AND kind = 'whale' AND user_id = '{bob}'")  # fmt: skip
        episodes = await scalar(
            inbox_db, "SELECT count(*) FROM conversation_priorities WHERE creator_id = :c AND episode = 2"
        )
        marked = await scalar(inbox_db, "SELECT count(*) FROM conversation_priorities WHERE creator_id = :c")
        messages = await scalar(inbox_db, "SELECT count(*) FROM messages WHERE creator_id = :c AND direction = 'in'")
    finally:
        await inbox_db.dispose()
        await notices_db.dispose()

    spec = REGISTRY.for_model(ConversationPrioritized)
    mine = lambda r: json.loads(r.value)["creator_id"] == str(creator)  # noqa: E731
    records = await lab.topic_records(spec.topic, where=mine)
    dead = await lab.topic_records(spec.dlq_topic, where=mine)
    payloads = {json.loads(r.value)["event_id"]: json.loads(r.value)["payload"] for r in records}
    whale_conversations = {conversations[f] for f in whales}
    per_conversation = {c: sum(1 for p in payloads.values() if p["conversation_id"] == c) for c in whale_conversations}
    routed = {(p["assigned_user_id"], p["matched_by"]) for p in payloads.values()}
    report = Report(
        "F37",
        produced=produced + messages,
        effects=told + stored,
        duplicates=max(0, told - expected) + max(0, stored - expected) + max(0, len(payloads) - expected),
        lost=max(0, expected - told) + max(0, expected - stored) + max(0, expected - len(payloads)),
        dlq=len(dead),
        recovery_s=recovery,
        extra={"whales": WHALES, "others": OTHERS, "messages": messages, "prioritized": told, "notices": stored,
               "killed_at_prioritized": killed_at, "killed_at_notices": notices_at,
               "wire_duplicates": wire_duplicates(records)},
    )  # fmt: skip
    emit(capsys, report)
    assert messages == (WHALES + OTHERS) * PER_WAVE * EPISODES, report.line()
    assert set(per_conversation.values()) == {EPISODES} and marked == WHALES and episodes == WHALES, report.line()
    assert routed == {(str(bob), "on_shift")} and for_bob == expected, (routed, for_bob)
    assert report.dlq == 0 and 0 < killed_at < WHALES and notices_at < expected, report.line()
