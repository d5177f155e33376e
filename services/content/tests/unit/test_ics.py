"""The .ics feed is RFC 5545 valid: read back by the library that wrote it (icalendar) and by a second,
independent parser (vobject), with stable UIDs, UTC times, statuses, categories and escaped text."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import icalendar
import vobject

from content.feed_ports import Entry
from content.ics import DEFAULT_DURATION, build_calendar, ical_status, money

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
BASE = "https://api.huntaze.test"


def entries() -> list[Entry]:
    paris = timezone(timedelta(hours=1))
    return [
        Entry(uuid.uuid4(), "drop", "content", "Beach set, part 1; \"golden\" hour\nsecond line", NOW, "planned",
              link=f"/v1/calendar/entries/{uuid.uuid4()}", revision=1, updated_at=NOW),
        Entry(uuid.uuid4(), "post", "marketing", "New set 🌴 — link in bio", datetime(2026, 11, 28, 21, 0, tzinfo=paris),
              "scheduled", network="instagram", link="/v1/marketing/posts/1", revision=3),
        Entry(uuid.uuid4(), "mass_message", "inbox", "Black Friday PPV", NOW + timedelta(days=2), "sent",
              segments=("whales", "new fans"), result_cents=123456, currency="USD", revision=2),
        Entry(uuid.uuid4(), "campaign", "marketing", "Black Friday", NOW, "active", ends_at=NOW + timedelta(days=7)),
        Entry(uuid.uuid4(), "post", "marketing", "Moved post", NOW, "scheduled", pending_starts_at=NOW + timedelta(hours=3)),
        Entry(uuid.uuid4(), "shift", "gateway", "Evening shift", NOW, "cancelled", ends_at=NOW + timedelta(hours=8)),
        Entry(uuid.uuid4(), "note", "content", "x" * 400 + "\x00\x07 bell", NOW, "planned", link="javascript:alert(1)"),
    ]  # fmt: skip


def test_the_feed_parses_with_icalendar_and_keeps_every_entry() -> None:
    items = entries()
    body = build_calendar(items, now=NOW, base=BASE)
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n")), "lines are folded at 75 octets"
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0" and "Huntaze" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == "Huntaze"
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"{e.entry_id}@huntaze" for e in items]
    drop, post, mass, campaign, moved, shift, note = events
    assert str(drop["SUMMARY"]) == 'Drop: Beach set, part 1; "golden" hour second line'
    assert drop.decoded("DTSTART") == NOW and drop.decoded("DTEND") == NOW + DEFAULT_DURATION
    assert drop["DTSTART"].to_ical() == b"20261127T120000Z"  # UTC, not floating
    assert str(drop["STATUS"]) == "TENTATIVE" and drop["CATEGORIES"].cats == ["drop"]
    assert str(drop["URL"]).startswith(f"{BASE}/v1/calendar/entries/")
    assert drop.decoded("DTSTAMP") == NOW and drop.decoded("LAST-MODIFIED") == NOW
    assert post.decoded("DTSTART") == datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
    assert str(post["SUMMARY"]) == "Post (instagram): New set 🌴 — link in bio" and str(post["STATUS"]) == "CONFIRMED"
    assert int(post["SEQUENCE"]) == 2
    assert "Segments: whales, new fans" in str(mass["DESCRIPTION"]) and "Result: 1234.56 USD" in str(
        mass["DESCRIPTION"]
    )
    assert campaign.decoded("DTEND") == NOW + timedelta(days=7)
    assert str(moved["STATUS"]) == "TENTATIVE" and "waiting for confirmation" in str(moved["DESCRIPTION"])
    assert str(shift["STATUS"]) == "CANCELLED"
    assert "URL" not in note and "\x00" not in str(note["SUMMARY"]) and len(str(note["SUMMARY"])) <= 250


def test_the_feed_parses_with_vobject_a_second_independent_parser() -> None:
    items = entries()
    parsed = vobject.readOne(build_calendar(items, now=NOW, base=BASE).decode("utf-8"))
    assert parsed.version.value == "2.0"
    events = parsed.vevent_list
    assert [e.uid.value for e in events] == [f"{e.entry_id}@huntaze" for e in items]
    assert events[0].summary.value == 'Drop: Beach set, part 1; "golden" hour second line'
    assert events[0].dtstart.value == NOW and events[3].dtend.value == NOW + timedelta(days=7)
    assert events[1].summary.value == "Post (instagram): New set 🌴 — link in bio"
    assert [e.status.value for e in events] == ["TENTATIVE", "CONFIRMED", "CONFIRMED", "CONFIRMED", "TENTATIVE",
                                                "CANCELLED", "TENTATIVE"]  # fmt: skip
    assert events[2].categories.value == ["mass_message"]
    assert events[2].description.value.splitlines()[0] == "Status: sent"


def test_an_empty_feed_is_still_a_valid_calendar() -> None:
    body = build_calendar([], now=NOW, base=BASE)
    assert icalendar.Calendar.from_ical(body).walk("VEVENT") == []
    assert vobject.readOne(body.decode()).name == "VCALENDAR"
    assert b"BEGIN:VTIMEZONE" in body  # RFC 5545 wants at least one component


def test_the_same_entries_give_the_same_uids_on_every_poll() -> None:
    items = entries()
    first = icalendar.Calendar.from_ical(build_calendar(items, now=NOW, base=BASE))
    later = icalendar.Calendar.from_ical(build_calendar(items, now=NOW + timedelta(hours=1), base=BASE))
    assert [e["UID"] for e in first.walk("VEVENT")] == [e["UID"] for e in later.walk("VEVENT")]


def test_statuses_and_money() -> None:
    one = entries()[0]
    assert ical_status(one) == "TENTATIVE"
    assert ical_status(Entry(one.entry_id, "post", "marketing", "t", NOW, "published")) == "CONFIRMED"
    assert ical_status(Entry(one.entry_id, "post", "marketing", "t", NOW, "failed")) == "CANCELLED"
    assert money(-1205, "EUR") == "-12.05 EUR" and money(500, "JPY") == "500 JPY"
