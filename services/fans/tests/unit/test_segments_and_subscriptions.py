"""Segments and subscriptions: the pure rules (boundaries, grace, amounts), then the use cases that
move fans between segments — a purchase, tags and custom segments, the whale threshold, and time
passing through the ``fan_review`` timer fired by the fake worker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fans.crm import CurrencyLocked
from fans.handlers import crm
from fans.handlers.publish import REVIEW_TIMER
from fans.handlers.revenue import Incoming, SubscriptionReport, record_transactions, report_subscriptions
from fans.ledger import InvalidAmounts, NewTransaction, default_fee, settle_amounts
from fans.profile import FanIdentity, FanState, Subscription
from fans.segments import (
    DEFAULT_WHALE_THRESHOLD_CENTS,
    EXPIRING_WITHIN,
    NEW_FOR,
    FanFilter,
    builtin_segments,
    next_boundary,
)
from fans.subscription import RENEWAL_GRACE, Report, ends_at, on_time
from huntaze_events import Envelope, FanRef, MessageReceived, fan_id_for
from huntaze_testkit.fakes import envelope

from .fakes import Fans

CREATOR = uuid.uuid4()
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WHALE = DEFAULT_WHALE_THRESHOLD_CENTS


def state(net: int = 0, purchases: int = 0, sub: Subscription | None = None) -> FanState:
    return FanState(
        id=uuid.uuid4(),
        creator_id=CREATOR,
        external_id="ann",
        display_name="Ann",
        gross_cents=net,
        net_cents=net,
        purchases=purchases,
        subscription=sub or Subscription(),
    )


def running(started: datetime, expires: datetime, auto_renew: bool | None) -> Subscription:
    return Subscription(
        status="active", started_at=started, first_started_at=started, expires_at=expires, auto_renew=auto_renew
    )


# built-in segments ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("net", "purchases", "expected"),
    [
        (WHALE, 3, {"whales"}),  # the threshold itself is a whale
        (WHALE - 1, 3, set()),
        (0, 0, {"never_spent"}),
        (-500, 1, set()),  # refunded everything: spent once, not never_spent
    ],
)
def test_whales_and_never_spent(net: int, purchases: int, expected: set[str]) -> None:
    assert builtin_segments(state(net, purchases), NOW, WHALE) == expected


@pytest.mark.parametrize(
    ("started_ago", "is_new"),
    [(NEW_FOR - timedelta(seconds=1), True), (NEW_FOR, False), (timedelta(0), True)],
    ids=["just-under-7-days", "exactly-7-days", "just-started"],
)
def test_new_lasts_seven_days(started_ago: timedelta, is_new: bool) -> None:
    sub = running(NOW - started_ago, NOW + timedelta(days=20), True)
    assert ("new" in builtin_segments(state(purchases=1, sub=sub), NOW, WHALE)) is is_new


@pytest.mark.parametrize(
    ("ends_in", "auto_renew", "expiring"),
    [
        (EXPIRING_WITHIN, False, True),  # exactly 3 days left
        (EXPIRING_WITHIN + timedelta(seconds=1), False, False),
        (timedelta(hours=1), False, True),
        (timedelta(hours=1), True, False),  # renews by itself
        (timedelta(hours=1), None, False),  # unknown: not flagged
    ],
)
def test_expiring_is_the_last_three_days_without_auto_renew(
    ends_in: timedelta, auto_renew: bool | None, expiring: bool
) -> None:
    sub = running(NOW - timedelta(days=20), NOW + ends_in, auto_renew)
    assert ("expiring" in builtin_segments(state(purchases=1, sub=sub), NOW, WHALE)) is expiring


def test_lapsed_is_an_ended_subscription() -> None:
    sub = Subscription(status="expired", started_at=NOW - timedelta(days=40), expires_at=NOW - timedelta(days=10))
    assert builtin_segments(state(purchases=1, sub=sub), NOW, WHALE) == {"lapsed"}
    assert builtin_segments(state(purchases=1), NOW, WHALE) == set()  # never subscribed


# next_boundary and on_time --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sub", "expected"),
    [
        (running(NOW - timedelta(days=1), NOW + timedelta(days=10), False), NOW + timedelta(days=6)),  # no longer new
        (running(NOW - timedelta(days=8), NOW + timedelta(days=10), False), NOW + timedelta(days=7)),  # enters expiring
        (running(NOW - timedelta(days=8), NOW + timedelta(days=2), False), NOW + timedelta(days=2)),  # ends
        (running(NOW - timedelta(days=8), NOW + timedelta(days=2), True), NOW + timedelta(days=2) + RENEWAL_GRACE),
        (running(NOW - timedelta(days=8), NOW + timedelta(days=10), True), NOW + timedelta(days=10) + RENEWAL_GRACE),
        (
            running(NOW - timedelta(days=7), NOW + timedelta(days=3), False),
            NOW + timedelta(days=3),
        ),  # both now: next is the end
        (Subscription(status="expired", expires_at=NOW + timedelta(days=1)), None),
        (Subscription(), None),
    ],
)
def test_next_boundary_is_the_next_instant_time_alone_moves_the_fan(
    sub: Subscription, expected: datetime | None
) -> None:
    assert next_boundary(state(purchases=1, sub=sub), NOW) == expected


def test_an_auto_renewing_subscription_ends_after_the_grace_period() -> None:
    expires = NOW + timedelta(days=1)
    sub = running(NOW - timedelta(days=29), expires, True)
    assert ends_at(sub) == expires + RENEWAL_GRACE == expires + timedelta(hours=24)
    assert on_time(sub, expires) is None
    assert on_time(sub, expires + RENEWAL_GRACE - timedelta(seconds=1)) is None
    change = on_time(sub, expires + RENEWAL_GRACE)
    assert change is not None and change.kind == "expired"
    assert (change.after.status, change.after.expired_at, change.after.expires_at) == ("expired", expires, expires)
    assert change.before == sub


def test_a_subscription_without_auto_renew_ends_at_its_expiry() -> None:
    expires = NOW + timedelta(days=1)
    sub = running(NOW - timedelta(days=29), expires, False)
    assert on_time(sub, expires - timedelta(seconds=1)) is None
    change = on_time(sub, expires)
    assert change is not None and change.after.expired_at == expires
    assert on_time(change.after, expires + timedelta(days=100)) is None  # ends once


# amounts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "gross", "fee", "net", "expected"),
    [
        ("tip", 1000, None, None, (1000, 200, 800)),
        ("tip", 1333, None, None, (1333, 267, 1066)),  # 266.6 → 267
        ("tip", 1332, None, None, (1332, 266, 1066)),  # 266.4 → 266
        ("tip", 3, None, None, (3, 1, 2)),
        ("tip", 1, None, None, (1, 0, 1)),
        ("tip", 1000, 250, None, (1000, 250, 750)),
        ("tip", 1000, None, 700, (1000, 300, 700)),
        ("message", 1000, 0, 1000, (1000, 0, 1000)),
        ("refund", 500, None, None, (-500, -100, -400)),  # connectors send reversals unsigned
        ("refund", -500, None, None, (-500, -100, -400)),  # statements with a minus
        ("refund", -1333, None, None, (-1333, -267, -1066)),  # rounded on the magnitude
        ("chargeback", 500, 100, 400, (-500, -100, -400)),
        ("chargeback", -500, -100, -400, (-500, -100, -400)),
        ("refund", -500, 100, None, (-500, -100, -400)),
    ],
)
def test_settle_amounts(
    type_: Any, gross: int, fee: int | None, net: int | None, expected: tuple[int, int, int]
) -> None:
    assert settle_amounts(type_, gross, fee, net) == expected


def test_the_default_fee_rounds_half_up_on_the_magnitude() -> None:
    # 20 % of whole cents is never exactly half a cent; the rounding is checked on the fee itself
    assert [default_fee(g) for g in (2, 3, 7, 8, -3, -8)] == [0, 1, 1, 2, -1, -2]


@pytest.mark.parametrize(
    ("type_", "gross", "fee", "net"),
    [
        ("tip", 0, None, None),
        ("tip", -100, None, None),  # a sale cannot be negative (send a refund)
        ("tip", 1000, -10, None),
        ("tip", 1000, None, -10),
        ("tip", 1000, 200, 700),  # gross − fee ≠ net
        ("refund", 1000, 200, 700),
        ("tip", 100, 150, None),  # fee above gross
        ("refund", -100, -150, None),
    ],
)
def test_inconsistent_amounts_are_rejected(type_: Any, gross: int, fee: int | None, net: int | None) -> None:
    with pytest.raises(InvalidAmounts):
        settle_amounts(type_, gross, fee, net)


@pytest.mark.parametrize(("type_", "gross", "net"), [("tip", 1000, 1200), ("refund", -1000, -1200)])
def test_a_net_above_the_gross_is_rejected(type_: Any, gross: int, net: int) -> None:
    with pytest.raises(InvalidAmounts):
        settle_amounts(type_, gross, None, net)


# use cases -------------------------------------------------------------------------------------------------


def fid(external: str) -> uuid.UUID:
    return fan_id_for(CREATOR, external)


def sale(external_id: str, fan: str, gross: int, at: datetime, type_: str = "tip") -> Incoming:
    g, f, n = settle_amounts(type_, gross, None, None)  # type: ignore[arg-type]
    return Incoming(
        tx=NewTransaction(
            id=uuid.uuid4(),
            creator_id=CREATOR,
            fan_id=fid(fan),
            type=type_,  # type: ignore[arg-type]
            gross_cents=g,
            fee_cents=f,
            net_cents=n,
            currency="USD",
            occurred_at=at,
            source="connector",
            external_id=external_id,
        ),
        fan=FanIdentity(fid(fan), fan, fan.title()),
    )


def message(fan: str, name: str, at: datetime) -> Envelope[MessageReceived]:
    return envelope(
        MessageReceived(
            message_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            fan=FanRef(fan_id=fid(fan), external_id=fan, display_name=name),
            text="hi",
            sent_at=at,
            received_at=at,
        ),
        producer="inbox",
        creator_id=CREATOR,
    )


def moves(events: list[Envelope[Any]]) -> list[tuple[uuid.UUID, str, str]]:
    return [(e.payload.fan_id, e.payload.segment, e.payload.change) for e in events if e.type == "fan.segment_changed"]


async def test_a_purchase_crossing_the_whale_threshold_moves_the_fan() -> None:
    fans = Fans(CREATOR)
    now = fans.clock()
    await fans.worker.deliver(message("ann", "Ann", now - timedelta(hours=1)))
    assert moves(fans.events) == [(fid("ann"), "never_spent", "entered")]

    _, events = await fans.run(record_transactions, [sale("c1", "ann", 61_250, now)])  # net 49,000: not yet
    assert [e.type for e in events] == ["transaction.recorded", "fan.segment_changed"]
    assert moves(events) == [(fid("ann"), "never_spent", "left")]

    _, events = await fans.run(record_transactions, [sale("c2", "ann", 1_250, now)])  # net 1,000: exactly 500.00
    assert [e.type for e in events] == ["transaction.recorded", "fan.segment_changed"]
    assert moves(events) == [(fid("ann"), "whales", "entered")]
    changed = events[1].payload
    assert (changed.segment_name, changed.at) == ("whales", now)
    assert fans.repo.state(fid("ann")).segments == {"whales"}
    assert await fans.repo.fans_in_segment(CREATOR, "whales") == [fid("ann")]


async def test_one_purchase_leaving_never_spent_and_entering_whales_emits_left_then_entered() -> None:
    fans = Fans(CREATOR)
    await fans.worker.deliver(message("ann", "Ann", fans.clock()))
    _, events = await fans.run(record_transactions, [sale("c1", "ann", 62_500, fans.clock())])
    assert moves(events) == [(fid("ann"), "never_spent", "left"), (fid("ann"), "whales", "entered")]


async def test_a_custom_segment_on_a_tag_follows_the_fans_tags() -> None:
    fans = Fans(CREATOR)
    now = fans.clock()
    await fans.worker.deliver(message("ann", "Ann", now), message("bob", "Bob", now), message("cat", "Cat", now))
    await fans.run(crm.set_tags, fid("ann"), ["vip", "de", "vip"])
    assert fans.repo.fans[fid("ann")].tags == ["de", "vip"]

    (segment, count), events = await fans.run(crm.add_custom_segment, "VIPs", FanFilter(tag="vip"), None)
    assert count == 1
    assert moves(events) == [(fid("ann"), segment.key, "entered")]
    assert events[0].payload.segment_name == "VIPs"

    tagged, events = await fans.run(crm.set_tags, fid("bob"), ["vip"])
    assert tagged is not None and segment.key in tagged.segments
    assert moves(events) == [(fid("bob"), segment.key, "entered")]

    _, events = await fans.run(crm.set_tags, fid("ann"), [])
    assert moves(events) == [(fid("ann"), segment.key, "left")]
    assert fans.repo.fans[fid("ann")].tags == []

    members = await fans.run(crm.search_fans, FanFilter(segment=segment.key), sort="spend", after=None, limit=10)
    assert [r["fan_id"] for r in members[0]] == [fid("bob")]
    listed, _ = await fans.run(crm.list_segments)
    assert {r["segment"]: r["count"] for r in listed}[segment.key] == 1
    assert (await fans.run(crm.set_tags, uuid.uuid4(), ["vip"]))[0] is None  # unknown fan


async def test_deleting_a_custom_segment_makes_its_members_leave() -> None:
    fans = Fans(CREATOR)
    await fans.worker.deliver(message("ann", "Ann", fans.clock()))
    (segment, _), _ = await fans.run(crm.add_custom_segment, "Everyone", FanFilter(), None)
    deleted, events = await fans.run(crm.delete_custom_segment, segment.id)
    assert deleted is True
    assert moves(events) == [(fid("ann"), segment.key, "left")]
    assert fans.repo.state(fid("ann")).segments == {"never_spent"}
    assert (await fans.run(crm.delete_custom_segment, segment.id))[0] is False


async def test_leaving_a_deleted_custom_segment_names_it() -> None:
    fans = Fans(CREATOR)
    await fans.worker.deliver(message("ann", "Ann", fans.clock()))
    (segment, _), _ = await fans.run(crm.add_custom_segment, "Everyone", FanFilter(), None)
    _, events = await fans.run(crm.delete_custom_segment, segment.id)
    assert events[0].payload.segment_name == "Everyone"


async def test_a_custom_segment_on_a_name_follows_a_rename() -> None:
    fans = Fans(CREATOR)
    await fans.worker.deliver(message("ann", "Ann", fans.clock()))
    (segment, count), _ = await fans.run(crm.add_custom_segment, "Annies", FanFilter(q="annie"), None)
    assert count == 0
    fans.clock.advance(minutes=1)
    await fans.worker.deliver(message("ann", "Annie", fans.clock()))
    assert segment.key in fans.repo.state(fid("ann")).segments


async def test_a_lower_whale_threshold_moves_fans_at_once() -> None:
    fans = Fans(CREATOR)
    now = fans.clock()
    await fans.run(
        record_transactions, [sale("c1", "ann", 37_500, now), sale("c2", "bob", 12_500, now)]
    )  # net 300 / 100
    assert moves(fans.events) == []

    updated, events = await fans.run(
        crm.update_settings, currency=None, timezone="Europe/Paris", whale_threshold_cents=30_000
    )
    assert (updated.currency, updated.timezone, updated.whale_threshold_cents) == ("USD", "Europe/Paris", 30_000)
    assert await fans.repo.creator_settings(CREATOR) == updated
    assert moves(events) == [(fid("ann"), "whales", "entered")]
    assert [e.type for e in events] == ["fan.segment_changed"]

    _, events = await fans.run(crm.update_settings, currency=None, timezone=None, whale_threshold_cents=100_000)
    assert moves(events) == [(fid("ann"), "whales", "left")]
    assert (await fans.repo.creator_settings(CREATOR)).timezone == "Europe/Paris"

    with pytest.raises(CurrencyLocked):
        await fans.run(crm.update_settings, currency="EUR", timezone=None, whale_threshold_cents=None)


async def test_the_currency_may_change_until_a_transaction_is_recorded() -> None:
    fans = Fans(CREATOR)
    updated, events = await fans.run(crm.update_settings, currency="EUR", timezone=None, whale_threshold_cents=None)
    assert updated.currency == "EUR" and events == []


async def test_time_moves_a_subscriber_without_auto_renew_through_new_expiring_and_lapsed() -> None:
    fans = Fans(CREATOR)
    t0 = fans.clock()
    expires = t0 + timedelta(days=20)
    r = Report("active", t0, expires, auto_renew=False, price_cents=999, currency="USD", via=None)
    _, events = await fans.run(report_subscriptions, [SubscriptionReport(FanIdentity(fid("ann"), "ann", "Ann"), r)])
    assert [e.type for e in events] == ["subscription.started", "fan.segment_changed", "fan.segment_changed"]
    started = events[0]
    assert fans.timer(REVIEW_TIMER, fid("ann")) == t0 + timedelta(days=7)

    fans.clock.advance(days=6, hours=23)
    assert await fans.fire_due() == []  # not due yet
    fans.clock.advance(hours=1)
    assert moves(await fans.fire_due()) == [(fid("ann"), "new", "left")]
    assert fans.timer(REVIEW_TIMER, fid("ann")) == expires - timedelta(days=3)

    fans.clock.advance(days=10)  # 3 days before expiry
    assert moves(await fans.fire_due()) == [(fid("ann"), "expiring", "entered")]
    assert fans.timer(REVIEW_TIMER, fid("ann")) == expires

    fans.clock.advance(days=3)
    events = await fans.fire_due()
    assert [e.type for e in events] == ["subscription.expired", "fan.segment_changed", "fan.segment_changed"]
    assert events[0].payload.expired_at == expires
    assert moves(events) == [(fid("ann"), "expiring", "left"), (fid("ann"), "lapsed", "entered")]
    assert fans.repo.state(fid("ann")).subscription.status == "expired"
    assert fans.timer(REVIEW_TIMER, fid("ann")) is None
    # what time moved keeps the correlation of the report that started it
    assert {e.correlation_id for e in events} == {started.correlation_id}
    assert fans.worker.handled.count(REVIEW_TIMER) == 3


async def test_time_ends_an_auto_renewing_subscription_only_after_the_grace() -> None:
    fans = Fans(CREATOR)
    paid = fans.clock()
    await fans.run(record_transactions, [sale("s1", "ann", 999, paid, type_="subscription")])
    fans.clock.advance(days=7)
    assert moves(await fans.fire_due()) == [(fid("ann"), "new", "left")]
    expires = paid + timedelta(days=30)
    assert fans.timer(REVIEW_TIMER, fid("ann")) == expires + RENEWAL_GRACE

    fans.clock.current = expires + timedelta(hours=12)
    assert await fans.fire_due() == []
    assert fans.repo.state(fid("ann")).subscription.status == "active"

    fans.clock.current = expires + RENEWAL_GRACE
    events = await fans.fire_due()
    assert [e.type for e in events] == ["subscription.expired", "fan.segment_changed"]
    assert events[0].payload.expired_at == expires
    assert moves(events) == [(fid("ann"), "lapsed", "entered")]

    # the fan pays again later: a new subscription, not the first
    fans.clock.advance(days=3)
    _, events = await fans.run(record_transactions, [sale("s2", "ann", 999, fans.clock(), type_="subscription")])
    started = [e for e in events if e.type == "subscription.started"]
    assert len(started) == 1 and started[0].payload.first_time is False
    assert moves(events) == [(fid("ann"), "lapsed", "left"), (fid("ann"), "new", "entered")]


async def test_a_review_of_an_erased_fan_does_nothing() -> None:
    fans = Fans(CREATOR)
    _, events = await fans.run(crm.review_fan, uuid.uuid4())
    assert events == []
