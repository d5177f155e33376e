"""Local time for reports (pure): time zones, query bounds, and the bucket grid.

Every report is read in the creator's IANA time zone. Buckets are aligned to local wall-clock
boundaries and each bucket start is a real instant:

- ``hour``: from each instant the local clock shows HH:00 (Asia/Kolkata: 10:00 IST = 04:30 UTC).
  On a day the clocks go back, the repeated hour is two buckets (01:00-04:00 and 01:00-05:00 in
  New York); on a day they go forward, the skipped hour has no bucket (a half-skipped one, as on
  Lord Howe Island, starts after the gap);
- ``day``: local midnight to local midnight (a DST day lasts 23 or 25 hours);
- ``week``: from local Monday midnight (ISO weeks); ``month``: from local midnight of the 1st.

A local time that does not exist (a midnight skipped by a DST change) starts at the first instant
after the gap; an ambiguous one is its first occurrence. The grid is computed here, once, and
storage only sorts facts into it, so the tests of this module are the tests of the bucketing.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo, available_timezones

Granularity = Literal["hour", "day", "week", "month"]
MAX_BUCKETS = 2000
DEFAULT_BUCKETS: dict[str, int] = {"hour": 24, "day": 30, "week": 12, "month": 12}
"""Buckets shown when ``from`` is not given (ending with the current one when ``to`` is not given)."""

HOUR = timedelta(hours=1)
YEARS = (1970, 2200)
"""Bounds a query may name (beyond them local-time arithmetic would overflow)."""


class BadQuery(ValueError):
    """A report was asked with bounds or a zone that cannot be answered (HTTP 422)."""


# zones ------------------------------------------------------------------------------------------


@cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones() | {"UTC"}}


def zone(name: str) -> ZoneInfo:
    """The IANA zone named (case-insensitive), or BadQuery."""
    canonical = _zone_names().get(name.strip().lower())
    if canonical is None:
        raise BadQuery(f"unknown time zone {name!r}: use an IANA name such as Europe/Paris or UTC")
    return _zone(canonical)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def localize(wall: datetime, tz: ZoneInfo, fold: int = 0) -> datetime:
    """The instant (UTC) a naive local wall-clock time stands for: its first occurrence (``fold=1``:
    its second, when the clocks went back); a time skipped by the clocks, the instant after the gap."""
    return wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)


def wall(instant: datetime, tz: ZoneInfo) -> datetime:
    """The naive local wall-clock time of an instant."""
    return instant.astimezone(tz).replace(tzinfo=None)


def local_midnight(instant: datetime, tz: ZoneInfo) -> datetime:
    return _midnight(wall(instant, tz).date(), tz)


def shift_days(instant: datetime, days: int, tz: ZoneInfo) -> datetime:
    """The same local wall-clock time ``days`` calendar days later (earlier when negative)."""
    return localize(wall(instant, tz) + timedelta(days=days), tz)


def add_months(instant: datetime, months: int, tz: ZoneInfo) -> datetime:
    """The same local wall-clock time ``months`` calendar months later; the day is clamped to the
    month's last (31 January + 1 month = 28 or 29 February)."""
    return _months_after(instant.astimezone(tz), months, tz)


def anniversaries(instant: datetime, count: int, tz: ZoneInfo) -> list[datetime]:
    """``add_months(instant, k, tz)`` for k = 1 … count (one local conversion for them all)."""
    local = instant.astimezone(tz)
    return [_months_after(local, k, tz) for k in range(1, count + 1)]


def _months_after(local: datetime, months: int, tz: ZoneInfo) -> datetime:
    year, month0 = divmod(local.year * 12 + local.month - 1 + months, 12)
    day = local.day if local.day <= 28 else min(local.day, calendar.monthrange(year, month0 + 1)[1])
    moved = datetime(year, month0 + 1, day, local.hour, local.minute, local.second, local.microsecond, tzinfo=tz)
    return moved.astimezone(UTC)


def month_label(instant: datetime, tz: ZoneInfo) -> str:
    """``YYYY-MM`` of the local month the instant falls in."""
    w = wall(instant, tz)
    return f"{w.year:04d}-{w.month:02d}"


# buckets ----------------------------------------------------------------------------------------


def floor(instant: datetime, granularity: Granularity, tz: ZoneInfo) -> datetime:
    """The start of the bucket the instant falls in."""
    if granularity == "hour":
        hour = _wall_hour(instant, tz)
        while True:  # the latest start of a local hour at or before the instant
            starts = [s for s in _hour_starts(hour, tz) if s <= instant]
            if starts:
                return max(starts)
            hour -= HOUR
    day = wall(instant, tz).date()
    if granularity == "week":
        day -= timedelta(days=day.weekday())
    elif granularity == "month":
        day = day.replace(day=1)
    return _midnight(day, tz)


