"""Subscriber retention and churn (pure), from each fan's subscription intervals.

Intervals. A subscription is known by its fan and ``started_at`` (subscription.started; renewals
and the expiry name the same start). It covers [started_at, end) where end is

- ``expired_at`` of its subscription.expired (the latest one, if told twice);
- else, if the fan started a later subscription: the earlier of its last announced expiry and that
  later start (a new start means the previous one lapsed, even if its expiry was never reported);
- else nothing: it is open (active) until it expires.

Overlapping or touching intervals of a fan merge into one *stretch* of continuous subscription.
A fan is *subscribed at instant t* when one of their intervals covers t.

Cohorts. A fan's cohort is the local month (creator's zone) of their FIRST subscription start.
``retained[k-1]`` is the share of the cohort's fans subscribed at their own first start + k
calendar months (same local wall-clock time; day clamped to the month's end), whether they stayed
or came back. It is given for k = 1, 2, … as long as that instant is in the past for every fan of
the cohort (so the last value never mixes fans who could not have reached it yet).

Churn, per local calendar month from the first cohort's month to the current one:
``active_at_start`` = fans subscribed at the month's first instant; ``expired`` = those of them
whose stretch ended before the next month's first instant (so far, for the current month): they
lapsed, even if they came back later in the month; ``rate`` = expired ÷ active_at_start (0.0 when
nobody was active). Shares and rates are floats rounded to 4 decimals.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from .timegrid import add_months, anniversaries, floor, month_label, shift

Stretch = tuple[datetime, datetime | None]
"""[start, end) of continuous subscription; end None: still subscribed."""


@dataclass(frozen=True)
class Interval:
    """A subscription as storage keeps it."""

    fan_id: uuid.UUID
    started_at: datetime
    expires_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class Cohort:
    month: str
    subscribers: int
    retained: list[float]


@dataclass(frozen=True)
class ChurnMonth:
    month: str
    active_at_start: int
    expired: int
    rate: float


@dataclass(frozen=True)
class Retention:
    tz: ZoneInfo
    as_of: datetime
    cohorts: list[Cohort]
    churn: list[ChurnMonth]


def stretches(intervals: Iterable[Interval]) -> list[Stretch]:
    """A fan's stretches of continuous subscription, in order, disjoint and not touching."""
    ordered = sorted(intervals, key=lambda iv: iv.started_at)
    merged: list[Stretch] = []
    for i, iv in enumerate(ordered):
        end = iv.ended_at
        if end is None and i + 1 < len(ordered):
            end = min(iv.expires_at, ordered[i + 1].started_at)
        if end is not None and end <= iv.started_at:
            continue  # covers nothing
        if merged and (merged[-1][1] is None or iv.started_at <= merged[-1][1]):
            last_end = merged[-1][1]
            merged[-1] = (merged[-1][0], None if last_end is None or end is None else max(last_end, end))
        else:
            merged.append((iv.started_at, end))
    return merged


def covered(fan: Sequence[Stretch], starts: Sequence[datetime], at: datetime) -> bool:
    """Whether the fan (their stretches, and the stretches' starts) is subscribed at ``at``."""
    i = bisect_right(starts, at) - 1
    if i < 0:
        return False
    end = fan[i][1]
    return end is None or at < end


def retention(intervals: Iterable[Interval], tz: ZoneInfo, now: datetime) -> Retention:
    by_fan: dict[uuid.UUID, list[Interval]] = defaultdict(list)
    for iv in intervals:
        by_fan[iv.fan_id].append(iv)
    fans = [s for s in (stretches(ivs) for ivs in by_fan.values()) if s]
    return Retention(tz, now, _cohorts(fans, tz, now), _churn(fans, tz, now))


def _cohorts(fans: list[list[Stretch]], tz: ZoneInfo, now: datetime) -> list[Cohort]:
    members: dict[str, list[list[Stretch]]] = defaultdict(list)
    for fan in fans:
        members[month_label(fan[0][0], tz)].append(fan)
    cohorts = []
    for month in sorted(members):
        group = members[month]
        latest = max(fan[0][0] for fan in group)
        horizon = 0
        while add_months(latest, horizon + 1, tz) <= now:
            horizon += 1
        kept = [0] * horizon
        for fan in group:
            starts = [s for s, _ in fan]
            for k, at in enumerate(anniversaries(fan[0][0], horizon, tz)):
                kept[k] += covered(fan, starts, at)
        retained = [round(n / len(group), 4) for n in kept]
        cohorts.append(Cohort(month, len(group), retained))
    return cohorts


def _churn(fans: list[list[Stretch]], tz: ZoneInfo, now: datetime) -> list[ChurnMonth]:
    if not fans:
        return []
    month_starts = [floor(min(fan[0][0] for fan in fans), "month", tz)]
    while (following := shift(month_starts[-1], "month", 1, tz)) <= now:
        month_starts.append(following)
    count = len(month_starts)
    delta = [0] * (count + 1)
    expired = [0] * count
    for fan in fans:
        for start, end in fan:
            first = bisect_left(month_starts, start)  # the first month starting inside the stretch
            after = count if end is None else bisect_left(month_starts, end)
            if after <= first:
                continue  # began and ended between two month starts: never active at one
            delta[first] += 1
            delta[after] -= 1
            if end is not None and end <= now:
                expired[after - 1] += 1
    churn, active = [], 0
    for i, start in enumerate(month_starts):
        active += delta[i]
        rate = round(expired[i] / active, 4) if active else 0.0
        churn.append(ChurnMonth(month_label(start, tz), active, expired[i], rate))
    return churn
