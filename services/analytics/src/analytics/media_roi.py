"""Media ROI, the pure part: what each vault item sold, to whom (the fan's segments when it was
offered) and at which price. No I/O: the repository hands over offer groups, this folds them.

Definitions (the report's, stated once):

- An item's **offers** are the offers sent in [from, to) whose media include it (a bundle offer is
  one offer of each of its items); its **unlocks** those of them unlocked (``ppv.unlocked``), whenever
  that was; **unlock rate** = unlocks ÷ offers.
- An offer's **revenue** is its unlock transaction plus every refund or chargeback whose ``ref``
  names the offer (negative amounts), whenever they happened: gross and net, integer minor units,
  never added across currencies (an item offered in two currencies has a row per currency).
- **Bundles**: an offer of n media splits each of its amounts (gross and net, after reversals) in n
  equal shares, the remainder cents to the first media id of the offer (in the offer's order), so
  the items' revenue sums to the offers' revenue exactly (``totals``).
- **Segments**: an offer counts in every segment its fan was in at the offer's ``sent_at`` (the
  latest ``fan.segment_changed`` at or before it, from the history kept whatever order events came
  in), with the item's share of its revenue; an offer to a fan in no segment counts under ``None``.
  Segments overlap, so the segment rows of an item may add up to more than the item.
- **Price points**: the offer's price (a bundle's price is the whole bundle's) and how many items
  the offer held (``bundle_of``; 1 = the item alone).
- Per-offer figures are the revenue divided by the offers, rounded half away from zero to the cent.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

SPLIT_RULE = (
    "a bundle offer's gross and net (after refunds) are split in equal shares among its media, the remainder "
    "cents to the first media id of the offer, so items add up to the offers' revenue exactly"
)

# what the consumers keep -------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaRecord:
    """A vault item's description (``media.uploaded`` is revision 0, ``media.updated`` its revision)."""

    creator_id: uuid.UUID
    media_id: uuid.UUID
    kind: str
    title: str
    tags: tuple[str, ...]
    deleted: bool
    revision: int


@dataclass(frozen=True)
class MediaOfferRecord:
    """An offer's media (in the offer's order) and, once unlocked, its unlock transaction."""

    creator_id: uuid.UUID
    offer_id: uuid.UUID
    media_ids: tuple[uuid.UUID, ...]
    unlock_transaction_id: uuid.UUID | None = None


@dataclass(frozen=True)
class OfferReversal:
    """A refund or chargeback whose ``ref`` names one of the inbox's offers."""

    creator_id: uuid.UUID
    transaction_id: uuid.UUID
    offer_id: uuid.UUID


@dataclass(frozen=True)
class SegmentChange:
    """A fan entered or left a segment at ``at``."""

    creator_id: uuid.UUID
    fan_id: uuid.UUID
    segment: str
    change: str
    at: datetime
    name: str


# what the report reads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferGroup:
    """``count`` offers alike in everything the report splits by (so one row stands for many copies of
    a mass message): media, currency, price, the fan's segments at offer time, unlocked or not, and
    revenue after reversals."""

    media_ids: tuple[uuid.UUID, ...]
    currency: str
    price_cents: int
    segments: tuple[str, ...]
    unlocked: bool
    gross_cents: int
    net_cents: int
    count: int = 1


@dataclass(frozen=True)
class MediaInfo:
    kind: str
    title: str
    tags: tuple[str, ...]
    deleted: bool


@dataclass
class Figures:
    offers: int = 0
    unlocks: int = 0
    gross_cents: int = 0
    net_cents: int = 0

    def add(self, offers: int, unlocks: int, gross: int, net: int) -> None:
        self.offers += offers
        self.unlocks += unlocks
        self.gross_cents += gross
        self.net_cents += net

    @property
    def unlock_rate(self) -> float | None:
        return round(self.unlocks / self.offers, 4) if self.offers else None

    @property
    def gross_per_offer_cents(self) -> int | None:
        return per_offer(self.gross_cents, self.offers)

    @property
    def net_per_offer_cents(self) -> int | None:
        return per_offer(self.net_cents, self.offers)


@dataclass
class SegmentRow:
    segment: str | None
    name: str | None
    figures: Figures


