"""Conflicts in a plan (pure): mass messages to a shared segment within 24 h, drops without a teaser
post in the 48 h before, posts outside the best hours (from people's clicks per hour)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from content.calendar import Entry, link_of
from content.conflicts import MIN_CLICKS, best_hours, conflicts

T = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
CREATOR = uuid.uuid4()


def entry(kind: str, at: datetime, **kw: object) -> Entry:
    entry_id = uuid.uuid4()
    base = Entry(CREATOR, entry_id, kind, "x", kind, at, None, "scheduled", link_of(kind, entry_id))
    return replace(base, **kw)  # type: ignore[arg-type]


def codes(flags: dict[uuid.UUID, list], e: Entry) -> list[str]:  # type: ignore[type-arg]
    return [f.code for f in flags.get(e.entry_id, [])]


def test_mass_messages_to_a_shared_segment_within_24_hours() -> None:
    a = entry("mass_message", T, segments=("whales", "new"))
    b = entry("mass_message", T + timedelta(hours=23, minutes=59), segments=("whales",))
    c = entry("mass_message", T + timedelta(hours=12), segments=("lapsed",))  # no shared segment
    d = entry("mass_message", T + timedelta(hours=48), segments=("whales",))  # 24 h 01 after b
    gone = entry("mass_message", T + timedelta(hours=1), segments=("whales",), status="cancelled")
    flags = conflicts([a, c, gone, b, d], {})
    assert codes(flags, a) == ["segment_overlap"] and codes(flags, b) == ["segment_overlap"]
    assert codes(flags, c) == codes(flags, d) == codes(flags, gone) == []
    assert "whales" in flags[a.entry_id][0].text and "23 h 59 min" in flags[a.entry_id][0].text
    # exactly 24 h apart is no longer a conflict
    e = entry("mass_message", T + timedelta(hours=24), segments=("whales", "new"))
    assert codes(conflicts([a, e], {}), a) == []


def test_a_pending_move_counts_at_the_asked_time() -> None:
    a = entry("mass_message", T, segments=("whales",))
    b = entry("mass_message", T + timedelta(days=3), segments=("whales",))
    moved = replace(b, pending_command_id=uuid.uuid4(), pending_starts_at=T + timedelta(hours=2))
    assert codes(conflicts([a, moved], {}), moved) == ["segment_overlap"]


def test_a_drop_needs_a_teaser_post_in_the_48_hours_before() -> None:
    drop = entry("drop", T, status="planned")
    assert codes(conflicts([drop], {}), drop) == ["no_teaser"]
    for teaser_at, status, flagged in [
        (T - timedelta(hours=47), "scheduled", False),
        (T - timedelta(hours=1), "published", False),
        (T - timedelta(hours=49), "scheduled", True),  # too early
        (T + timedelta(hours=1), "scheduled", True),  # after the drop
        (T - timedelta(hours=2), "cancelled", True),  # not a teaser any more
        (T - timedelta(hours=2), "failed", True),
    ]:
        teaser = entry("post", teaser_at, status=status, network="x")
        assert (codes(conflicts([teaser, drop], {}), drop) == ["no_teaser"]) is flagged, (teaser_at, status)
    cancelled = replace(drop, status="cancelled")
    assert codes(conflicts([cancelled], {}), cancelled) == []


def test_best_hours_need_enough_clicks_and_take_the_top_three_with_ties() -> None:
    assert best_hours({20: MIN_CLICKS - 1}) is None
    assert best_hours({20: 30, 21: 15, 9: 4, 3: 1}) == [20, 21, 9]
    assert best_hours({20: 30, 21: 10, 9: 10, 3: 10, 4: 1}) == [20, 3, 9, 21]


def test_a_post_outside_the_best_hours_of_its_network() -> None:
    clicks = {"instagram": {20: 40, 21: 20, 22: 10}}
    good = entry("post", T.replace(hour=21), network="instagram")
    bad = entry("post", T.replace(hour=9), network="instagram")
    other_network = entry("post", T.replace(hour=9), network="tiktok")  # no clicks there: no flag
    published = entry("post", T.replace(hour=9), network="instagram", status="published")
    flags = conflicts([good, bad, other_network, published], clicks)
    assert codes(flags, good) == codes(flags, other_network) == codes(flags, published) == []
    assert codes(flags, bad) == ["outside_best_hours"]
    assert "20:00, 21:00, 22:00" in flags[bad.entry_id][0].text
    # a post in another timezone is judged by its hour in UTC
    paris = entry("post", datetime(2026, 12, 1, 23, 30, tzinfo=timezone(timedelta(hours=2))), network="instagram")
    assert codes(conflicts([paris], clicks), paris) == []
