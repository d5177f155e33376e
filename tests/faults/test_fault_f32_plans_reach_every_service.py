"""F32: an organisation's plan reaches every service through SIGKILLs. 40 organisations announced
by the gateway (``organization.updated`` revisions 1–3: a second creator account, a third member; a
third of them twice on the wire, some revision 3 before 2), 20 of them paying for Pro whose payment
then fails (signed ``invoice.payment_failed`` webhooks, a grace of 3 s). The billing worker — its
``organizations`` consumer, ``stripe_event`` and ``grace_expired`` timers — is SIGKILLed while the
announcements and the grace timers are being applied; the gateway's and the ai's workers (their
``entitlements`` consumers) are SIGKILLed too; inbox and marketing keep theirs running.

Afterwards, for every organisation: billing holds its revision 3 (two creators, three seats); the
20 past-due ones fell back to free exactly once (one ``plan.changed`` with reason ``grace_expired``);
``entitlement.changed`` revisions 1…n, none twice; and the gateway, ai, inbox and marketing read
models all hold billing's last revision and plan, with both creators mapped."""

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

from huntaze_events import REGISTRY, OrganizationUpdated, make_envelope
from huntaze_testkit import stripe_events as se
from huntaze_testkit.internal import internal_headers
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(300)

ORGS, PAYING = 40, 20
ZERO = uuid.UUID(int=0)


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


