"""A creator's week in figures (pure): the facts of ``week.summarized``, from rows the read models give.

The weeks. A firing due at ``due`` summarises the 7 days [due − 7 days, due) against the 7 days
before them, [due − 14 days, due − 7 days), as exact instants (UTC has no daylight saving: each is
168 hours). ``period_start`` is the UTC date of the first instant, ``period_end`` the date six days
later (the dates name the 7 days; ``starts_at``/``ends_at`` are the exact bounds).

The money (integer minor units of ONE currency, ``net_cents``: what the creator earns, refunds and
chargebacks subtracted since they carry negative amounts — the revenue report's ``net``):

- **currency**: the one with the most net revenue in the week (then in the week before, then the
  most transactions, then the code's order); the others that had any transaction in either week are
  listed in ``other_currencies`` and left out of every figure.
- **revenue**: the sum of the week's facts in that currency, by source line (``by_source``: the six
  lines of :mod:`.domain`, refunds and chargebacks as their own negative lines), so the sources add
  up to the revenue exactly, and the revenue equals the revenue report over the same bounds.
- **change_cents** = revenue − previous; **change_pct** = :func:`pct_change` (the ai's rule, copied:
  1 decimal half-up of the Decimal ratio, None when the week before had nothing).
- **movers** (sources, segments, posts, links, media, chatters): each key's revenue in both weeks;
  keys with 0 and 0 are left out; ordered by |change| desc, then revenue desc, then ref; at most
  MAX_WEEK_MOVERS. Segments, posts, links, media and chatters cover only the revenue they can be
  tied to (and segments overlap), so those lists do not add up to the revenue: they explain it.
- **labels** are untrusted names, normalised the way the ai reads them (NFKC, invisible characters
  dropped, whitespace collapsed) and cut to 100 characters; a key without a known name gets a
  readable stand-in ("Link 1a2b3c4d"). Posts are named by their caption excerpt (``post.scheduled``),
  media by their title, segments by their name; links and chatters have no name analytics is told.

Subscribers: ``new_subscribers`` = fans whose stretch of continuous subscription (:mod:`.retention`)
began in the week (first time or back after a lapse; a renewal is not new); ``churned_subscribers``
= fans whose stretch ended in the week.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from huntaze_events import WeekMover, WeekSummarized
from huntaze_events.analytics import MAX_WEEK_MOVERS

from .domain import LINES
from .reports import Window
from .retention import Interval, stretches

WEEK = timedelta(days=7)
MAX_LABEL = 100
MAX_OTHER_CURRENCIES = 20
NO_SEGMENT = "none"
SOURCE_LABELS: dict[str, str] = {
    "subscriptions": "Subscriptions and renewals",
    "messages": "Paid messages (PPV)",
    "posts": "Paid posts",
    "tips": "Tips",
    "refunds": "Refunds",
    "chargebacks": "Chargebacks",
}


@dataclass(frozen=True)
class Weeks:
    previous: Window
    current: Window

    @property
    def period_start(self) -> date:
        return self.current.start.date()

    @property
    def period_end(self) -> date:
        return self.period_start + timedelta(days=6)


def weeks_before(due: datetime) -> Weeks:
    """The week ending at ``due`` (exclusive) and the week before it."""
    return Weeks(Window(due - 2 * WEEK, due - WEEK), Window(due - WEEK, due))


def summary_key(creator_id: uuid.UUID, period_start: date) -> str:
    return f"{creator_id}:{period_start.isoformat()}"


@dataclass(frozen=True)
class Figure:
    """One key's net revenue in the week and in the week before."""

    ref: str
    revenue_cents: int = 0
    previous_revenue_cents: int = 0


@dataclass(frozen=True)
class PostCaption:
    """A post's caption excerpt as ``post.scheduled`` gave it (the highest revision wins)."""

    creator_id: uuid.UUID
    post_id: uuid.UUID
    caption_excerpt: str
    revision: int


@dataclass(frozen=True)
class CurrencyWeeks:
    currency: str
    revenue_cents: int
    previous_revenue_cents: int
    transactions: int


def pct_change(current_cents: int, previous_cents: int) -> float | None:
    """The ai's rule (ai.insights.facts.pct_change), the same Decimal formula: percent at 1 decimal,
    half-up; None when there was nothing before."""
    if previous_cents == 0:
        return None
    ratio = Decimal(current_cents - previous_cents) * 100 / Decimal(abs(previous_cents))
    return float(ratio.quantize(Decimal("0.1"), ROUND_HALF_UP))


