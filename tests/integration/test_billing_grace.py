"""A failed payment on the real platform: the organisation keeps its plan through the grace period
(``BILLING_GRACE_PERIOD_S``, 3 s in the suite), then billing's durable timer drops it to the free plan,
the entitlement shrinks, and the ai stops at the free plan's AI texts for the month — exactly: at 97
used this month, one text on Pro during the grace, then of four at once on Free, two are drafted and
two withheld naming the free plan's 100."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_testkit import Api, EventTap, eventually
from huntaze_testkit import stripe_events as se
from huntaze_testkit.billing import ENTITLEMENTS, PRO, customer_of, deliver, new_org, of_org, processed

FREE_DRAFTS = 100


async def _ai_revision(engine: Any, org: uuid.UUID) -> int:
    async with engine.connect() as conn:
        row = (
            await conn.execute(text("SELECT revision FROM entitlements WHERE organization_id = :o"), {"o": org})
        ).first()
    return 0 if row is None else int(row[0])


async def _message(api: Api, fan: str) -> str:
    answer = await api.post(
        "/v1/inbox/messages", json={"fan": {"external_id": fan, "display_name": fan}, "text": "hey"}
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["message_id"])


async def test_payment_failed_grace_then_free_and_the_ai_stops_at_the_free_quota(
    gateway: Any, event_tap: EventTap, infra: Any
) -> None:
    owner = await new_org(gateway, event_tap, "Grace")
    org, creator = owner.organization_id, owner.creator_id
    customer = await customer_of(owner)
    sub = f"sub_{uuid.uuid4().hex[:14]}"
    assert (
        await deliver(gateway, se.subscription_event("created", se.subscription(sub, customer, PRO)))
    ).status_code == 200

    def entitlement(check: Any) -> Any:
        return lambda r: of_org(org)(r) and check(r.value["payload"])

    pro = await _first(event_tap, ENTITLEMENTS, entitlement(lambda p: p["plan"] == "pro"), timeout=60)
    ai_db = create_async_engine(infra.url("ai"))
    try:
        period = datetime.now(UTC).strftime("%Y-%m")
        async with ai_db.begin() as conn:  # the month's AI texts so far
            await conn.execute(
                text(
                    "INSERT INTO quota_usage (organization_id, metric, period, used) VALUES (:o, 'ai_drafts', :p, 97) "
                    "ON CONFLICT (organization_id, metric, period) DO UPDATE SET used = EXCLUDED.used"
                ),
                {"o": uuid.UUID(org), "p": period},
            )

        failed = se.invoice("payment_failed", customer, sub)
        assert (await deliver(gateway, failed)).status_code == 200
        assert await processed(failed) == "applied"
        past_due = await _first(event_tap, ENTITLEMENTS, entitlement(lambda p: p["status"] == "past_due"), timeout=60)
        assert past_due.value["payload"]["plan"] == "pro"  # the grace period keeps the plan
        plan_changed = await _first(
            event_tap,
            "plan.changed.v1",
            lambda r: of_org(org)(r) and r.value["payload"]["status"] == "past_due",
            timeout=60,
        )
        assert plan_changed.value["payload"]["grace_until"] is not None
        revision = past_due.value["payload"]["revision"]
        await eventually(lambda: _at_least(ai_db, uuid.UUID(org), revision), timeout=60)
        during = await _message(owner, "grace-fan")
        await _first(
            event_tap, "reply.drafted.v1", lambda r: r.value["payload"]["in_reply_to_message_id"] == during, timeout=60
        )

        # the grace is over: billing's timer drops the organisation to free
        free = await _first(event_tap, ENTITLEMENTS, entitlement(lambda p: p["plan"] == "free"), timeout=60)
        assert free.value["payload"]["limits"]["ai_drafts_per_month"] == FREE_DRAFTS
        assert free.value["payload"]["revision"] > pro.value["payload"]["revision"]
        dropped = await _first(
            event_tap,
            "plan.changed.v1",
            lambda r: of_org(org)(r) and r.value["payload"]["reason"] == "grace_expired",
            timeout=60,
        )
        assert (dropped.value["payload"]["plan"], dropped.value["payload"]["previous_plan"]) == ("free", "pro")
        await eventually(lambda: _at_least(ai_db, uuid.UUID(org), free.value["payload"]["revision"]), timeout=60)
        mine = (await owner.get("/v1/billing/subscription")).json()
        assert mine["plan"] == "free"

        ids = set(await asyncio.gather(*(_message(owner, f"after-{i}") for i in range(4))))
        about = lambda r: r.value["creator_id"] == creator and r.value["payload"]["in_reply_to_message_id"] in ids  # noqa: E731

        async def answered() -> bool:
            return (
                len(event_tap.select("reply.drafted.v1", about)) + len(event_tap.select("reply.withheld.v1", about))
                >= 4
            )

        await eventually(answered, timeout=60, interval=0.5)
        drafted = Counter(
            r.value["payload"]["in_reply_to_message_id"] for r in event_tap.select("reply.drafted.v1", about)
        )
        withheld = [r.value["payload"] for r in event_tap.select("reply.withheld.v1", about)]
        assert (len(drafted), len(withheld)) == (2, 2)
        assert {(w["limit"], w["plan"], w["upgrade_to"]) for w in withheld} == {(FREE_DRAFTS, "Free", "Pro")}
    finally:
        await ai_db.dispose()


async def _first(event_tap: EventTap, topic: str, match: Any, timeout: float) -> Any:
    return (await event_tap.wait_for(topic, match, timeout=timeout))[0]


async def _at_least(engine: Any, org: uuid.UUID, revision: int) -> bool:
    return await _ai_revision(engine, org) >= revision
