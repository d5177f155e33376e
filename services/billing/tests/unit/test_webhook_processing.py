"""Stripe events applied to an organisation's account on fakes: once, in order, never foreign."""

from __future__ import annotations

import uuid
from datetime import timedelta

from huntaze_testkit import stripe_events as se

from .world import GRACE_S, World

PRO = "price_huntaze_pro_monthly"
AGENCY_YEAR = "price_huntaze_agency_yearly"


async def test_a_new_organisation_gets_the_free_plan_and_its_entitlement() -> None:
    w = World()
    await w.organization()
    [ent] = w.entitlements()
    assert (ent.revision, ent.plan, ent.status, ent.creator_ids) == (1, "free", "free", [w.creator])
    assert ent.limits.ai_drafts_per_month == 100 and ent.features.marketing_networks == ["instagram", "x"]
    assert ent.upgrades["ai_drafts_per_month"] == "Pro" and ent.upgrades["stream_exports"] == "Agency"
    [plan] = w.plan_changes()
    assert (plan.plan, plan.previous_plan, plan.reason) == ("free", None, "signup")


async def test_organisation_updates_keep_the_highest_revision_and_emit_when_creators_change() -> None:
    w = World()
    await w.organization()
    other = uuid.uuid4()
    await w.organization(w.creator, other, seats=3)
    await w.organization(w.creator, revision=1)  # late: ignored
    await w.organization(w.creator, other, seats=4)  # seats only: no new entitlement
    assert [e.creator_ids for e in w.entitlements()] == [[w.creator], [w.creator, other]]
    assert (w.account.seats, w.account.org_revision) == (4, 3)
    assert len(w.plan_changes()) == 1


async def test_checkout_then_subscription_created_moves_the_organisation_to_its_plan_once() -> None:
    w = World()
    await w.with_customer()
    sub = se.subscription("sub_1", w.customer, PRO)
    created = se.subscription_event("created", sub)
    await w.send(se.checkout_completed("cs_1", w.customer, "sub_1", str(w.org)), created)
    assert await w.webhook(created) is False  # the replay stores nothing, schedules nothing
    assert await w.process() == 0
    assert (w.account.plan, w.account.status, w.account.interval) == ("pro", "active", "month")
    ents = w.entitlements()
    assert [(e.revision, e.plan) for e in ents] == [(1, "free"), (2, "pro")]
    assert ents[-1].limits.ai_drafts_per_month == 5000 and ents[-1].upgrades["stream_exports"] == "Agency"
    assert w.plan_changes()[-1].previous_plan == "free"
    assert w.outcome(created) == "applied"


async def test_canceled_update_before_created_leaves_the_subscription_canceled() -> None:
    w = World()
    await w.with_customer()
    t = 1_800_000_000
    created = se.subscription_event("created", se.subscription("sub_1", w.customer, PRO), created=t)
    canceled = se.subscription_event(
        "updated", se.subscription("sub_1", w.customer, PRO, status="canceled"), created=t + 60
    )
    await w.send(canceled, created)
    assert (w.account.plan, w.account.status) == ("free", "canceled")
    assert (w.outcome(canceled), w.outcome(created)) == ("applied", "stale")
    assert [e.plan for e in w.entitlements()] == ["free", "free"]


async def test_an_older_update_of_the_same_subscription_changes_nothing() -> None:
    w = World()
    await w.with_customer()
    t = 1_800_000_000
    newer = se.subscription_event("updated", se.subscription("sub_1", w.customer, AGENCY_YEAR), created=t + 10)
    older = se.subscription_event("updated", se.subscription("sub_1", w.customer, PRO), created=t)
    await w.send(newer, older)
    assert (w.account.plan, w.account.interval, w.outcome(older)) == ("agency", "year", "stale")