def fold(rows: Iterable[tuple[bool, str, int]]) -> list[Figure]:
    """(in the current week?, key, net cents) rows, summed per key."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for current, ref, cents in rows:
        sums[ref][0 if current else 1] += int(cents)
    return [Figure(ref, cur, prev) for ref, (cur, prev) in sorted(sums.items())]


def main_currency(rows: Sequence[CurrencyWeeks]) -> tuple[str, list[str]] | None:
    """The main currency and the others (sorted); None when neither week had a transaction."""
    if not rows:
        return None
    ranked = sorted(rows, key=lambda r: (-r.revenue_cents, -r.previous_revenue_cents, -r.transactions, r.currency))
    main = ranked[0].currency
    others = sorted({r.currency for r in rows} - {main})[:MAX_OTHER_CURRENCIES]
    return main, others


def clean_label(text: str | None) -> str:
    """The label as the ai will read it (NFKC, no invisible characters, whitespace collapsed), at most
    MAX_LABEL characters; "" when nothing is left."""
    if not text:
        return ""
    folded = "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")
    return " ".join(folded.split())[:MAX_LABEL].rstrip()


def stand_in(kind: str) -> Callable[[str], str]:
    """A readable name for a key analytics has no name for: "Post 1a2b3c4d"."""
    return lambda ref: f"{kind} {ref.replace('-', '')[:8]}"


def movers(
    figures: Iterable[Figure], labels: Mapping[str, str] | None = None, fallback: Callable[[str], str] = str
) -> list[WeekMover]:
    """The keys that moved, biggest change first (see the module docstring), at most MAX_WEEK_MOVERS."""
    merged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for f in figures:
        merged[f.ref][0] += f.revenue_cents
        merged[f.ref][1] += f.previous_revenue_cents
    kept = [(ref, cur, prev) for ref, (cur, prev) in merged.items() if cur or prev]
    kept.sort(key=lambda r: (-abs(r[1] - r[2]), -r[1], r[0]))
    names = labels or {}
    return [
        WeekMover(
            ref=ref,
            label=clean_label(names.get(ref)) or clean_label(fallback(ref)) or "?",
            revenue_cents=cur,
            previous_revenue_cents=prev,
            change_cents=cur - prev,
        )
        for ref, cur, prev in kept[:MAX_WEEK_MOVERS]
    ]


def subscriber_counts(intervals: Iterable[Interval], window: Window) -> tuple[int, int]:
    """(new, churned) fans in the window: stretches that began in it, stretches that ended in it."""
    by_fan: dict[uuid.UUID, list[Interval]] = defaultdict(list)
    for iv in intervals:
        by_fan[iv.fan_id].append(iv)
    new = churned = 0
    for ivs in by_fan.values():
        spans = stretches(ivs)
        new += any(window.start <= start < window.end for start, _ in spans)
        churned += any(end is not None and window.start <= end < window.end for _, end in spans)
    return new, churned


@dataclass(frozen=True)
class WeekFacts:
    """Everything one summary is made of, as the read models gave it (in ``currency``)."""

    creator_id: uuid.UUID
    weeks: Weeks
    currency: str
    other_currencies: Sequence[str]
    by_line: Sequence[Figure]
    by_segment: Sequence[Figure]
    segment_names: Mapping[str, str]
    posts: Sequence[Figure]
    post_captions: Mapping[str, str]
    links: Sequence[Figure]
    media: Sequence[Figure]
    media_titles: Mapping[str, str]
    chatters: Sequence[Figure]
    new_subscribers: int
    churned_subscribers: int


def summarize(facts: WeekFacts) -> WeekSummarized:
    """The ``week.summarized`` payload: the revenue is the sum of the source lines (exactly)."""
    lines = {f.ref: f for f in facts.by_line if f.ref in LINES}
    revenue = sum(f.revenue_cents for f in lines.values())
    previous = sum(f.previous_revenue_cents for f in lines.values())
    segment_names = {NO_SEGMENT: "No segment", **facts.segment_names}
    weeks = facts.weeks
    return WeekSummarized(
        summary_key=summary_key(facts.creator_id, weeks.period_start),
        period_start=weeks.period_start,
        period_end=weeks.period_end,
        starts_at=weeks.current.start,
        ends_at=weeks.current.end,
        currency=facts.currency,
        revenue_cents=revenue,
        previous_revenue_cents=previous,
        change_cents=revenue - previous,
        change_pct=pct_change(revenue, previous),
        by_source=movers(lines.values(), SOURCE_LABELS),
        by_segment=movers(facts.by_segment, segment_names, stand_in("Segment")),
        top_posts=movers(facts.posts, facts.post_captions, stand_in("Post")),
        top_links=movers(facts.links, None, stand_in("Link")),
        top_media=movers(facts.media, facts.media_titles, stand_in("Media")),
        chatters=movers(facts.chatters, None, stand_in("Chatter")),
        new_subscribers=facts.new_subscribers,
        churned_subscribers=facts.churned_subscribers,
        other_currencies=list(facts.other_currencies),
    )
