"""F29: Stripe webhooks through a SIGKILL of the billing worker. 30 organisations with a Stripe
customer each; per organisation three signed subscription events (created: Pro monthly; updated 10 s
later: Agency yearly; updated 20 s later: Agency yearly, cancel at period end), posted to the
billing API (the gateway's visitor token, as its public route forwards them) in a shuffled burst,
a third of them twice (Stripe's retries). The billing worker, which processes the stored events
(durable ``stripe_event`` timers), is SIGKILLed once a third of them are processed, and restarted.

Afterwards: each event id stored once and processed once (no timer left, none dead); every
organisation on Agency yearly with cancel-at-period-end, whatever order the events were processed
in; in the outbox, per organisation, one entitlement.changed per revision 1…n, none twice, the
last one Agency."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import time
import uuid
from typing import Any

import httpx
import psycopg
import pytest

from huntaze_testkit import stripe_events as se
from huntaze_testkit.internal import internal_headers
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(180)

ORGS = 30
ZERO = uuid.UUID(int=0)


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


async def test_f29_each_stripe_event_is_applied_once_through_a_worker_sigkill(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    secret = lab.env["BILLING_STRIPE_WEBHOOK_SECRET"]
    run = uuid.uuid4().hex[:8]
    orgs = {uuid.uuid4(): f"cus_f29_{run}_{i}" for i in range(ORGS)}
    t = int(time.time())
    events: list[dict[str, Any]] = []
    for customer in orgs.values():
        sub = f"sub_f29_{customer}"
        events += [
            se.subscription_event("created", se.subscription(sub, customer, "price_huntaze_pro_monthly"), created=t),
            se.subscription_event(
                "updated", se.subscription(sub, customer, "price_huntaze_agency_yearly"), created=t + 10
            ),
            se.subscription_event(
                "updated",
                se.subscription(sub, customer, "price_huntaze_agency_yearly", cancel_at_period_end=True),
                created=t + 20,
            ),
        ]
    posts = events + events[::3]
    random.Random(29).shuffle(posts)
    ids = [e["id"] for e in events]

    db = await psycopg.AsyncConnection.connect(_dsn(lab.env["BILLING_DATABASE_URL"]), autocommit=True)

    async def scalar(sql: str) -> int:
        return int((await (await db.execute(sql, {"ids": ids, "orgs": list(orgs)})).fetchone() or (0,))[0] or 0)

    async def processed() -> int:
        return await scalar("SELECT count(*) FROM stripe_events WHERE id = ANY(%(ids)s) AND processed_at IS NOT NULL")

    try:
        async with db.transaction():
            for org, customer in orgs.items():
                await db.execute(
                    "INSERT INTO accounts (org_id, revision, org_revision, name, creator_ids, seats, stripe_customer_id, "
                    "subscription_created, canceled_subscriptions, status, cancel_at_period_end, grace_expired, plan) "
                    "VALUES (%s, 0, 0, 'F29', '{}', 1, %s, 0, '{}', 'free', false, false, 'free')",
                    (org, customer),
                )
        api = lab.service("billing", role="api")
        # timers claimed by the killed worker come back when their lease ends: 5 s here, not 30
        worker = lab.service("billing", role="worker", BILLING_TIMER_LEASE_S="5")
        headers = internal_headers(ZERO, ZERO, role="visitor", org_id=ZERO)
        killed_at, started = 0, time.monotonic()

        async def burst() -> list[int]:
            async with httpx.AsyncClient(base_url=api.url, timeout=30) as http:
                answers = []
                for event in posts:
                    body, signed = se.signed(event, secret)
                    answer = await http.post("/v1/billing/webhooks/stripe", content=body, headers=headers | signed)
                    answers.append(answer.status_code)
                return answers

        async def kill_once() -> float:
            nonlocal killed_at
            deadline = time.monotonic() + 60
            while (killed_at := await processed()) < len(events) // 3:
                assert time.monotonic() < deadline, (killed_at, lab.log_tails())
                await asyncio.sleep(0.02)
            worker.kill(signal.SIGKILL)
            await asyncio.sleep(1)
            worker.start()
            await asyncio.to_thread(worker.wait_ready)
            return time.monotonic()

        statuses, restarted = await asyncio.gather(burst(), kill_once())

        async def settled() -> bool:
            left = await scalar("SELECT count(*) FROM timers WHERE kind = 'stripe_event' AND key = ANY(%(ids)s)")
            unpublished = await scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            return await processed() == len(events) and left == 0 and unpublished == 0

        deadline = time.monotonic() + 60
        while not await settled():
            assert time.monotonic() < deadline, (await processed(), lab.log_tails())
            await asyncio.sleep(0.2)
        recovery = time.monotonic() - restarted
        stored = await scalar("SELECT count(*) FROM stripe_events WHERE id = ANY(%(ids)s)")
        dead = await scalar("SELECT count(*) FROM timers WHERE state = 'dead'")
        wrong_state = await scalar(
            "SELECT count(*) FROM accounts WHERE org_id = ANY(%(orgs)s) AND NOT (plan = 'agency' AND "
            "billing_interval = 'year' AND status = 'active' AND cancel_at_period_end)"
        )
        rows = await (
            await db.execute(
                "SELECT convert_from(value, 'UTF8')::jsonb -> 'payload' FROM outbox WHERE topic = 'entitlement.changed.v1'"
            )
        ).fetchall()
        revisions = await (
            await db.execute("SELECT org_id, revision FROM accounts WHERE org_id = ANY(%s)", (list(orgs),))
        ).fetchall()
        revisions_of = {org: int(n) for org, n in revisions}
    finally:
        await db.close()

    emitted: dict[str, list[tuple[int, str]]] = {}
    for (payload,) in rows:
        p = payload if isinstance(payload, dict) else json.loads(payload)
        if uuid.UUID(p["organization_id"]) not in orgs:
            continue
        emitted.setdefault(p["organization_id"], []).append((p["revision"], p["plan"]))
    twice = sum(len(v) - len({r for r, _ in v}) for v in emitted.values())
    gaps = sum(
        1 for org, n in revisions_of.items() if sorted(r for r, _ in emitted.get(str(org), [])) != list(range(1, n + 1))
    )
    last_not_agency = sum(1 for v in emitted.values() if max(v)[1] != "agency")
    report = Report(
        "F29",
        produced=len(posts),
        effects=count_of(statuses, 200),
        duplicates=twice + max(0, stored - len(events)),
        lost=(len(events) - stored) + wrong_state + gaps + last_not_agency,
        dlq=dead,
        recovery_s=recovery,
        extra={
            "events": len(events),
            "replays": len(posts) - len(events),
            "killed_at_processed": killed_at,
            "entitlements": sum(len(v) for v in emitted.values()),
            "not_200": len(statuses) - count_of(statuses, 200),
            "elapsed_s": f"{time.monotonic() - started:.1f}",
        },
    )
    emit(capsys, report)
    assert all(s == 200 for s in statuses), report.line()
    assert 0 < killed_at < len(events) and report.dlq == 0, report.line()


def count_of(statuses: list[int], status: int) -> int:
    return sum(1 for s in statuses if s == status)
