"""Source lines, facts folded from events, money figures and ARPPU rounding (pure)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest

from analytics.domain import (
    LINE_OF_TYPE,
    LINES,
    Amount,
    Breakdown,
    PeriodFigures,
    arppu_cents,
    facts_of,
    fan_names_of,
    periods_of,
)
from huntaze_events import TransactionType

from .events import CREATOR, fan, subscription, transaction

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_every_transaction_type_has_its_source_line() -> None:
    assert set(LINE_OF_TYPE) == set(get_args(TransactionType))
    assert LINE_OF_TYPE == {
        "subscription": "subscriptions",
        "renewal": "subscriptions",
        "message": "messages",
        "post": "posts",
        "tip": "tips",
        "stream_tip": "tips",
        "refund": "refunds",
        "chargeback": "chargebacks",
    }
    assert set(LINE_OF_TYPE.values()) == set(LINES)


def test_a_fact_keeps_the_amounts_and_its_line_and_a_transaction_counts_once_per_batch() -> None:
    tip = transaction("ann", "stream_tip", 1001, T0, fee=200)
    again = transaction("ann", "stream_tip", 1001, T0, fee=200, transaction_id=tip.payload.transaction_id)
    refund = transaction("ann", "refund", -500, T0, fee=-100)
    facts = facts_of([tip, again, refund, tip])
    assert len(facts) == 2
    by_type = {f.type: f for f in facts}
    assert by_type["stream_tip"].line == "tips" and by_type["stream_tip"].net_cents == 801
    assert by_type["refund"].line == "refunds" and by_type["refund"].amount == Amount(-500, -400, 1)
    assert not by_type["refund"].is_sale and by_type["stream_tip"].is_sale
    assert all(f.creator_id == CREATOR for f in facts)


def test_the_newest_event_names_the_fan() -> None:
    old = transaction("ann", "tip", 100, T0, name="Ann", event_at=T0)
    new = transaction("ann", "tip", 100, T0, name="Annie", event_at=T0 + timedelta(minutes=5))
    other = transaction("bob", "tip", 100, T0, name="Bob")
    names = fan_names_of([new, old, other])
    assert {n.fan_id: n.display_name for n in names} == {fan("ann").fan_id: "Annie", fan("bob").fan_id: "Bob"}


def test_subscription_events_fold_the_same_in_any_order() -> None:
    start, first_expiry = T0, T0 + timedelta(days=30)
    events = [
        subscription("started", "ann", start, first_expiry),
        subscription("renewed", "ann", start, first_expiry + timedelta(days=30)),
        subscription("expired", "ann", start, first_expiry + timedelta(days=30), expired_at=T0 + timedelta(days=61)),
        subscription("started", "ann", T0 + timedelta(days=90), T0 + timedelta(days=120)),
    ]
    expected = periods_of(events)
    assert [(p.started_at, p.expires_at, p.ended_at) for p in expected] == [
        (start, first_expiry + timedelta(days=30), T0 + timedelta(days=61)),
        (T0 + timedelta(days=90), T0 + timedelta(days=120), None),
    ]
    for order in itertools.permutations(events):
        assert periods_of(list(order)) == expected


@pytest.mark.parametrize(
    ("net", "fans", "arppu"),
    [
        (1000, 3, 333),  # 333.33 → 333
        (100, 3, 33),
        (200, 3, 67),  # 66.67 → 67
        (50, 4, 13),  # 12.5 → 13: halves round up
        (10, 4, 3),  # 2.5 → 3
        (5, 4, 1),  # 1.25 → 1
        (7, 4, 2),  # 1.75 → 2
        (-50, 4, -13),  # halves away from zero when refunds outweigh sales
        (0, 5, 0),
        (500, 0, 0),  # no paying fan
    ],
)
def test_arppu_is_whole_cents_rounded_half_up(net: int, fans: int, arppu: int) -> None:
    assert arppu_cents(net, fans) == arppu
    assert PeriodFigures(net_cents=net, paying_fans=fans).arppu_cents == arppu


def test_a_breakdown_has_every_line_and_sums_exactly() -> None:
    b = Breakdown.of([("tips", Amount(1001, 801, 1)), ("refunds", Amount(-500, -400, 1)), ("tips", Amount(1, 1, 1))])
    assert list(b.by_line) == list(LINES)
    assert b.by_line["posts"] == Amount()
    assert b.by_line["tips"] == Amount(1002, 802, 2)
    assert b.total == Amount(502, 402, 3)
    assert (b + b).total == Amount(1004, 804, 6)


def test_fans_of_two_creators_stay_apart() -> None:
    other = uuid.uuid4()
    names = fan_names_of([transaction("ann", "tip", 1, T0), transaction("ann", "tip", 1, T0, creator=other)])
    assert {(n.creator_id, n.fan_id) for n in names} == {
        (CREATOR, fan("ann").fan_id),
        (other, fan("ann", creator=other).fan_id),
    }
