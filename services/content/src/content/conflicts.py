"""Conflicts in a creator's plan, computed at read time over the window and a margin around it (pure):

- ``segment_overlap``: two mass messages (neither cancelled) sharing an audience segment less than
  24 h apart — both are flagged;
- ``no_teaser``: a drop (not cancelled) with no social post (scheduled or published) in the 48 h
  before it;
- ``outside_best_hours``: a scheduled post whose hour (UTC) is not among the best hours of its
  network. Content may not ask analytics, so the best hours come from its own read model: people's
  clicks (robots apart) on tracking links, counted per network and hour of day (UTC). With at least
  ``MIN_CLICKS`` clicks on that network, the best hours are the ``TOP_HOURS`` hours with the most
  clicks (ties with the last one included); with fewer, nothing is flagged.

Times are where a person sees the entry: the asked time while a move is pending.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .calendar import Entry

MASS_GAP = timedelta(hours=24)
TEASER_BEFORE = timedelta(hours=48)
MIN_CLICKS = 50
TOP_HOURS = 3
MARGIN_BEFORE = TEASER_BEFORE
"""How far before the window the read looks (a drop's teasers, a mass message's neighbours)."""
MARGIN_AFTER = MASS_GAP

ClickHours = Mapping[str, Mapping[int, int]]
"""Clicks per network, per hour of day (0–23, UTC)."""


@dataclass(frozen=True)
class Flag:
    code: str
    text: str


Flagger = Callable[[Entry, str, str], None]


def best_hours(hours: Mapping[int, int]) -> list[int] | None:
    """The network's best hours (most clicked first), or None with too few clicks to say."""
    if sum(hours.values()) < MIN_CLICKS:
        return None
    ranked = sorted(((n, h) for h, n in hours.items() if n > 0), key=lambda nh: (-nh[0], nh[1]))
    if not ranked:
        return None
    floor = ranked[min(TOP_HOURS, len(ranked)) - 1][0]
    return [h for n, h in ranked if n >= floor]


def conflicts(entries: Sequence[Entry], clicks: ClickHours) -> dict[uuid.UUID, list[Flag]]:
    flags: dict[uuid.UUID, list[Flag]] = {}

    def flag(entry: Entry, code: str, text: str) -> None:
        flags.setdefault(entry.entry_id, []).append(Flag(code, text))

    _mass_overlaps(entries, flag)
    _teasers(entries, flag)
    _hours(entries, clicks, flag)
    return flags


def _mass_overlaps(entries: Sequence[Entry], flag: Flagger) -> None:
    mass = sorted(
        (e for e in entries if e.kind == "mass_message" and e.status != "cancelled" and e.segments),
        key=lambda e: (e.planned_at, e.entry_id),
    )
    for i, a in enumerate(mass):
        for b in mass[i + 1 :]:
            if b.planned_at - a.planned_at >= MASS_GAP:
                break
            shared = sorted(set(a.segments) & set(b.segments))
            if shared:
                gap = _hours_text(b.planned_at - a.planned_at)
                names = ", ".join(shared)
                flag(a, "segment_overlap", f"Another mass message to {names} goes out {gap} after this one.")
                flag(b, "segment_overlap", f"Another mass message to {names} went out {gap} before this one.")


def _teasers(entries: Sequence[Entry], flag: Flagger) -> None:
    teasers = sorted(e.planned_at for e in entries if e.kind == "post" and e.status in ("scheduled", "published"))
    for drop in entries:
        if drop.kind != "drop" or drop.status == "cancelled":
            continue
        at = drop.planned_at
        if not _between(teasers, at - TEASER_BEFORE, at):
            flag(drop, "no_teaser", "No social post teases this drop in the 48 hours before it.")


def _between(times: list[datetime], start: datetime, end: datetime) -> list[datetime]:
    return times[bisect.bisect_left(times, start) : bisect.bisect_left(times, end)]


def _hours(entries: Sequence[Entry], clicks: ClickHours, flag: Flagger) -> None:
    best: dict[str, list[int] | None] = {}
    for post in entries:
        if post.kind != "post" or post.status != "scheduled" or post.network is None:
            continue
        if post.network not in best:
            best[post.network] = best_hours(clicks.get(post.network, {}))
        top = best[post.network]
        hour = post.planned_at.astimezone(UTC).hour
        if top is not None and hour not in top:
            listed = ", ".join(f"{h:02d}:00" for h in top)
            flag(
                post,
                "outside_best_hours",
                f"Planned at {hour:02d}:00 UTC; your best hours on {post.network} are {listed} UTC (from link clicks).",
            )


def _hours_text(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
