"""Retention cohorts and churn on a hand-computed example (pure).

Five fans, UTC, as of 2026-06-15 (end instants are exclusive):

    A  [01-10, 03-10)                       expired
    B  [01-20, …)                           still subscribed
    C  [01-25, 02-25)  then [04-01, …)      lapsed, came back
    D  [02-05, 05-05)                       expired
    E  [02-10, …) with expiry 03-10, then a new start 03-20: the first lapsed at 03-10 unreported

Cohort 2026-01 = A, B, C; its last fan started 01-25, so k = 1…4 (01-25 + 5 months is future):
    k=1  A@02-10 ✓  B ✓  C@02-25 ✗ (ended at that instant)   2/3
    k=2  A@03-10 ✗  B ✓  C@03-25 ✗                           1/3
    k=3  A ✗        B ✓  C@04-25 ✓ (back)                    2/3
    k=4  A ✗        B ✓  C@05-25 ✓                           2/3
Cohort 2026-02 = D, E; k = 1…4 (02-10 + 4 months = 06-10):
    k=1  D@03-05 ✓  E@03-10 ✗     k=2  D@04-05 ✓  E@04-10 ✓
    k=3  D@05-05 ✗  E@05-10 ✓     k=4  D ✗        E@06-10 ✓
Churn (active at the 1st → lapsed before the next 1st):
    Jan 0/0; Feb A B C → C lapsed; Mar A B D E → A, E lapsed; Apr B C D E → none;
    May B C D E → D; Jun B C E → none.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from analytics.retention import Interval, retention, stretches
from analytics.timegrid import zone

NOW = datetime(2026, 6, 15, tzinfo=UTC)
A, B, C, D, E = (uuid.uuid4() for _ in range(5))


def day(month: int, day_: int) -> datetime:
    return datetime(2026, month, day_, tzinfo=UTC)


def iv(fan: uuid.UUID, start: datetime, expires: datetime, ended: datetime | None = None) -> Interval:
    return Interval(fan, start, expires, ended)


EXAMPLE = [
    iv(A, day(1, 10), day(3, 10), day(3, 10)),
    iv(B, day(1, 20), day(7, 20)),
    iv(C, day(1, 25), day(2, 25), day(2, 25)),
    iv(C, day(4, 1), day(7, 1)),
    iv(D, day(2, 5), day(5, 5), day(5, 5)),
    iv(E, day(2, 10), day(3, 10)),
    iv(E, day(3, 20), day(6, 20)),
]


def test_cohorts_on_the_hand_computed_example() -> None:
    r = retention(EXAMPLE, zone("UTC"), NOW)
    assert [(c.month, c.subscribers, c.retained) for c in r.cohorts] == [
        ("2026-01", 3, [0.6667, 0.3333, 0.6667, 0.6667]),
        ("2026-02", 2, [0.5, 1.0, 0.5, 0.5]),
    ]


def test_churn_on_the_hand_computed_example() -> None:
    r = retention(EXAMPLE, zone("UTC"), NOW)
    assert [(m.month, m.active_at_start, m.expired, m.rate) for m in r.churn] == [
        ("2026-01", 0, 0, 0.0),
        ("2026-02", 3, 1, 0.3333),
        ("2026-03", 4, 2, 0.5),
        ("2026-04", 4, 0, 0.0),
        ("2026-05", 4, 1, 0.25),
        ("2026-06", 3, 0, 0.0),
    ]


def test_a_new_start_ends_an_unreported_lapse_and_touching_intervals_merge() -> None:
    assert stretches([iv(E, day(3, 20), day(6, 20)), iv(E, day(2, 10), day(3, 10))]) == [
        (day(2, 10), day(3, 10)),
        (day(3, 20), None),
    ]
    # expired at 03-10 and started again at 03-10: one continuous stretch, no lapse
    assert stretches([iv(A, day(1, 10), day(3, 10), day(3, 10)), iv(A, day(3, 10), day(4, 10), day(4, 10))]) == [
        (day(1, 10), day(4, 10))
    ]


def test_cohort_months_and_anniversaries_are_local() -> None:
    tokyo = zone("Asia/Tokyo")
    late_january_utc = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)  # 1 February 08:30 in Tokyo
    r = retention([iv(A, late_january_utc, day(12, 31))], tokyo, NOW)
    assert [(c.month, c.subscribers, len(c.retained)) for c in r.cohorts] == [("2026-02", 1, 4)]
    assert [m.month for m in r.churn] == ["2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert [m.active_at_start for m in r.churn] == [0, 1, 1, 1, 1]
    # 31 January (UTC) + 1 month: clamped to 28 February, 23:30 UTC, still subscribed there
    r = retention([iv(B, datetime(2026, 1, 31, 12, tzinfo=UTC), day(3, 1), day(3, 1))], zone("UTC"), NOW)
    assert r.cohorts[0].retained[:2] == [1.0, 0.0]


def test_no_subscription_no_cohort() -> None:
    r = retention([], zone("UTC"), NOW)
    assert r.cohorts == [] and r.churn == []
