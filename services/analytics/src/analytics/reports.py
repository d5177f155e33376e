"""The reports, assembled from what storage sums (pure): revenue buckets, summary, sales hours.

Summary periods, in the creator's zone, all ending now:

    today         from local midnight
    last_7_days   from the same local time 7 calendar days ago
    last_30_days  from the same local time 30 calendar days ago

``previous`` is the same window moved back by its number of days (1, 7, 30): the preceding period
of equal length (yesterday up to the current time of day, for ``today``). ``top_fans`` are the
TOP_FANS fans with the highest positive net spend over ``last_30_days`` (ties: higher gross first).

Sales hours count sales only (refunds and chargebacks say when the platform reversed a sale, not
when a fan bought), over [now - ``days`` calendar days, now), by local weekday (0 = Monday) and hour.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from .domain import ZERO, Amount, Breakdown, Line, PeriodFigures
from .timegrid import Granularity, local_midnight, shift_days

PERIODS: dict[str, int] = {"today": 1, "last_7_days": 7, "last_30_days": 30}
TOP_FANS = 10
TOP_FANS_PERIOD = "last_30_days"
WEEK_HOURS = 7 * 24


@dataclass(frozen=True)
class Window:
    """[start, end) in instants."""

    start: datetime
    end: datetime


# revenue --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineTotal:
    """What storage sums for the revenue report: one source line in one bucket."""

    bucket: int
    """Index of the bucket in the grid (0 = the first)."""
    line: Line
    amount: Amount


@dataclass(frozen=True)
class Bucket:
    start: datetime
    breakdown: Breakdown


@dataclass(frozen=True)
class RevenueReport:
    currency: str
    tz: ZoneInfo
    granularity: Granularity
    window: Window
    buckets: list[Bucket]

    @property
    def totals(self) -> Breakdown:
        return Breakdown.add_up([b.breakdown for b in self.buckets])


def revenue_report(
    currency: str,
    tz: ZoneInfo,
    granularity: Granularity,
    window: Window,
    grid: Sequence[datetime],
    rows: Iterable[LineTotal],
) -> RevenueReport:
    """Every bucket of the grid, empty ones as zeros (a chart stays continuous)."""
    parts: list[list[tuple[Line, Amount]]] = [[] for _ in grid]
    for row in rows:
        parts[row.bucket].append((row.line, row.amount))
    buckets = [Bucket(start, Breakdown.of(p)) for start, p in zip(grid, parts, strict=True)]
    return RevenueReport(currency, tz, granularity, window, buckets)


# summary --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    window: Window
    figures: PeriodFigures
    previous_window: Window
    previous: PeriodFigures


@dataclass(frozen=True)
class FanSpend:
    fan_id: uuid.UUID
    display_name: str | None
    external_id: str | None
    amount: Amount


@dataclass(frozen=True)
class Summary:
    currency: str
    tz: ZoneInfo
    as_of: datetime
    periods: dict[str, Period]
    top_fans: list[FanSpend]


def summary_windows(now: datetime, tz: ZoneInfo) -> dict[str, tuple[Window, Window]]:
    """Each period's window and its previous one."""
    windows = {}
    for name, days in PERIODS.items():
        start = local_midnight(now, tz) if name == "today" else shift_days(now, -days, tz)
        current = Window(start, now)
        windows[name] = (current, Window(shift_days(start, -days, tz), shift_days(now, -days, tz)))
    return windows


def summary(
    currency: str,
    tz: ZoneInfo,
    now: datetime,
    windows: dict[str, tuple[Window, Window]],
    figures: Sequence[PeriodFigures],
    top_fans: list[FanSpend],
) -> Summary:
    """``figures`` are those of ``flatten(windows)``, in that order."""
    periods = {}
    for i, (name, (current, previous)) in enumerate(windows.items()):
        periods[name] = Period(current, figures[2 * i], previous, figures[2 * i + 1])
    return Summary(currency, tz, now, periods, top_fans)


def flatten(windows: dict[str, tuple[Window, Window]]) -> list[Window]:
    return [w for pair in windows.values() for w in pair]


# sales hours ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BucketTotal:
    """What storage sums for sales hours: the sales in one local hour of the grid."""

    bucket: int
    amount: Amount


@dataclass(frozen=True)
class HourTotal:
    weekday: int
    """0 = Monday … 6 = Sunday (local)."""
    hour: int
    """0 … 23 (local)."""
    amount: Amount


@dataclass(frozen=True)
class SalesHours:
    currency: str
    tz: ZoneInfo
    days: int
    window: Window
    cells: list[HourTotal]


def sales_hours(
    currency: str, tz: ZoneInfo, days: int, window: Window, grid: Sequence[datetime], rows: Iterable[BucketTotal]
) -> SalesHours:
    """All 168 cells, Monday 00h first, empty ones as zeros: each hour of the grid (see
    :mod:`.timegrid`) adds to the cell of its local weekday and hour."""
    amounts = [ZERO] * WEEK_HOURS
    for row in rows:
        local = grid[row.bucket].astimezone(tz)
        amounts[local.weekday() * 24 + local.hour] += row.amount
    cells = [HourTotal(i // 24, i % 24, amount) for i, amount in enumerate(amounts)]
    return SalesHours(currency, tz, days, window, cells)


def sales_window(now: datetime, days: int, tz: ZoneInfo) -> Window:
    return Window(shift_days(now, -days, tz), now)
