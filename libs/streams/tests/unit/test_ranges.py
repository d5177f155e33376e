"""--from / --to / --since: offsets, times, durations ago."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from huntaze_streams.errors import BadRange
from huntaze_streams.ranges import check_range, parse_duration, parse_position

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("90s", timedelta(seconds=90)),
        ("10m", timedelta(minutes=10)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1w", timedelta(weeks=1)),
    ],
)
def test_durations_ago(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta
    position = parse_position(text, now=NOW)
    assert position.kind == "time" and position.at == NOW - delta


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("2026-11-02", datetime(2026, 11, 2, tzinfo=UTC)),
        ("2026-11-02T21:14", datetime(2026, 11, 2, 21, 14, tzinfo=UTC)),
        ("2026-11-02T21:14:03Z", datetime(2026, 11, 2, 21, 14, 3, tzinfo=UTC)),
        ("2026-11-02T22:14:03+01:00", datetime(2026, 11, 2, 21, 14, 3, tzinfo=UTC)),
    ],
)
def test_iso_times_are_utc_when_no_zone_is_given(text: str, at: datetime) -> None:
    position = parse_position(text)
    assert position.kind == "time" and position.at == at
    assert position.millis == int(at.timestamp() * 1000)


def test_offsets_and_named_ends() -> None:
    assert parse_position("1200").kind == "offset" and parse_position("1200").offset == 1200
    per = parse_position("0:10,3:77")
    assert per.kind == "partitions" and per.per_partition == {0: 10, 3: 77}
    for word, kind in [("beginning", "beginning"), ("earliest", "beginning"), ("end", "end"), ("now", "end")]:
        assert parse_position(word).kind == kind


@pytest.mark.parametrize("text", ["", "ten minutes", "10x", "2026-13-45", "-5", "1:2:3"])
def test_unreadable_positions_say_what_is_accepted(text: str) -> None:
    with pytest.raises(BadRange) as caught:
        parse_position(text)
    assert caught.value.hint and "ISO" in caught.value.hint


def test_empty_ranges_are_refused() -> None:
    with pytest.raises(BadRange, match="half-open"):
        check_range(parse_position("10"), parse_position("10"))
    with pytest.raises(BadRange, match="not after"):
        check_range(parse_position("2026-11-02"), parse_position("2026-11-01"))
    check_range(parse_position("2026-11-01"), parse_position("2026-11-02"))
