"""F30: usage metering through a SIGKILL of the billing worker. 8 organisations on the agency plan
(a Stripe meter for AI drafts) with two creator accounts each; 1,600 ``reply.drafted`` and 160
``massmessage.sent`` (half of those cancelled before anything was sent: not counted), as the ai and
the inbox emit them, a quarter of them on the wire twice (a producer's retry: same event id). The
billing worker — its ``metered_drafts`` and ``metered_mass_messages`` consumers and its
``meter_event`` external calls to stripe-mock — is SIGKILLed once a third of the units are stored,
and restarted.

Afterwards: one unit per distinct source event (none twice, none lost), each organisation's month
exactly its drafts and its sent mass messages, one ``usage.recorded`` per unit in the outbox with
totals 1…n per organisation and metric, and one Stripe meter event call per AI draft, all made
(no call left, none dead)."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from huntaze_events import MassMessageSent, ReplyDrafted, make_envelope
from huntaze_events.registry import REGISTRY
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(240)

ORGS, CREATORS, DRAFTS, MASS = 8, 2, 100, 10
"""Per organisation: its creators; per creator: AI drafts and mass messages."""


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _draft(creator: uuid.UUID) -> Any:
    payload = ReplyDrafted(draft_id=uuid.uuid4(), conversation_id=uuid.uuid4(), in_reply_to_message_id=uuid.uuid4(),
                           fan_id=uuid.uuid4(), text="hey you", provider="offline")  # fmt: skip
    return make_envelope(payload, producer="ai", creator_id=creator)


def _mass(creator: uuid.UUID, sent: bool) -> Any:
    now = datetime.now(UTC)
    payload = MassMessageSent(
        mass_message_id=uuid.uuid4(), status="done" if sent else "cancelled", recipients=40,
        sent=40 if sent else 0, failed=0, skipped=0, cancelled=0 if sent else 40, currency="USD",
        media_ids=[], created_by=uuid.uuid4(), started_at=now, finished_at=now,
    )  # fmt: skip
    return make_envelope(payload, producer="inbox", creator_id=creator)


async def test_f30_every_unit_is_counted_and_reported_once_through_a_worker_sigkill(
    fresh_lab: Lab, capsys: Any
) -> None:
    lab = fresh_lab
    run = uuid.uuid4().hex[:8]
    orgs = {uuid.uuid4(): [uuid.uuid4() for _ in range(CREATORS)] for _ in range(ORGS)}
    drafts = [_draft(c) for creators in orgs.values() for c in creators for _ in range(DRAFTS)]
    masses = [_mass(c, sent=i % 2 == 0) for creators in orgs.values() for c in creators for i in range(MASS)]
    rng = random.Random(30)
    drafts_wire = drafts + rng.sample(drafts, len(drafts) // 4)
    masses_wire = masses + rng.sample(masses, len(masses) // 4)
    rng.shuffle(drafts_wire)
    rng.shuffle(masses_wire)
    expected_drafts = {org: CREATORS * DRAFTS for org in orgs}
    expected_mass = {org: CREATORS * MASS // 2 for org in orgs}

    db = await psycopg.AsyncConnection.connect(_dsn(lab.env["BILLING_DATABASE_URL"]), autocommit=True)
    ids = [e.event_id for e in drafts + masses]

    async def scalar(sql: str) -> int:
        return int((await (await db.execute(sql, {"ids": ids, "orgs": list(orgs)})).fetchone() or (0,))[0] or 0)

    async def units() -> int:
        return await scalar("SELECT count(*) FROM usage_units WHERE unit_id = ANY(%(ids)s)")

    try:
        async with db.transaction():
            for i, (org, creators) in enumerate(orgs.items()):
                await db.execute(
                    "INSERT INTO accounts (org_id, revision, org_revision, name, creator_ids, seats, stripe_customer_id, "
                    "subscription_created, canceled_subscriptions, status, cancel_at_period_end, grace_expired, plan) "
                    "VALUES (%s, 1, 1, 'F30', %s, 1, %s, 1, '{}', 'active', false, false, 'agency')",
                    (org, creators, f"cus_f30_{run}_{i}"),
                )
                for creator in creators:
                    await db.execute(
                        "INSERT INTO creator_orgs (creator_id, org_id, revision) VALUES (%s, %s, 1)", (creator, org)
                    )
        # calls claimed by the killed worker come back when their lease ends: 5 s here, not 30
        worker = lab.service("billing", role="worker", BILLING_TIMER_LEASE_S="5")
        started = time.monotonic()
        killed_at = 0

        async def kill_once() -> float:
            nonlocal killed_at
            deadline = time.monotonic() + 90
            while (killed_at := await units()) < len(ids) // 3:
                assert time.monotonic() < deadline, (killed_at, lab.log_tails())
                await asyncio.sleep(0.02)
            worker.kill(signal.SIGKILL)
            await asyncio.sleep(1)
            worker.start()
            await asyncio.to_thread(worker.wait_ready)
            return time.monotonic()

        drafts_sent, masses_sent, restarted = await asyncio.gather(
            lab.produce(REGISTRY.for_model(ReplyDrafted), drafts_wire, per_second=600),
            lab.produce(REGISTRY.for_model(MassMessageSent), masses_wire, per_second=60),
            kill_once(),
        )

        async def settled() -> bool:
            calls_left = await scalar("SELECT count(*) FROM timers WHERE kind = 'meter_event' AND tenant = ANY(%(orgs)s)")
            unpublished = await scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            counted = await scalar("SELECT count(*) FROM usage_units WHERE unit_id = ANY(%(ids)s) AND org_id IS NOT NULL")
            return counted == len(drafts) + len(masses) // 2 and calls_left == 0 and unpublished == 0

        deadline = time.monotonic() + 120
        while not await settled():
            assert time.monotonic() < deadline, (await units(), lab.log_tails())
            await asyncio.sleep(0.2)
        recovery = time.monotonic() - restarted
        stored = await units()
        dead = await scalar("SELECT count(*) FROM timers WHERE state = 'dead'")
        counters = await (
            await db.execute(
                "SELECT org_id, metric, sum(total) FROM usage_counters WHERE org_id = ANY(%s) GROUP BY 1, 2", (list(orgs),)
            )
        ).fetchall()
        rows = await (
            await db.execute(
                "SELECT convert_from(value, 'UTF8')::jsonb -> 'payload' FROM outbox WHERE topic = 'usage.recorded.v1'"
            )
        ).fetchall()
    finally:
        await db.close()

    totals = {(org, metric): int(n) for org, metric, n in counters}
    wrong_totals = sum(
        1 for org in orgs
        if totals.get((org, "ai_drafts")) != expected_drafts[org] or totals.get((org, "mass_messages")) != expected_mass[org]
    )  # fmt: skip
    recorded: dict[tuple[str, str], list[int]] = {}
    sources: list[str] = []
    for (payload,) in rows:
        p = payload if isinstance(payload, dict) else json.loads(payload)
        if uuid.UUID(p["organization_id"]) not in orgs:
            continue
        recorded.setdefault((p["organization_id"], p["metric"]), []).append(p["total"])
        sources.append(p["source_event_id"])
    twice = len(sources) - len(set(sources))
    gaps = sum(1 for totals_seen in recorded.values() if sorted(totals_seen) != list(range(1, len(totals_seen) + 1)))
    expected_units = len(drafts) + len(masses) // 2
    report = Report(
        "F30",
        produced=drafts_sent + masses_sent,
        effects=len(set(sources)),
        duplicates=twice,
        lost=(expected_units - len(set(sources))) + wrong_totals + gaps,
        dlq=dead,
        recovery_s=recovery,
        extra={
            "drafts": len(drafts),
            "mass_sent": len(masses) // 2,
            "mass_cancelled": len(masses) // 2,
            "wire_repeats": len(drafts_wire) + len(masses_wire) - len(drafts) - len(masses),
            "units_stored": stored,
            "killed_at_units": killed_at,
            "wrong_totals": wrong_totals,
            "elapsed_s": f"{time.monotonic() - started:.1f}",
        },
    )
    emit(capsys, report)
    assert report.duplicates == 0 and report.lost == 0 and report.dlq == 0, report.line()
    assert stored == expected_units and 0 < killed_at < stored, report.line()
