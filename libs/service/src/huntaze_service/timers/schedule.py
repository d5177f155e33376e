"""Recurrences: "every Monday at 9:00 in the creator's time zone", as an RFC 5545 RRULE.

The rule is expanded by python-dateutil (the reference implementation of RFC 5545 recurrence rules
in Python) in the given IANA time zone, from an anchor (the first occurrence, like an iCalendar
DTSTART). Wall-clock times hold across daylight-saving changes: 9:00 in Paris is 8:00 UTC in winter
and 7:00 UTC in summer. Occurrences missed while no worker ran are not replayed one by one: the
timer fires once, then moves to the first occurrence after the moment it fired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr


@dataclass(frozen=True)
class Recurrence:
    rule: str
    """An RFC 5545 RRULE without DTSTART, e.g. ``FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0;BYSECOND=0``."""
    timezone: str = "UTC"
    """IANA time zone the rule's wall-clock times are in, e.g. ``Europe/Paris``."""

    def __post_init__(self) -> None:
        try:
            zone(self.timezone)
        except ZoneInfoNotFoundError:
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        rule = self.rule.strip()
        if rule.upper().startswith("RRULE:"):
            rule = rule[6:]
        if "DTSTART" in rule.upper():
            raise ValueError("give the rule without DTSTART (the first due time anchors it)")
        object.__setattr__(self, "rule", rule)
        _compile(rule, datetime(2000, 1, 1, tzinfo=zone(self.timezone)))  # raises on a bad rule

    def next_after(self, after: datetime, anchor: datetime) -> datetime | None:
        """The first occurrence strictly after ``after`` (UTC), or None when the rule has ended."""
        tz = zone(self.timezone)
        start = anchor.astimezone(tz)
        found = _compile(self.rule, start).after(after.astimezone(tz), inc=False)
        return None if found is None else found.astimezone(UTC)

    @classmethod
    def weekly(cls, weekday: str, hour: int, minute: int = 0, timezone: str = "UTC") -> Recurrence:
        """``Recurrence.weekly("MO", 9, timezone="Europe/Paris")``."""
        return cls(f"FREQ=WEEKLY;BYDAY={weekday.upper()};BYHOUR={hour};BYMINUTE={minute};BYSECOND=0", timezone)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=1024)
def _compile(rule: str, start: datetime) -> rrule:
    compiled = rrulestr(rule, dtstart=start)
    if not isinstance(compiled, rrule):
        raise ValueError("one RRULE only (no RRULE set)")
    return compiled