@dataclass
class PriceRow:
    price_cents: int
    bundle_of: int
    figures: Figures


@dataclass
class MediaRow:
    media_id: uuid.UUID
    currency: str
    info: MediaInfo | None
    figures: Figures
    bundle_offers: int
    by_segment: list[SegmentRow]
    by_price: list[PriceRow]

    def position(self) -> Position:
        f = self.figures
        return Position(f.net_cents, f.gross_cents, f.offers, self.currency, self.media_id)


@dataclass(frozen=True, order=True)
class Position:
    """An item's place in the report's order: net desc, gross desc, offers desc, currency, media id."""

    net_cents: int
    gross_cents: int
    offers: int
    currency: str
    media_id: uuid.UUID

    def key(self) -> tuple[int, int, int, str, str]:
        return (-self.net_cents, -self.gross_cents, -self.offers, self.currency, str(self.media_id))


@dataclass
class MediaReport:
    totals: dict[str, Figures]
    items: list[MediaRow]
    next_after: Position | None = None


@dataclass
class _Acc:
    figures: Figures = field(default_factory=Figures)
    bundle_offers: int = 0
    segments: dict[str | None, Figures] = field(default_factory=lambda: defaultdict(Figures))
    prices: dict[tuple[int, int], Figures] = field(default_factory=lambda: defaultdict(Figures))


# the computation ----------------------------------------------------------------------------------


def split(amount: int, parts: int) -> list[int]:
    """``amount`` in ``parts`` equal integer shares, the remainder to the first: they sum to it exactly
    (a negative amount splits like its opposite, negated)."""
    if parts < 1:
        raise ValueError("split into at least one part")
    q, r = divmod(abs(amount), parts)
    sign = -1 if amount < 0 else 1
    return [sign * (q + r if i == 0 else q) for i in range(parts)]


def per_offer(cents: int, offers: int) -> int | None:
    if not offers:
        return None
    return int((Decimal(cents) / Decimal(offers)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _distinct(ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    return list(dict.fromkeys(ids))


def media_report(
    groups: Sequence[OfferGroup],
    media: dict[uuid.UUID, MediaInfo],
    segment_names: dict[str, str],
    *,
    after: Position | None = None,
    limit: int | None = None,
) -> MediaReport:
    """Folds the offers into one row per (media, currency), sorted by net revenue (see the module);
    the page after ``after`` of at most ``limit`` rows, with totals per currency over every offer."""
    totals: dict[str, Figures] = defaultdict(Figures)
    accs: dict[tuple[uuid.UUID, str], _Acc] = defaultdict(_Acc)
    for g in groups:
        n, unlocks = g.count, g.count if g.unlocked else 0
        totals[g.currency].add(n, unlocks, g.gross_cents * n, g.net_cents * n)
        ids = _distinct(g.media_ids)
        gross, net = split(g.gross_cents, len(ids)), split(g.net_cents, len(ids))
        for i, media_id in enumerate(ids):
            acc = accs[(media_id, g.currency)]
            share = (n, unlocks, gross[i] * n, net[i] * n)
            acc.figures.add(*share)
            if len(ids) > 1:
                acc.bundle_offers += n
            for segment in g.segments or (None,):
                acc.segments[segment].add(*share)
            acc.prices[(g.price_cents, len(ids))].add(*share)
    rows = [
        MediaRow(
            media_id,
            currency,
            media.get(media_id),
            acc.figures,
            acc.bundle_offers,
            sorted(
                (SegmentRow(s, segment_names.get(s) if s else None, f) for s, f in acc.segments.items()),
                key=lambda r: (-r.figures.net_cents, -r.figures.offers, r.segment is None, r.segment or ""),
            ),
            [PriceRow(p, b, f) for (p, b), f in sorted(acc.prices.items())],
        )
        for (media_id, currency), acc in accs.items()
    ]
    rows.sort(key=lambda r: r.position().key())
    if after is not None:
        rows = [r for r in rows if r.position().key() > after.key()]
    more = limit is not None and len(rows) > limit
    page = rows[:limit] if limit is not None else rows
    return MediaReport(dict(sorted(totals.items())), page, page[-1].position() if more and page else None)