async def test_f32_plans_reach_every_service_through_sigkills(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    run = uuid.uuid4().hex[:8]
    orgs = {uuid.uuid4(): (uuid.uuid4(), uuid.uuid4()) for _ in range(ORGS)}
    paying = {org: f"cus_f32_{run}_{i}" for i, org in enumerate(list(orgs)[:PAYING])}
    rng = random.Random(32)
    announcements: list[Any] = []
    for org, (first, second) in orgs.items():
        revisions = [
            OrganizationUpdated(organization_id=org, revision=1, name="F32", creator_ids=[first], seats=1),
            OrganizationUpdated(organization_id=org, revision=2, name="F32", creator_ids=[first, second], seats=2),
            OrganizationUpdated(organization_id=org, revision=3, name="F32", creator_ids=[first, second], seats=3),
        ]
        if rng.random() < 0.3:
            revisions[1], revisions[2] = revisions[2], revisions[1]  # a late revision 2: changes nothing
        events = [make_envelope(p, producer="gateway", creator_id=org) for p in revisions]
        announcements += events + (events if rng.random() < 0.33 else [])
    billing_db = await psycopg.AsyncConnection.connect(_dsn(lab.env["BILLING_DATABASE_URL"]), autocommit=True)

    async def scalar(sql: str) -> int:
        return int((await (await billing_db.execute(sql, {"orgs": list(orgs)})).fetchone() or (0,))[0] or 0)

    try:
        async with billing_db.transaction():  # the paying ones subscribed to Pro before (their customer mapped)
            for i, (org, customer) in enumerate(paying.items()):
                await billing_db.execute(
                    "INSERT INTO accounts (org_id, revision, org_revision, name, creator_ids, seats, stripe_customer_id, "
                    "subscription_id, subscription_created, canceled_subscriptions, sub_plan, status, billing_interval, "
                    "cancel_at_period_end, grace_expired, plan) VALUES (%s, 0, 0, 'F32', '{}', 0, %s, %s, 1, '{}', "
                    "'pro', 'active', 'month', false, false, 'pro')",
                    (org, customer, f"sub_f32_{run}_{i}"),
                )
        env = {"BILLING_GRACE_PERIOD_S": "3", "BILLING_TIMER_LEASE_S": "5"}
        api = lab.service("billing", role="api", **env)
        billing = lab.service("billing", role="worker", **env)
        gateway = lab.service("gateway", role="worker")
        ai = lab.service("ai", role="worker")
        inbox = lab.service("inbox", role="worker")
        marketing = lab.service("marketing", role="worker")
        headers = internal_headers(ZERO, ZERO, role="visitor", org_id=ZERO)
        started = time.monotonic()

        async def webhooks() -> list[int]:
            async with httpx.AsyncClient(base_url=api.url, timeout=30) as http:
                answers = []
                for org, customer in paying.items():
                    failed = se.invoice("payment_failed", customer, f"sub_f32_{run}_{list(paying).index(org)}")
                    body, signed = se.signed(failed, lab.env["BILLING_STRIPE_WEBHOOK_SECRET"])
                    answer = await http.post("/v1/billing/webhooks/stripe", content=body, headers=headers | signed)
                    answers.append(answer.status_code)
                return answers

        async def kills() -> tuple[int, float]:
            deadline = time.monotonic() + 90
            while (applied := await scalar("SELECT count(*) FROM accounts WHERE org_id = ANY(%(orgs)s) "
                                           "AND org_revision > 0")) < ORGS // 3:  # fmt: skip
                assert time.monotonic() < deadline, (applied, lab.log_tails())
                await asyncio.sleep(0.02)
            for process in (billing, gateway, ai):
                process.kill(signal.SIGKILL)
            await asyncio.sleep(1)
            for process in (billing, gateway, ai):
                process.start()
            for process in (billing, gateway, ai):
                await asyncio.to_thread(process.wait_ready)
            return applied, time.monotonic()

        produced, statuses, (killed_at, restarted) = await asyncio.gather(
            lab.produce(REGISTRY.for_model(OrganizationUpdated), announcements, per_second=200),
            webhooks(),
            kills(),
        )

        async def billing_settled() -> bool:
            done = await scalar("SELECT count(*) FROM accounts WHERE org_id = ANY(%(orgs)s) AND org_revision = 3")
            fallen = await scalar("SELECT count(*) FROM accounts WHERE org_id = ANY(%(orgs)s) AND grace_expired")
            pending = await scalar("SELECT count(*) FROM timers WHERE kind IN ('stripe_event', 'grace_expired')")
            unpublished = await scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            return done == ORGS and fallen == PAYING and pending == 0 and unpublished == 0

        deadline = time.monotonic() + 120
        while not await billing_settled():
            assert time.monotonic() < deadline, lab.log_tails()
            await asyncio.sleep(0.2)
        final = {
            org: (int(rev), plan)
            for org, rev, plan in await (
                await billing_db.execute("SELECT org_id, revision, plan FROM accounts WHERE org_id = ANY(%s)", (list(orgs),))
            ).fetchall()
        }
        rows = await (
            await billing_db.execute(
                "SELECT topic, convert_from(value, 'UTF8')::jsonb -> 'payload' FROM outbox "
                "WHERE topic IN ('entitlement.changed.v1', 'plan.changed.v1')"
            )
        ).fetchall()

        async def read_model(service: str, org_column: str) -> dict[uuid.UUID, tuple[int, str]]:
            async with await psycopg.AsyncConnection.connect(_dsn(lab.env[f"{service.upper()}_DATABASE_URL"])) as conn:
                found = await (
                    await conn.execute(
                        f"SELECT {org_column}, revision, plan FROM entitlements WHERE {org_column} = ANY(%s)", (list(orgs),)
                    )
                ).fetchall()
                mapped = 0
                if service != "gateway":
                    mapped = int((await (await conn.execute(
                        "SELECT count(*) FROM entitlement_creators WHERE organization_id = ANY(%s)", (list(orgs),)
                    )).fetchone() or (0,))[0])  # fmt: skip
            models[service] = mapped
            return {org: (int(rev), plan) for org, rev, plan in found}

        models: dict[str, int] = {}
        services = {"gateway": "org_id", "ai": "organization_id", "inbox": "organization_id", "marketing": "organization_id"}
        deadline = time.monotonic() + 120
        while True:
            views = {s: await read_model(s, column) for s, column in services.items()}
            behind = {s: sum(1 for org in orgs if view.get(org) != final[org]) for s, view in views.items()}
            unmapped = {s: 2 * ORGS - n for s, n in models.items() if s != "gateway"}
            if not any(behind.values()) and not any(unmapped.values()):
                break
            assert time.monotonic() < deadline, (behind, unmapped, lab.log_tails())
            await asyncio.sleep(0.5)
        recovery = time.monotonic() - restarted
    finally:
        await billing_db.close()

    entitlements: dict[str, list[int]] = {}
    grace_drops: dict[str, int] = {}
    for topic, payload in rows:
        p = payload if isinstance(payload, dict) else json.loads(payload)
        if uuid.UUID(p["organization_id"]) not in orgs:
            continue
        if topic == "entitlement.changed.v1":
            entitlements.setdefault(p["organization_id"], []).append(p["revision"])
        elif p["reason"] == "grace_expired":
            grace_drops[p["organization_id"]] = grace_drops.get(p["organization_id"], 0) + 1
    twice = sum(len(v) - len(set(v)) for v in entitlements.values()) + sum(n - 1 for n in grace_drops.values())
    gaps = sum(1 for org, (rev, _) in final.items() if sorted(set(entitlements.get(str(org), []))) != list(range(1, rev + 1)))
    wrong_plans = sum(1 for org, (_, plan) in final.items() if plan != "free")
    report = Report(
        "F32",
        produced=produced + len(statuses),
        effects=sum(len(v) for v in entitlements.values()),
        duplicates=twice,
        lost=gaps + wrong_plans + (PAYING - len(grace_drops)),
        dlq=await _dead(lab),
        recovery_s=recovery,
        extra={
            "orgs": ORGS,
            "announcements": len(announcements),
            "grace_drops": sum(grace_drops.values()),
            "killed_at_accounts": killed_at,
            "read_models_behind": sum(behind.values()),
            "webhooks_not_200": sum(1 for s in statuses if s != 200),
            "elapsed_s": f"{time.monotonic() - started:.1f}",
        },
    )
    emit(capsys, report)
    assert report.duplicates == 0 and report.lost == 0 and report.dlq == 0, report.line()
    assert all(s == 200 for s in statuses) and 0 < killed_at < ORGS, report.line()
    assert all(p.proc is not None and p.proc.poll() is None for p in (inbox, marketing))  # never stopped


async def _dead(lab: Lab) -> int:
    async with await psycopg.AsyncConnection.connect(_dsn(lab.env["BILLING_DATABASE_URL"])) as conn:
        return int((await (await conn.execute("SELECT count(*) FROM timers WHERE state = 'dead'")).fetchone() or (0,))[0])
