"""Queue slots (pure): the weekly times an account posts at, and the next free one.

A creator gives an account its slots — weekday and local time, in one IANA time zone — and a post
scheduled with ``"publish_at": "next_slot"`` takes the first slot occurrence after now that no other
post of the account (scheduled, publishing or published) holds. Local times follow the zone's
daylight saving changes: 09:00 stays 09:00; a slot in the hour a spring change skips does not occur
that day; in the hour an autumn change repeats, it occurs once (the first).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .domain import Refused

MAX_SLOTS = 50
LOOKAHEAD = timedelta(weeks=8)
"""How far ahead a free slot is looked for."""
LEAD = timedelta(seconds=30)
"""A slot closer than this to now is not taken: the post would be late before it is scheduled."""


@dataclass(frozen=True, order=True)
class Slot:
    weekday: int
    """0 = Monday … 6 = Sunday."""
    at: time


def zone_of(name: str) -> ZoneInfo:
    if name not in _zones():
        raise Refused("invalid_timezone", f"unknown time zone {name!r}: use an IANA name such as Europe/Paris")
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        raise Refused("invalid_timezone", f"unknown time zone {name!r}") from None


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones() | {"UTC"})
    return _ZONES


def checked(slots: Iterable[Slot]) -> tuple[Slot, ...]:
    found = tuple(sorted(set(slots)))
    if len(found) > MAX_SLOTS:
        raise Refused("too_many_slots", f"at most {MAX_SLOTS} slots per account")
    for slot in found:
        if not 0 <= slot.weekday <= 6 or slot.at.second or slot.at.microsecond:
            raise Refused("invalid_slot", "a slot is a weekday (0 = Monday … 6 = Sunday) and an HH:MM time")
    return found


def _local(day: date, at: time, zone: ZoneInfo) -> datetime | None:
    """The instant of ``day`` ``at`` in ``zone``, or None when that local time does not exist."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=zone, fold=0)
    back = aware.astimezone(UTC).astimezone(zone)
    return aware.astimezone(UTC) if back.replace(tzinfo=None) == naive else None


def occurrences(slots: tuple[Slot, ...], zone: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Every occurrence of the slots after ``after`` within LOOKAHEAD, earliest first (UTC)."""
    if not slots:
        return
    start = after.astimezone(zone).date()
    for offset in range(LOOKAHEAD.days + 2):
        day = start + timedelta(days=offset)
        todays = sorted(t for s in slots if s.weekday == day.weekday() and (t := _local(day, s.at, zone)) is not None)
        for instant in todays:
            if after < instant <= after + LOOKAHEAD:
                yield instant


def next_free(slots: tuple[Slot, ...], zone: ZoneInfo, now: datetime, taken: set[datetime]) -> datetime:
    for instant in occurrences(slots, zone, now + LEAD):
        if instant not in taken:
            return instant
    if not slots:
        raise Refused("no_slots", "this account has no queue slots: PUT /v1/marketing/accounts/{id}/slots first")
    raise Refused("no_free_slot", f"every slot of the next {LOOKAHEAD.days // 7} weeks is taken")
