"""Bucketing in the creator's zone (pure): local boundaries, DST change days, odd offsets, bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analytics.timegrid import (
    MAX_BUCKETS,
    BadQuery,
    add_months,
    bucket_starts,
    floor,
    parse_instant,
    resolve_range,
    shift_days,
    zone,
)

NY = zone("America/New_York")
PARIS = zone("Europe/Paris")
KOLKATA = zone("Asia/Kolkata")


def local(starts: list[datetime], tz=NY) -> list[str]:
    return [s.astimezone(tz).isoformat() for s in starts]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_day_buckets_follow_local_midnight_across_the_spring_dst_change() -> None:
    starts = bucket_starts(parse_instant("2026-03-07", NY, "from"), parse_instant("2026-03-10", NY, "to"), "day", NY)
    assert starts == [utc(2026, 3, 7, 5), utc(2026, 3, 8, 5), utc(2026, 3, 9, 4)]
    assert starts[2] - starts[1] == timedelta(hours=23)  # the DST day is 23 hours long
    # the last second of the DST day and the first of the next fall on either side of the boundary
    assert floor(utc(2026, 3, 9, 3, 59, 59), "day", NY) == starts[1]
    assert floor(utc(2026, 3, 9, 4), "day", NY) == starts[2]


def test_hour_buckets_skip_the_missing_hour_and_split_the_repeated_one() -> None:
    spring = bucket_starts(parse_instant("2026-03-08", NY, "f"), parse_instant("2026-03-08T05:00", NY, "t"), "hour", NY)
    assert local(spring) == [
        "2026-03-08T00:00:00-05:00",
        "2026-03-08T01:00:00-05:00",
        "2026-03-08T03:00:00-04:00",  # 02:00 never happened
        "2026-03-08T04:00:00-04:00",
    ]
    autumn = bucket_starts(parse_instant("2026-11-01", NY, "f"), parse_instant("2026-11-01T03:00", NY, "t"), "hour", NY)
    assert local(autumn) == [
        "2026-11-01T00:00:00-04:00",
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:00:00-05:00",  # 01:00 happened twice: two buckets, two real hours
        "2026-11-01T02:00:00-05:00",
    ]
    assert floor(utc(2026, 11, 1, 6, 30), "hour", NY) == utc(2026, 11, 1, 6)


def test_a_day_whose_midnight_was_skipped_starts_after_the_gap() -> None:
    santiago = zone("America/Santiago")  # 2026-09-06 00:00 -04 → 01:00 -03
    starts = bucket_starts(
        parse_instant("2026-09-05", santiago, "f"), parse_instant("2026-09-08", santiago, "t"), "day", santiago
    )
    assert local(starts, santiago) == [
        "2026-09-05T00:00:00-04:00",
        "2026-09-06T01:00:00-03:00",
        "2026-09-07T00:00:00-03:00",
    ]


def test_half_hour_offsets_put_hour_boundaries_at_half_past_in_utc() -> None:
    assert floor(utc(2026, 3, 1, 4, 45), "hour", KOLKATA) == utc(2026, 3, 1, 4, 30)  # 10:15 IST → 10:00 IST
    assert floor(utc(2026, 3, 1, 18, 29), "day", KOLKATA) == utc(2026, 2, 28, 18, 30)  # 23:59 IST
    assert floor(utc(2026, 3, 1, 18, 30), "day", KOLKATA) == utc(2026, 3, 1, 18, 30)  # 00:00 IST next day
    starts = bucket_starts(utc(2026, 3, 1, 4, 45), utc(2026, 3, 1, 7), "hour", KOLKATA)
    assert local(starts, KOLKATA) == [
        "2026-03-01T10:00:00+05:30",
        "2026-03-01T11:00:00+05:30",
        "2026-03-01T12:00:00+05:30",
    ]


def test_weeks_start_on_local_monday_and_months_on_the_local_first() -> None:
    assert floor(utc(2026, 3, 1, 22, 30), "week", PARIS) == utc(2026, 2, 22, 23)  # Sunday 23:30 CET: week of Mon 23 Feb
    assert floor(utc(2026, 3, 1, 23, 30), "week", PARIS) == utc(2026, 3, 1, 23)  # Monday 00:30 CET
    months = bucket_starts(utc(2026, 3, 15), parse_instant("2026-05-01", PARIS, "to"), "month", PARIS)
    assert local(months, PARIS) == ["2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00"]


def test_bounds_are_dates_or_datetimes_local_unless_they_carry_an_offset() -> None:
    assert parse_instant("2026-03-08", NY, "from") == utc(2026, 3, 8, 5)
    assert parse_instant("2026-03-08T12:00", NY, "from") == utc(2026, 3, 8, 16)
    assert parse_instant("2026-03-08T12:00:00+01:00", NY, "from") == utc(2026, 3, 8, 11)
    assert parse_instant("2026-03-08T12:00:00Z", NY, "from") == utc(2026, 3, 8, 12)
    assert parse_instant("2026-03-08T12:00:00 01:00", NY, "from") == utc(2026, 3, 8, 11)  # "+" unencoded in a URL
    for bad in ("yesterday", "2026-13-01", "2026-03-08T25:00", "", "0001-01-01", "9999-12-31"):
        with pytest.raises(BadQuery):
            parse_instant(bad, NY, "from")


def test_zones_are_iana_names_in_any_case() -> None:
    assert zone("asia/KOLKATA").key == "Asia/Kolkata" and zone("utc").key == "UTC"
    for bad in ("Mars/Olympus", "", "+02:00", "../../etc/passwd", "EST5EDT,M3.2.0"):
        with pytest.raises(BadQuery, match="unknown time zone"):
            zone(bad)


def test_too_many_buckets_or_an_empty_range_is_refused() -> None:
    start = utc(2026, 1, 1)
    assert len(bucket_starts(start, start + timedelta(hours=MAX_BUCKETS), "hour", zone("UTC"))) == MAX_BUCKETS
    with pytest.raises(BadQuery, match="more than 2000 buckets"):
        bucket_starts(start, start + timedelta(hours=MAX_BUCKETS + 1), "hour", zone("UTC"))
    with pytest.raises(BadQuery, match="more than 2000 buckets"):
        bucket_starts(utc(2016, 1, 1), utc(2026, 1, 1), "hour", NY)  # ten years by hour
    assert len(bucket_starts(utc(2016, 1, 1), utc(2026, 1, 1), "week", NY)) == 523
    with pytest.raises(BadQuery, match="before"):
        bucket_starts(start, start, "day", NY)


def test_default_range_is_the_last_buckets_up_to_the_end_of_the_current_one() -> None:
    now = utc(2026, 11, 2, 9)  # Monday 04:00 in New York, the day after the clocks went back
    start, end = resolve_range(None, None, "day", NY, now)
    assert (local([start, end])) == ["2026-10-04T00:00:00-04:00", "2026-11-03T00:00:00-05:00"]
    assert len(bucket_starts(start, end, "day", NY)) == 30
    start, end = resolve_range(None, None, "hour", NY, now)
    assert end - start == timedelta(hours=24) and len(bucket_starts(start, end, "hour", NY)) == 24
    start, end = resolve_range("2026-10-01", None, "month", NY, now)
    assert local([start, end]) == ["2026-10-01T00:00:00-04:00", "2026-12-01T00:00:00-05:00"]
    with pytest.raises(BadQuery, match="before"):
        resolve_range("2026-11-05", "2026-11-01", "day", NY, now)


def test_calendar_arithmetic_keeps_the_local_wall_clock() -> None:
    assert add_months(utc(2026, 1, 31, 15), 1, NY) == utc(2026, 2, 28, 15)  # clamped to the month's end
    assert add_months(utc(2026, 3, 1, 15), 1, NY) == utc(2026, 4, 1, 14)  # 10:00 EST → 10:00 EDT
    assert add_months(utc(2026, 3, 1, 15), -3, NY) == utc(2025, 12, 1, 15)
    assert shift_days(utc(2026, 11, 2, 9), -7, NY) == utc(2026, 10, 26, 8)  # 04:00 EST → 04:00 EDT
