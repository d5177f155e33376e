"""Where reading starts and stops: offsets, points in time, durations ago.

A position is written as
  - an offset: ``1200`` (the same offset on every partition) or ``0:1200,3:877`` (per partition;
    partitions not named start at their beginning / end at their end);
  - a point in time: ISO 8601 (``2026-11-02``, ``2026-11-02T21:14``, ``2026-11-02T21:14:03+01:00``;
    without a zone it is UTC);
  - a duration ago: ``90s``, ``10m``, ``2h``, ``1d``, ``1h30m``, ``1w``;
  - ``beginning`` (or ``earliest``), ``end`` (or ``now``, ``latest``).

Ranges are half-open: ``--from`` is included, ``--to`` is not (``--from 100 --to 200`` is offsets
100…199; ``--to 2026-11-03`` stops before the first record stamped at or after midnight), so two
consecutive exports never overlap. Times are Kafka record timestamps (the relay's publish time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .errors import BadRange

_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_PER_PARTITION = re.compile(r"^\d+:\d+(,\d+:\d+)*$")


@dataclass(frozen=True)
class Position:
    kind: str  # "offset" | "partitions" | "time" | "beginning" | "end"
    offset: int = 0
    per_partition: dict[int, int] = field(default_factory=dict)
    at: datetime | None = None

    def describe(self) -> str:
        if self.kind == "offset":
            return f"offset {self.offset}"
        if self.kind == "partitions":
            return "offsets " + ",".join(f"{p}:{o}" for p, o in sorted(self.per_partition.items()))
        if self.kind == "time":
            assert self.at is not None
            return self.at.isoformat().replace("+00:00", "Z")
        return self.kind

    @property
    def millis(self) -> int:
        assert self.at is not None
        return int(self.at.timestamp() * 1000)


BEGINNING = Position("beginning")
END = Position("end")


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or not match or not any(match.groups()):
        raise BadRange(f"{text!r} is not a duration", hint="write it like 90s, 10m, 2h, 1d or 1h30m")
    w, d, h, m, s = (int(g or 0) for g in match.groups())
    return timedelta(weeks=w, days=d, hours=h, minutes=m, seconds=s)


def parse_position(text: str, now: datetime | None = None) -> Position:
    value = text.strip()
    lowered = value.lower()
    if lowered in ("beginning", "earliest", "start"):
        return BEGINNING
    if lowered in ("end", "now", "latest"):
        return END
    if value.isdigit():
        return Position("offset", offset=int(value))
    if _PER_PARTITION.match(value):
        pairs = [tuple(int(x) for x in item.split(":")) for item in value.split(",")]
        return Position("partitions", per_partition=dict(pairs))  # type: ignore[arg-type]
    if _DURATION.match(lowered) and any(_DURATION.match(lowered).groups()):  # type: ignore[union-attr]
        return Position("time", at=(now or datetime.now(UTC)) - parse_duration(lowered))
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadRange(
            f"cannot read {text!r} as a position",
            hint="use an offset (1200, or 0:1200,3:877 per partition), an ISO time (2026-11-02T21:14Z), "
            "a duration ago (10m, 2h, 1d), `beginning` or `end`",
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return Position("time", at=at.astimezone(UTC))


def check_range(start: Position, stop: Position) -> None:
    """Refuses a range that is empty by construction (a stop before its start)."""
    if start.kind == "time" and stop.kind == "time":
        assert start.at is not None and stop.at is not None
        if stop.at <= start.at:
            raise BadRange(f"--to {stop.describe()} is not after --from {start.describe()}")
    if start.kind == "offset" and stop.kind == "offset" and stop.offset <= start.offset:
        raise BadRange(f"--to {stop.offset} is not after --from {start.offset} (the range is half-open)")
    if start.kind == "end" and stop.kind != "end":
        raise BadRange("--from end reads nothing before --to; use `tail` to follow new events")
