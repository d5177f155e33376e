"""Stripe webhooks through the gateway's public route to billing, on real Kafka, PostgreSQL and
stripe-mock: events signed exactly as Stripe signs them move an organisation to its plan once
(a replay changes nothing); out of order (canceled before created) ends canceled; forged, stale,
unsigned and foreign events change no entitlement."""

from __future__ import annotations

import time
import uuid
from typing import Any

from huntaze_testkit import EventTap
from huntaze_testkit import stripe_events as se
from huntaze_testkit.billing import (
    AGENCY,
    ENTITLEMENTS,
    PRO,
    STARTING,
    WEBHOOK,
    customer_of,
    db,
    deliver,
    new_org,
    of_org,
    plans_of,
    processed,
    secret,
)


async def test_a_subscription_moves_the_organisation_to_its_plan_once(gateway: Any, event_tap: EventTap) -> None:
    owner = await new_org(gateway, event_tap, "WebhookPro")
    org, customer = owner.organization_id, await customer_of(owner)
    sub = f"sub_{uuid.uuid4().hex[:14]}"
    completed = se.checkout_completed(f"cs_{uuid.uuid4().hex[:10]}", customer, sub, org)
    created = se.subscription_event("created", se.subscription(sub, customer, PRO))
    for event in (completed, created):
        answer = await deliver(gateway, event)
        assert answer.status_code == 200 and answer.json()["duplicate"] is False, answer.text
    replay = await deliver(gateway, created)
    assert replay.status_code == 200 and replay.json()["duplicate"] is True, replay.text
    await event_tap.wait_for(ENTITLEMENTS, lambda r: of_org(org)(r) and r.value["payload"]["plan"] == "pro", timeout=60)
    assert await processed(created) == "applied"
    assert await processed(completed) in ("applied", "no_change")  # no_change: the subscription came first
    assert plans_of(event_tap, org) == [(1, STARTING, "free"), (2, "pro", "active")]
    [pro] = [
        r.value["payload"] for r in event_tap.select(ENTITLEMENTS, of_org(org)) if r.value["payload"]["revision"] == 2
    ]
    assert pro["limits"]["ai_drafts_per_month"] == 5000 and pro["upgrades"]["stream_exports"] == "Agency"
    assert pro["creator_ids"] == [owner.creator_id]
    mine = (await owner.get("/v1/billing/subscription")).json()
    assert (mine["plan"], mine["status"], mine["interval"]) == ("pro", "active", "month")
    assert db("SELECT count(*) FROM stripe_events WHERE id = %s", created["id"]) == [(1,)]
    again = await owner.post("/v1/billing/checkout", json={"plan": "agency", "interval": "year"})
    assert again.status_code == 409, again.text


async def test_canceled_before_created_ends_canceled(gateway: Any, event_tap: EventTap) -> None:
    owner = await new_org(gateway, event_tap, "WebhookOrder")
    org, customer = owner.organization_id, await customer_of(owner)
    sub, t = f"sub_{uuid.uuid4().hex[:14]}", int(time.time())
    canceled = se.subscription_event("updated", se.subscription(sub, customer, PRO, status="canceled"), created=t + 60)
    created = se.subscription_event("created", se.subscription(sub, customer, PRO), created=t)
    assert (await deliver(gateway, canceled)).status_code == 200
    assert await processed(canceled) == "applied"
    assert (await deliver(gateway, created)).status_code == 200
    assert await processed(created) == "stale"
    mine = (await owner.get("/v1/billing/subscription")).json()
    assert (mine["plan"], mine["status"]) == ("free", "canceled")
    assert [plan for _, plan, _ in plans_of(event_tap, org)] == [STARTING, "free"]  # never pro


async def test_forged_stale_and_foreign_events_change_no_entitlement(gateway: Any, event_tap: EventTap) -> None:
    owner = await new_org(gateway, event_tap, "WebhookVictim")
    other = await new_org(gateway, event_tap, "WebhookAttacker")
    org, customer = owner.organization_id, await customer_of(owner)
    upgrade = se.subscription_event("created", se.subscription(f"sub_{uuid.uuid4().hex[:14]}", customer, AGENCY))
    assert (await deliver(gateway, upgrade, key="whsec_forged")).status_code == 400
    assert (await deliver(gateway, upgrade, timestamp=int(time.time()) - 301)).status_code == 400
    body, _ = se.signed(upgrade, secret())
    assert (await gateway.post(WEBHOOK, content=body, headers={"content-type": "application/json"})).status_code == 400
    assert db("SELECT count(*) FROM stripe_events WHERE id = %s", upgrade["id"]) == [(0,)]
    # signed, but naming another organisation than the customer's, or a customer nobody has
    foreign = se.subscription_event(
        "created",
        se.subscription(f"sub_{uuid.uuid4().hex[:14]}", customer, AGENCY, metadata={"organization_id": other.organization_id}),
    )  # fmt: skip
    stranger = se.subscription_event("created", se.subscription("sub_stranger", "cus_nobody", AGENCY))
    for event in (foreign, stranger):
        assert (await deliver(gateway, event)).status_code == 200
    assert (await processed(foreign), await processed(stranger)) == ("ignored_foreign", "ignored_foreign")
    assert plans_of(event_tap, org) == [(1, STARTING, "free")]
    assert plans_of(event_tap, other.organization_id) == [(1, STARTING, "free")]
