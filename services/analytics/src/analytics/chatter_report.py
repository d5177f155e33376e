"""The chatters' report: per person, over [from, to), from the read models and the sales ledger.

Definitions (each figure is about the window, and about this creator account only):

- ``messages_sent``: replies the person approved that were sent in the window (the autopilot's are
  nobody's).
- response time: from the moment the fan's message reached Huntaze to the moment the reply to it was
  sent, for replies the person approved while on shift; ``median`` and ``p90`` are interpolated
  percentiles (PostgreSQL's ``percentile_cont``) in seconds, None without such a reply.
- ``offers_sent``: paid messages they made that were sent in the window (one to one, and the copies
  of their mass messages); ``offers_unlocked``: those of them unlocked since; ``unlock_rate`` their
  ratio (None without an offer).
- revenue: the sum of their ledger lines dated in the window, in one currency, reversals included
  (so it can be negative); ``on_shift`` the part of it earned by work done on shift.
- ``hours_on_shift``: the time their (not cancelled) shifts on this account overlap the window;
  ``revenue_per_shift_hour_cents`` = on-shift gross ÷ those hours, rounded to the cent (half to
  even), None without shift time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from .reports import Window


@dataclass(frozen=True)
class ReplyFigures:
    chatter_id: uuid.UUID
    sent: int
    timed: int
    """Replies approved on shift with a known answered message: the response-time sample."""
    median_s: float | None
    p90_s: float | None


@dataclass(frozen=True)
class OfferFigures:
    chatter_id: uuid.UUID
    sent: int
    unlocked: int


@dataclass(frozen=True)
class RevenueFigures:
    chatter_id: uuid.UUID
    lines: int
    gross_cents: int
    net_cents: int
    on_shift_gross_cents: int


@dataclass(frozen=True)
class ShiftSpan:
    user_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ChatterRow:
    chatter_id: uuid.UUID
    messages_sent: int
    replies_timed: int
    response_median_s: float | None
    response_p90_s: float | None
    offers_sent: int
    offers_unlocked: int
    unlock_rate: float | None
    ledger_lines: int
    gross_cents: int
    net_cents: int
    on_shift_gross_cents: int
    shift_seconds: int
    revenue_per_shift_hour_cents: int | None


@dataclass(frozen=True)
class ChattersReport:
    currency: str
    window: Window
    chatters: list[ChatterRow]


def shift_seconds(spans: Iterable[ShiftSpan], window: Window) -> dict[uuid.UUID, int]:
    """Seconds each person was on shift within the window (overlapping spans counted once)."""
    by_user: dict[uuid.UUID, list[tuple[datetime, datetime]]] = {}
    for span in spans:
        start, end = max(span.starts_at, window.start), min(span.ends_at, window.end)
        if start < end:
            by_user.setdefault(span.user_id, []).append((start, end))
    seconds: dict[uuid.UUID, int] = {}
    for user, intervals in by_user.items():
        total, cur_start, cur_end = 0.0, None, None
        for start, end in sorted(intervals):
            if cur_end is None or start > cur_end:
                if cur_end is not None and cur_start is not None:
                    total += (cur_end - cur_start).total_seconds()
                cur_start, cur_end = start, end
            else:
                cur_end = max(cur_end, end)
        if cur_end is not None and cur_start is not None:
            total += (cur_end - cur_start).total_seconds()
        seconds[user] = int(total)
    return seconds


def per_hour(cents: int, seconds: int) -> int | None:
    """Cents per hour on shift, rounded half to even; None without shift time."""
    return None if seconds <= 0 else round(Fraction(cents * 3600, seconds))


def chatters_report(
    currency: str,
    window: Window,
    replies: Sequence[ReplyFigures],
    offers: Sequence[OfferFigures],
    revenue: Sequence[RevenueFigures],
    shifts: Sequence[ShiftSpan],
) -> ChattersReport:
    """One row per person who replied, offered, was credited or was on shift in the window; the
    most revenue first."""
    by_reply = {r.chatter_id: r for r in replies}
    by_offer = {o.chatter_id: o for o in offers}
    by_revenue = {r.chatter_id: r for r in revenue}
    on_shift = shift_seconds(shifts, window)
    people = set(by_reply) | set(by_offer) | set(by_revenue) | set(on_shift)
    rows = []
    for person in people:
        r, o, m = by_reply.get(person), by_offer.get(person), by_revenue.get(person)
        seconds = on_shift.get(person, 0)
        on_shift_gross = m.on_shift_gross_cents if m else 0
        rows.append(
            ChatterRow(
                chatter_id=person,
                messages_sent=r.sent if r else 0,
                replies_timed=r.timed if r else 0,
                response_median_s=r.median_s if r else None,
                response_p90_s=r.p90_s if r else None,
                offers_sent=o.sent if o else 0,
                offers_unlocked=o.unlocked if o else 0,
                unlock_rate=(o.unlocked / o.sent) if o and o.sent else None,
                ledger_lines=m.lines if m else 0,
                gross_cents=m.gross_cents if m else 0,
                net_cents=m.net_cents if m else 0,
                on_shift_gross_cents=on_shift_gross,
                shift_seconds=seconds,
                revenue_per_shift_hour_cents=per_hour(on_shift_gross, seconds),
            )
        )
    rows.sort(key=lambda row: (-row.gross_cents, str(row.chatter_id)))
    return ChattersReport(currency, window, rows)


def interpolated_percentile(values: Sequence[float], q: float) -> float | None:
    """``percentile_cont(q)``: linear interpolation between the closest ranks (the fakes use it to
    answer like PostgreSQL)."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
