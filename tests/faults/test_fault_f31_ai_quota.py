"""F31: the AI-drafts quota through a SIGKILL of the ai worker. One organisation with four creator
accounts on a plan of 300 AI texts a month; 800 fan messages (``message.received``, each fan its own
conversation), a quarter of them on the wire twice, while the ai worker — its ``drafts`` consumer,
which reserves a unit before it records the drafting call, and its ``draft_reply`` calls — is
SIGKILLed once 100 units are reserved, and restarted.

Afterwards: exactly 300 ``reply.drafted`` and 500 ``reply.withheld``, one per message (none twice,
none lost), and the month's counter at exactly 300: a reservation is in the transaction that records
its call (a kill loses both or neither) and a call retried after the kill reserves nothing again."""

from __future__ import annotations

import asyncio
import random
import signal
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import REGISTRY, FanRef, MessageReceived, make_envelope
from huntaze_testkit.entitlements import publish_entitlement
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(300)

CREATORS, PER_CREATOR, QUOTA = 4, 200, 300


async def test_f31_the_ai_quota_is_exact_through_a_sigkill(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    org, creators = uuid.uuid4(), [uuid.uuid4() for _ in range(CREATORS)]
    now = datetime.now(UTC)
    messages = [
        make_envelope(
            MessageReceived(
                message_id=uuid.uuid4(), conversation_id=uuid.uuid4(),
                fan=FanRef(fan_id=uuid.uuid4(), external_id=f"f31_{c}_{i}", display_name=f"Fan {i}"),
                text=f"hey, it's fan {i}", sent_at=now, received_at=now,
            ),
            producer="inbox", creator_id=c,
        )  # fmt: skip
        for c in creators
        for i in range(PER_CREATOR)
    ]
    wire = messages + random.Random(31).sample(messages, len(messages) // 4)
    random.Random(131).shuffle(wire)
    ours = {str(m.payload.message_id) for m in messages}
    period = now.strftime("%Y-%m")
    worker = lab.service("ai", role="worker", AI_TIMER_LEASE_S="5")
    db = create_async_engine(lab.env["AI_DATABASE_URL"])

    async def scalar(sql: str, **params: Any) -> int:
        async with db.connect() as conn:
            return int((await conn.execute(text(sql), {"o": org, "p": period, **params})).scalar() or 0)

    async def used() -> int:
        return await scalar(
            "SELECT used FROM quota_usage WHERE organization_id = :o AND metric = 'ai_drafts' AND period = :p"
        )

    async def answers(topic: str) -> list[str]:
        async with db.connect() as conn:
            rows = await conn.execute(
                text("SELECT convert_from(value, 'UTF8')::jsonb -> 'payload' ->> 'in_reply_to_message_id' FROM outbox "
                     "WHERE topic = :t"),
                {"t": topic},
            )  # fmt: skip
            return [r[0] for r in rows if r[0] in ours]

    try:
        await publish_entitlement(lab.kafka, org, creators, revision=7, plan="f31", plan_name="F31", ai_drafts=QUOTA)
        deadline = time.monotonic() + 60
        while await scalar("SELECT count(*) FROM entitlements WHERE organization_id = :o") == 0:
            assert time.monotonic() < deadline, lab.log_tails()
            await asyncio.sleep(0.1)
        sending = asyncio.create_task(lab.produce(REGISTRY.for_model(MessageReceived), wire, per_second=400))
        deadline = time.monotonic() + 120
        while (killed_at := await used()) < QUOTA // 3:
            assert time.monotonic() < deadline, (killed_at, lab.log_tails())
            await asyncio.sleep(0.02)
        worker.kill(signal.SIGKILL)
        restarted = time.monotonic()
        await asyncio.sleep(1)
        worker.start()
        await asyncio.to_thread(worker.wait_ready)
        produced = await sending

        deadline = time.monotonic() + 180
        while True:
            drafted, withheld = await answers("reply.drafted.v1"), await answers("reply.withheld.v1")
            if len(set(drafted) | set(withheld)) >= len(messages):
                break
            assert time.monotonic() < deadline, (len(drafted), len(withheld), lab.log_tails())
            await asyncio.sleep(0.5)
        recovery = time.monotonic() - restarted
        await asyncio.sleep(2)  # anything late would show now
        drafted, withheld = await answers("reply.drafted.v1"), await answers("reply.withheld.v1")
        counter = await used()
        dead = await scalar("SELECT count(*) FROM timers WHERE state = 'dead'")
    finally:
        await db.dispose()
    twice = (len(drafted) - len(set(drafted))) + (len(withheld) - len(set(withheld))) + len(set(drafted) & set(withheld))
    answered = set(drafted) | set(withheld)
    report = Report(
        "F31",
        produced=produced,
        effects=len(answered),
        duplicates=twice,
        lost=len(ours - answered),
        dlq=dead,
        recovery_s=recovery,
        extra={
            "quota": QUOTA,
            "drafted": len(set(drafted)),
            "withheld": len(set(withheld)),
            "counter": counter,
            "killed_at_used": killed_at,
            "wire_repeats": len(wire) - len(messages),
        },
    )
    emit(capsys, report)
    assert report.duplicates == 0 and report.lost == 0 and report.dlq == 0, report.line()
    assert (len(set(drafted)), len(set(withheld)), counter) == (QUOTA, len(messages) - QUOTA, QUOTA), report.line()
    assert 0 < killed_at < QUOTA, report.line()
