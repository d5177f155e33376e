"""The calendar as an iCalendar document (RFC 5545), built with the ``icalendar`` library.

One VEVENT per entry: ``UID`` ``<entry_id>@huntaze`` (stable, so a calendar app updates the event
it already shows rather than adding one), ``DTSTAMP`` (when the feed was built), ``LAST-MODIFIED``
and ``SEQUENCE`` from the entry's revision, ``DTSTART``/``DTEND`` in UTC (an entry without an end,
a post or a drop, lasts :data:`DEFAULT_DURATION`), ``SUMMARY``, ``STATUS`` (``TENTATIVE`` while
planned, requested or moving; ``CONFIRMED`` once scheduled or done; ``CANCELLED``), ``CATEGORIES``
(the kind), ``URL`` (the item, when it has a link) and a ``DESCRIPTION`` (status, source, network,
segments, result in money). Text is stripped of control characters; the library escapes and folds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, Timezone, TimezoneStandard

from .feed_ports import Entry

PRODID = "-//Huntaze//Calendar 1.0//EN"
CALENDAR_NAME = "Huntaze"
DEFAULT_DURATION = timedelta(minutes=30)
REFRESH = timedelta(hours=1)
"""What the feed suggests as a polling interval (``REFRESH-INTERVAL``, ``X-PUBLISHED-TTL``)."""
MAX_SUMMARY = 250
MAX_DESCRIPTION = 2000

KIND_LABELS = {
    "drop": "Drop",
    "note": "Note",
    "post": "Post",
    "mass_message": "Mass message",
    "campaign": "Campaign",
    "shift": "Shift",
    "automation": "Automation",
}
CANCELLED = frozenset({"cancelled", "canceled", "failed", "refused", "deleted"})
CONFIRMED = frozenset({"scheduled", "confirmed", "done", "sent", "published", "active", "running", "completed"})
ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD", "UGX", "XAF", "XOF"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def ical_status(entry: Entry) -> str:
    status = entry.status.lower()
    if status in CANCELLED:
        return "CANCELLED"
    if entry.pending_starts_at is not None:
        return "TENTATIVE"  # a move waits for its owning service's answer
    return "CONFIRMED" if status in CONFIRMED else "TENTATIVE"


def clean(text: str, limit: int) -> str:
    return _CONTROL.sub(" ", text).strip()[:limit]


def money(cents: int, currency: str) -> str:
    if currency.upper() in ZERO_DECIMAL:
        return f"{cents} {currency}"
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d} {currency}"


def summary(entry: Entry) -> str:
    label = KIND_LABELS.get(entry.kind, entry.kind.replace("_", " ").capitalize())
    if entry.network:
        label = f"{label} ({entry.network})"
    title = " ".join(clean(entry.title, MAX_SUMMARY).split())  # one line
    return clean(f"{label}: {title}" if title else label, MAX_SUMMARY)


def description(entry: Entry) -> str:
    lines = [f"Status: {entry.status}", f"Source: {entry.source}"]
    if entry.network:
        lines.append(f"Network: {entry.network}")
    if entry.segments:
        lines.append("Segments: " + ", ".join(entry.segments))
    if entry.result_cents is not None and entry.currency:
        lines.append(f"Result: {money(entry.result_cents, entry.currency)}")
    if entry.pending_starts_at is not None:
        lines.append(f"Moving to {_utc(entry.pending_starts_at):%Y-%m-%d %H:%M} UTC (waiting for confirmation)")
    return clean("\n".join(lines), MAX_DESCRIPTION)


def item_url(link: str, base: str) -> str | None:
    """The entry's link as an absolute URL (a path is the gateway's), or None."""
    link = link.strip()
    if link.startswith("/") and not link.startswith("//"):
        return base.rstrip("/") + link
    if re.match(r"^https?://[^\s]+$", link):
        return link
    return None


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def event_of(entry: Entry, now: datetime, base: str) -> Event:
    start = _utc(entry.starts_at)
    end = _utc(entry.ends_at) if entry.ends_at is not None and entry.ends_at > entry.starts_at else None
    event = Event()
    event.add("uid", f"{entry.entry_id}@huntaze")
    event.add("dtstamp", _utc(now))
    event.add("dtstart", start)
    event.add("dtend", end or start + DEFAULT_DURATION)
    event.add("summary", summary(entry))
    event.add("status", ical_status(entry))
    event.add("categories", [entry.kind])
    event.add("sequence", max(entry.revision - 1, 0))
    if entry.updated_at is not None:
        event.add("last-modified", _utc(entry.updated_at))
    url = item_url(entry.link, base)
    if url is not None:
        event.add("url", url)
    event.add("description", description(entry))
    return event


def _utc_zone() -> Timezone:
    """A VTIMEZONE for UTC: the one component of a calendar with no event (RFC 5545 wants one)."""
    zone = Timezone()
    zone.add("tzid", "UTC")
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", timedelta(0))
    standard.add("tzoffsetto", timedelta(0))
    standard.add("tzname", "UTC")
    zone.add_component(standard)
    return zone


def build_calendar(entries: Iterable[Entry], *, now: datetime, base: str, name: str = CALENDAR_NAME) -> bytes:
    """The VCALENDAR (CRLF lines folded at 75 octets, UTF-8)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", clean(name, 100))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    count = 0
    for entry in entries:
        calendar.add_component(event_of(entry, now, base))
        count += 1
    if count == 0:
        calendar.add_component(_utc_zone())
    return calendar.to_ical()
