"""Billing's owner routes through the gateway against stripe-mock (through the stripe SDK), on real
Kafka and PostgreSQL: the plans, a Checkout Session for the organisation's one Stripe customer,
the Customer Portal, the subscription with this month's usage; bad input answers a clear 4xx; AI
drafts are metered into usage.recorded once per draft (and reported to Stripe on a metered plan)."""

from __future__ import annotations

import os
import uuid
from typing import Any

from huntaze_events import ReplyDrafted
from huntaze_testkit import EventTap, eventually
from huntaze_testkit import stripe_events as se
from huntaze_testkit.billing import ENTITLEMENTS, db, new_org, of_org, produce

USAGE = "usage.recorded.v1"


async def test_plans_checkout_portal_and_subscription(gateway: Any, event_tap: EventTap) -> None:
    owner = await new_org(gateway, event_tap, "CheckoutOwner")
    plans = (await owner.get("/v1/billing/plans")).json()["items"]
    assert [(p["code"], p["amount_monthly_cents"]) for p in plans] == [("free", 0), ("pro", 4900), ("agency", 29900)]
    mine = (await owner.get("/v1/billing/subscription")).json()
    assert (mine["plan"], mine["status"], mine["usage"]["seats"]) == ("agency", "free", {"used": 1, "limit": 50})  # starting plan (conftest)
    assert (await owner.post("/v1/billing/portal")).status_code == 409  # no customer yet

    first = await owner.post("/v1/billing/checkout", json={"plan": "pro", "interval": "month"})
    assert first.status_code == 200, first.text
    assert first.json()["session_id"].startswith("cs_") and first.json()["url"].startswith("https://")
    second = await owner.post("/v1/billing/checkout", json={"plan": "agency", "interval": "year"})
    assert second.status_code == 200, second.text
    customers = db("SELECT stripe_customer_id FROM accounts WHERE org_id = %s", uuid.UUID(owner.organization_id))
    assert len(customers) == 1 and customers[0][0].startswith("cus_")  # one customer, made once
    portal = await owner.post("/v1/billing/portal")
    assert portal.status_code == 200 and portal.json()["url"].startswith("https://"), portal.text


async def test_bad_checkout_input_answers_a_clear_4xx(gateway: Any, event_tap: EventTap) -> None:
    owner = await new_org(gateway, event_tap, "CheckoutBad")
    for body, status in (
        ({"plan": "free", "interval": "month"}, 422),
        ({"plan": "gold", "interval": "month"}, 422),
        ({"plan": "pro", "interval": "week"}, 422),
        ({"plan": "pro", "interval": "month", "extra": 1}, 422),
        ({}, 422),
    ):
        answer = await owner.post("/v1/billing/checkout", json=body)
        assert answer.status_code == status, (body, answer.text)
    assert (await owner.post("/v1/billing/checkout", content=b"{nope")).status_code == 422


async def test_ai_drafts_are_metered_once_and_reported_to_stripe_on_a_metered_plan(
    gateway: Any, event_tap: EventTap
) -> None:
    owner = await new_org(gateway, event_tap, "MeteredAgency")
    org = owner.organization_id
    assert (await owner.post("/v1/billing/checkout", json={"plan": "agency", "interval": "year"})).status_code == 200
    [(customer,)] = db("SELECT stripe_customer_id FROM accounts WHERE org_id = %s", uuid.UUID(org))
    body, headers = se.signed(
        se.subscription_event("created", se.subscription(f"sub_{uuid.uuid4().hex[:12]}", customer, "price_huntaze_agency_yearly")),
        os.environ["BILLING_STRIPE_WEBHOOK_SECRET"],
    )  # fmt: skip
    assert (await gateway.post("/v1/billing/webhooks/stripe", content=body, headers=headers)).status_code == 200
    await event_tap.wait_for(
        ENTITLEMENTS, lambda r: of_org(org)(r) and r.value["payload"]["plan"] == "agency", timeout=60
    )

    def draft() -> ReplyDrafted:
        return ReplyDrafted(draft_id=uuid.uuid4(), conversation_id=uuid.uuid4(), in_reply_to_message_id=uuid.uuid4(),
                            fan_id=uuid.uuid4(), text="hey", provider="offline")  # fmt: skip

    one = await produce(draft(), "ai", owner.creator_id, str(uuid.uuid4()))
    two = await produce(draft(), "ai", owner.creator_id, str(uuid.uuid4()))
    records = await event_tap.wait_for(USAGE, of_org(org), count=2, timeout=60)
    payloads = sorted((r.value["payload"] for r in records), key=lambda p: p["total"])
    assert [(p["metric"], p["total"]) for p in payloads] == [("ai_drafts", 1), ("ai_drafts", 2)]
    assert {p["source_event_id"] for p in payloads} == {str(one.event_id), str(two.event_id)}
    usage = (await owner.get("/v1/billing/subscription")).json()["usage"]["ai_drafts"]
    assert usage == {"used": 2, "limit": 50000}

    async def reported() -> bool:
        left = db("SELECT count(*) FROM timers WHERE kind = 'meter_event' AND tenant = %s", uuid.UUID(org))
        return left == [(0,)]

    await eventually(reported, timeout=60)  # both meter events made (stripe-mock answered), none left