async def test_forged_or_foreign_events_change_nothing() -> None:
    w = World()
    await w.with_customer()
    victim = uuid.uuid4()
    unknown = se.subscription_event("created", se.subscription("sub_x", "cus_unknown", AGENCY_YEAR))
    named = se.subscription_event(
        "created", se.subscription("sub_y", w.customer, AGENCY_YEAR, metadata={"organization_id": str(victim)})
    )
    checkout = se.checkout_completed("cs_x", w.customer, "sub_z", str(victim))
    await w.send(unknown, named, checkout)
    assert {w.outcome(e) for e in (unknown, named, checkout)} == {"ignored_foreign"}
    assert (w.account.plan, w.account.subscription_id) == ("free", None)
    assert len(w.entitlements()) == 1


async def test_unknown_types_and_prices_are_stored_with_their_outcome_only() -> None:
    w = World()
    await w.with_customer()
    other = se.event("charge.succeeded", {"id": "ch_1", "customer": w.customer})
    price = se.subscription_event("created", se.subscription("sub_1", w.customer, "price_someone_else"))
    await w.send(other, price)
    assert (w.outcome(other), w.outcome(price)) == ("ignored_type", "unknown_price")
    assert len(w.entitlements()) == 1


async def test_payment_failed_grace_then_downgrade_to_free() -> None:
    w = World()
    await w.with_customer()
    await w.send(se.subscription_event("created", se.subscription("sub_1", w.customer, PRO)))
    failed = se.invoice("payment_failed", w.customer, "sub_1")
    await w.send(failed)
    grace_until = w.worker.clock() + timedelta(seconds=GRACE_S)
    assert (w.account.plan, w.account.status, w.account.grace_until) == ("pro", "past_due", grace_until)
    assert w.plan_changes()[-1].grace_until == grace_until
    assert ("grace_expired", str(w.org)) in w.worker.timers
    w.worker.clock.advance(seconds=GRACE_S - 1)
    assert await w.process() == 0
    w.worker.clock.advance(seconds=1)
    assert await w.process() == 1
    assert (w.account.plan, w.account.status) == ("free", "past_due")
    last = w.entitlements()[-1]
    assert (last.plan, last.status, last.limits.ai_drafts_per_month) == ("free", "past_due", 100)
    assert w.plan_changes()[-1].reason == "grace_expired"
    await w.send(se.invoice("paid", w.customer, "sub_1"))  # paid late: the plan comes back
    assert (w.account.plan, w.account.status, w.entitlements()[-1].plan) == ("pro", "active", "pro")


async def test_paid_within_the_grace_period_cancels_the_downgrade() -> None:
    w = World()
    await w.with_customer()
    await w.send(se.subscription_event("created", se.subscription("sub_1", w.customer, PRO)))
    await w.send(se.invoice("payment_failed", w.customer, "sub_1"))
    await w.send(se.invoice("paid", w.customer, "sub_1"))
    assert ("grace_expired", str(w.org)) not in w.worker.timers
    w.worker.clock.advance(seconds=GRACE_S + 1)
    await w.process()
    assert (w.account.plan, w.account.status, w.account.grace_until) == ("pro", "active", None)


async def test_subscription_deleted_and_customer_deleted_fall_back_to_free() -> None:
    w = World()
    await w.with_customer()
    sub = se.subscription("sub_1", w.customer, PRO)
    await w.send(se.subscription_event("created", sub, created=100))
    await w.send(se.subscription_event("deleted", sub, created=200))
    assert (w.account.plan, w.account.status) == ("free", "canceled")
    await w.send(se.subscription_event("updated", sub, created=300))  # a canceled subscription never comes back
    assert w.account.plan == "free"
    await w.send(se.customer_deleted(w.customer))
    assert (w.account.plan, w.account.stripe_customer_id) == ("free", None)


async def test_an_older_subscription_ending_leaves_the_current_one_standing() -> None:
    w = World()
    await w.with_customer()
    await w.send(se.subscription_event("created", se.subscription("sub_old", w.customer, PRO), created=100))
    await w.send(se.subscription_event("created", se.subscription("sub_new", w.customer, AGENCY_YEAR), created=200))
    await w.send(se.subscription_event("deleted", se.subscription("sub_old", w.customer, PRO), created=300))
    assert (w.account.plan, w.account.subscription_id) == ("agency", "sub_new")