def shift(start: datetime, granularity: Granularity, n: int, tz: ZoneInfo) -> datetime:
    """The bucket start ``n`` buckets after (before, when negative) the bucket start ``start``."""
    if granularity == "hour":
        for _ in range(abs(n)):
            start = _next_hour(start, tz) if n > 0 else floor(start - timedelta(microseconds=1), "hour", tz)
        return start
    day = wall(start, tz).date()  # from the local date: a day may start after a gap, at 01:00
    if granularity == "day":
        return _midnight(day + timedelta(days=n), tz)
    if granularity == "week":
        return _midnight(day + timedelta(days=7 * n), tz)
    year, month0 = divmod(day.year * 12 + day.month - 1 + n, 12)
    return _midnight(date(year, month0 + 1, 1), tz)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return localize(datetime.combine(day, datetime.min.time()), tz)


def _wall_hour(instant: datetime, tz: ZoneInfo) -> datetime:
    return wall(instant, tz).replace(minute=0, second=0, microsecond=0, fold=0)


def _hour_starts(hour: datetime, tz: ZoneInfo) -> set[datetime]:
    """Where local hour ``hour`` (naive) starts: twice when the clocks went back through it."""
    first, second = localize(hour, tz, 0), localize(hour, tz, 1)
    # fold=1 of a skipped time is before the gap: only a repeated time has a second start
    return {first, second} if wall(second, tz) == hour else {first}


def _next_hour(start: datetime, tz: ZoneInfo) -> datetime:
    following = start + HOUR
    local, later = start.astimezone(tz), following.astimezone(tz)
    if local.utcoffset() == later.utcoffset() and local.minute == local.second == local.microsecond == 0:
        return following.astimezone(UTC)  # no offset change within the hour (the usual case)
    hour = _wall_hour(start, tz)
    while True:
        starts = [s for s in _hour_starts(hour, tz) if s > start]
        if starts:
            return min(starts)
        hour += HOUR


def bucket_starts(
    start: datetime, end: datetime, granularity: Granularity, tz: ZoneInfo, *, limit: int | None = MAX_BUCKETS
) -> list[datetime]:
    """Starts of the buckets covering [start, end), the first one at or before ``start``.
    BadQuery beyond ``limit`` buckets."""
    if start >= end:
        raise BadQuery("`from` must be before `to`")
    if limit is not None and granularity == "hour" and end - start > HOUR * (limit + 2):
        raise _too_many()  # clearly too many: do not walk them
    starts = [floor(start, granularity, tz)]
    while True:
        following = shift(starts[-1], granularity, 1, tz)
        if following >= end:
            return starts
        if limit is not None and len(starts) >= limit:
            raise _too_many()
        starts.append(following)


def _too_many() -> BadQuery:
    return BadQuery(f"more than {MAX_BUCKETS} buckets: ask for a shorter range or a coarser granularity")


# query bounds -----------------------------------------------------------------------------------

_SPACED_OFFSET = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def parse_instant(text: str, tz: ZoneInfo, what: str) -> datetime:
    """An ISO date (local midnight in ``tz``) or datetime (local in ``tz`` when it has no offset)."""
    raw = text.strip()
    # a "+" left unencoded in a query string arrives as a space: "...T00:00:00 02:00"
    raw = _SPACED_OFFSET.sub(r"\1+\2", raw)
    try:
        if len(raw) == 10:
            parsed = datetime.combine(date.fromisoformat(raw), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(raw)
        instant = localize(parsed, tz) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadQuery(f"`{what}` must be an ISO 8601 date or datetime, got {text!r}") from None
    if not YEARS[0] <= instant.year <= YEARS[1]:
        raise BadQuery(f"`{what}` must be between the years {YEARS[0]} and {YEARS[1]}")
    return instant


def resolve_range(
    start_text: str | None, end_text: str | None, granularity: Granularity, tz: ZoneInfo, now: datetime
) -> tuple[datetime, datetime]:
    """[from, to) of a report: given, or by default the last DEFAULT_BUCKETS buckets up to the end
    of the current one."""
    end = parse_instant(end_text, tz, "to") if end_text else shift(floor(now, granularity, tz), granularity, 1, tz)
    if start_text:
        start = parse_instant(start_text, tz, "from")
    else:
        start = shift(floor(end, granularity, tz), granularity, -DEFAULT_BUCKETS[granularity], tz)
        if floor(end, granularity, tz) < end:
            start = shift(start, granularity, 1, tz)
    if start >= end:
        raise BadQuery("`from` must be before `to`")
    return start, end
