"""The weekly summary's pure rules: the weeks, the percentage, the movers' order and cap, labels,
the main currency, subscriber counts, and sums that add up exactly."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from analytics.reports import Window
from analytics.retention import Interval
from analytics.weekly import (
    CurrencyWeeks,
    Figure,
    WeekFacts,
    clean_label,
    fold,
    main_currency,
    movers,
    pct_change,
    stand_in,
    subscriber_counts,
    summarize,
    weeks_before,
)

CREATOR = uuid.UUID(int=7)
DUE = datetime(2026, 11, 9, 6, 0, tzinfo=UTC)


def test_the_weeks_before_a_monday_firing() -> None:
    weeks = weeks_before(DUE)
    assert weeks.current == Window(datetime(2026, 11, 2, 6, tzinfo=UTC), DUE)
    assert weeks.previous == Window(datetime(2026, 10, 26, 6, tzinfo=UTC), datetime(2026, 11, 2, 6, tzinfo=UTC))
    assert (weeks.period_start, weeks.period_end) == (date(2026, 11, 2), date(2026, 11, 8))


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (2800, 3200, -12.5),
        (1, 3, -66.7),
        (2, 3, -33.3),
        (10005, 10000, 0.1),  # 0.05: half-up, not to even
        (9995, 10000, -0.1),  # -0.05: half away from zero
        (300, -100, 400.0),  # a negative week before: divided by its size
        (5, 0, None),
        (0, 0, None),
        (0, 700, -100.0),
    ],
)
def test_pct_change_is_the_ai_rule(current: int, previous: int, expected: float | None) -> None:
    assert pct_change(current, previous) == expected


def test_fold_sums_each_key_per_week() -> None:
    rows = [(True, "tips", 100), (False, "tips", 40), (True, "tips", 5), (False, "posts", -3)]
    assert fold(rows) == [Figure("posts", 0, -3), Figure("tips", 105, 40)]


def test_movers_biggest_change_first_then_revenue_then_ref_without_zero_zero_at_most_ten() -> None:
    figures = [Figure(f"m{i:02d}", 100 * i, 0) for i in range(1, 13)]
    figures += [Figure("same-b", 500, 0), Figure("same-a", 500, 0), Figure("down", 0, 500), Figure("nil", 0, 0)]
    figures += [Figure("m12", 1, 1)]  # the same key twice: summed; |500| ties: revenue, then ref; "down" cut
    found = movers(figures, {"m12": "Twelve"}, stand_in("Media"))
    assert len(found) == 10
    assert [m.ref for m in found] == ["m12", "m11", "m10", "m09", "m08", "m07", "m06", "m05", "same-a", "same-b"]
    assert found[0].label == "Twelve" and (found[0].revenue_cents, found[0].previous_revenue_cents) == (1201, 1)
    assert found[1].label == "Media m11" and all(
        m.change_cents == m.revenue_cents - m.previous_revenue_cents for m in found
    )
    down = movers([Figure("down", 0, 500), Figure("up", 500, 0)])
    assert [m.ref for m in down] == ["up", "down"] and down[1].change_cents == -500  # ties: revenue desc


def test_labels_as_the_ai_reads_them_at_most_100_characters() -> None:
    assert clean_label("  Beach\n day\u200b  set ") == "Beach day set"
    assert clean_label("\ufb01" * 80) == "fi" * 50  # NFKC makes it longer: cut after normalising
    assert clean_label("   ") == "" and clean_label(None) == ""
    (m,) = movers([Figure("3fa85f64-5717-4562-b3fc-2c963f66afa6", 1, 0)], {"x": "y"}, stand_in("Post"))
    assert m.label == "Post 3fa85f64"
    (blank,) = movers([Figure("seg", 1, 0)], {"seg": " \u200b "}, stand_in("Segment"))
    assert blank.label == "Segment seg"


def test_main_currency_most_net_revenue_then_the_week_before_then_transactions_then_code() -> None:
    rows = [CurrencyWeeks("EUR", 5000, 0, 3), CurrencyWeeks("USD", 7000, 100, 9), CurrencyWeeks("GBP", 0, 0, 1)]
    assert main_currency(rows) == ("USD", ["EUR", "GBP"])
    assert main_currency([CurrencyWeeks("USD", 0, 10, 1), CurrencyWeeks("EUR", 0, 20, 1)]) == ("EUR", ["USD"])
    assert main_currency([CurrencyWeeks("USD", 0, 0, 1), CurrencyWeeks("EUR", 0, 0, 2)]) == ("EUR", ["USD"])
    assert main_currency([CurrencyWeeks("USD", 5, 0, 1), CurrencyWeeks("EUR", 5, 0, 1)]) == ("EUR", ["USD"])
    assert main_currency([CurrencyWeeks("USD", -50, 0, 1), CurrencyWeeks("EUR", 0, 0, 1)]) == ("EUR", ["USD"])
    assert main_currency([]) is None


def test_new_and_churned_subscribers_are_stretches_that_began_or_ended_in_the_week() -> None:
    week = weeks_before(DUE).current
    at = week.start
    fan = [uuid.UUID(int=i) for i in range(6)]
    intervals = [
        Interval(fan[0], at + timedelta(days=1), at + timedelta(days=31), None),  # new
        Interval(fan[1], at - timedelta(days=40), at - timedelta(days=10), at + timedelta(days=2)),  # churned
        Interval(fan[2], at - timedelta(days=40), at - timedelta(days=10), at - timedelta(days=10)),  # long gone
        Interval(fan[2], at + timedelta(days=3), at + timedelta(days=33), None),  # ... and back: new
        Interval(fan[3], at - timedelta(days=30), at + timedelta(days=1), None),  # renewed: neither
        Interval(fan[3], at + timedelta(days=1), at + timedelta(days=31), None),
        Interval(fan[4], at + timedelta(days=1), at + timedelta(days=2), at + timedelta(days=2)),  # both
        Interval(fan[5], at + timedelta(days=8), at + timedelta(days=38), None),  # after the week
    ]
    assert subscriber_counts(intervals, week) == (3, 2)


def test_the_revenue_is_the_sum_of_the_sources_and_every_change_adds_up() -> None:
    weeks = weeks_before(DUE)
    lines = [Figure("subscriptions", 800, 800), Figure("messages", 2000, 0), Figure("tips", 400, 2400),
             Figure("refunds", -400, 0), Figure("chargebacks", 0, 0)]  # fmt: skip
    facts = WeekFacts(CREATOR, weeks, "USD", ["EUR"], lines, [Figure("none", 0, 3200), Figure("whales", 2800, 0)],
                      {"whales": "Whales"}, [], {}, [], [], {}, [], 1, 2)  # fmt: skip
    s = summarize(facts)
    assert (s.revenue_cents, s.previous_revenue_cents, s.change_cents, s.change_pct) == (2800, 3200, -400, -12.5)
    assert sum(m.revenue_cents for m in s.by_source) == s.revenue_cents
    assert sum(m.previous_revenue_cents for m in s.by_source) == s.previous_revenue_cents
    assert [(m.ref, m.label) for m in s.by_source] == [
        ("messages", "Paid messages (PPV)"), ("tips", "Tips"), ("refunds", "Refunds"),
        ("subscriptions", "Subscriptions and renewals"),
    ]  # fmt: skip
    assert [(m.ref, m.label) for m in s.by_segment] == [("none", "No segment"), ("whales", "Whales")]
    assert s.summary_key == f"{CREATOR}:2026-11-02" and s.other_currencies == ["EUR"]
    assert (s.starts_at, s.ends_at, s.new_subscribers, s.churned_subscribers) == (weeks.current.start, DUE, 1, 2)
