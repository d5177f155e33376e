"""From the pricing read model to suggestions: the report ``GET /v1/ai/pricing`` answers, and the
daily review that emits ``price.suggested`` when a scope's suggested price changes.

Scopes: PPV offers overall, per segment of the fan offered (whales, new, expiring, lapsed, others)
and per media kind (photo, video, bundle, mixed); the subscription price; the tip menu. Each scope is
computed from the creator's own counts over the period (90 days by default) with the pure math of
:mod:`.ppv`, :mod:`.subscription` and :mod:`.tips`; below their minimum samples a scope answers "not
enough data", never a guess.

* **Current price** of a PPV scope: the price of its most recent offer; of the subscription: the price
  of the most recent subscriber's.
* **Volume per 30 days**: the scope's offers (or tracking-link visitors) in the period, scaled to 30 days.
* **Subscription visitors by price**: each day's tracking-link clicks count for the price subscribers
  who came through a link paid that day (the price in force; the last one known on days without
  such a subscriber). Renewed and expired: that price's subscriptions whose first period ended.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from huntaze_events import PriceSuggested
from huntaze_service import Recurrence

from ..handlers import Uow
from .ppv import MIN_OFFERS, MIN_UNLOCKS, NotEnoughData, PriceSuggestion, suggest_ppv_price
from .response import PricePoint
from .subscription import MIN_SUBSCRIBED, MIN_VISITORS, SubscriptionPricePoint, suggest_subscription_price
from .tips import TipMenu, suggest_tip_menu

PERIOD_DAYS = 90
REVIEW = "pricing_review"
REVIEW_EVERY = "FREQ=DAILY"
FIRST_REVIEW_AFTER = timedelta(minutes=5)
ALL = "all"


@dataclass(frozen=True)
class OfferRow:
    segment: str
    media_kind: str
    price_cents: int
    offered: int
    unlocked: int
    last_offered_at: datetime


@dataclass(frozen=True)
class SubscriptionRow:
    started_at: datetime
    price_cents: int
    via_link: bool
    renewals: int
    expired: bool


@dataclass(frozen=True)
class PricingData:
    currency: str
    since: datetime
    until: datetime
    offers: tuple[OfferRow, ...] = ()
    tips: tuple[int, ...] = ()
    subscriptions: tuple[SubscriptionRow, ...] = ()
    clicks: dict[date, int] = field(default_factory=dict)

    @property
    def days(self) -> float:
        return max((self.until - self.since).total_seconds() / 86400, 1.0)


@dataclass(frozen=True)
class ScopeResult:
    scope: Literal["ppv", "subscription"]
    segment: str
    media_kind: str
    result: PriceSuggestion | NotEnoughData

    def key(self, creator_id: uuid.UUID) -> str:
        if self.scope == "subscription":
            return f"{creator_id}:subscription"
        return f"{creator_id}:ppv:{self.segment}:{self.media_kind}"


@dataclass(frozen=True)
class PricingReport:
    currency: str
    since: datetime
    until: datetime
    ppv: tuple[ScopeResult, ...]
    subscription: ScopeResult
    tips: TipMenu | NotEnoughData


def _ppv(data: PricingData, segment: str, kind: str, seed: int) -> ScopeResult:
    rows = [r for r in data.offers if segment in (ALL, r.segment) and kind in (ALL, r.media_kind)]
    by_price: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        by_price[r.price_cents][0] += r.offered
        by_price[r.price_cents][1] += r.unlocked
    points = [PricePoint(p, o, u) for p, (o, u) in sorted(by_price.items())]
    offered = sum(p.offered for p in points)
    if not rows:
        result: PriceSuggestion | NotEnoughData = NotEnoughData(
            "no paid offers in the period", {"offers": 0, "unlocks": 0}, {"offers": MIN_OFFERS, "unlocks": MIN_UNLOCKS}
        )
    else:
        current = max(rows, key=lambda r: r.last_offered_at).price_cents
        result = suggest_ppv_price(points, current_price_cents=current, currency=data.currency,
                                   offers_per_30d=round(offered * 30 / data.days), seed=seed,
                                   period=(data.since, data.until))  # fmt: skip
    return ScopeResult("ppv", segment, kind, result)


def subscription_points(data: PricingData) -> list[SubscriptionPricePoint]:
    """Visitors, link subscribers and ended first periods per price (see the module docstring)."""
    linked: dict[date, Counter[int]] = defaultdict(Counter)
    for s in data.subscriptions:
        if s.via_link:
            linked[s.started_at.date()][s.price_cents] += 1
    visitors: Counter[int] = Counter()
    in_force: int | None = None
    day, end = data.since.date(), data.until.date()
    while day <= end:
        if linked.get(day):
            in_force = linked[day].most_common(1)[0][0]
        if in_force is not None:
            visitors[in_force] += data.clicks.get(day, 0)
        day += timedelta(days=1)
    subscribed, renewed, expired = Counter[int](), Counter[int](), Counter[int]()
    for s in data.subscriptions:
        subscribed[s.price_cents] += int(s.via_link)
        renewed[s.price_cents] += int(s.renewals > 0)
        expired[s.price_cents] += int(s.expired and s.renewals == 0)
    prices = sorted(set(visitors) | set(subscribed))
    return [SubscriptionPricePoint(p, visitors[p], subscribed[p], renewed[p], expired[p]) for p in prices]


def _subscription(data: PricingData, seed: int) -> ScopeResult:
    if not data.subscriptions:
        nothing = NotEnoughData("no paid subscriptions in the period", {"visitors": 0, "subscribed": 0},
                                {"visitors": MIN_VISITORS, "subscribed": MIN_SUBSCRIBED})  # fmt: skip
        return ScopeResult("subscription", ALL, ALL, nothing)
    points = subscription_points(data)
    current = max(data.subscriptions, key=lambda s: s.started_at).price_cents
    visitors = sum(p.visitors for p in points)
    result = suggest_subscription_price(points, current_price_cents=current, currency=data.currency,
                                        visitors_per_30d=round(visitors * 30 / data.days), seed=seed,
                                        period=(data.since, data.until))  # fmt: skip
    return ScopeResult("subscription", ALL, ALL, result)


def build_report(data: PricingData, *, seed: int = 0) -> PricingReport:
    scopes = [(ALL, ALL)]
    scopes += [(s, ALL) for s in sorted({r.segment for r in data.offers})]
    scopes += [(ALL, k) for k in sorted({r.media_kind for r in data.offers} - {"unknown"})]
    return PricingReport(
        currency=data.currency,
        since=data.since,
        until=data.until,
        ppv=tuple(_ppv(data, s, k, seed) for s, k in scopes),
        subscription=_subscription(data, seed),
        tips=suggest_tip_menu(data.tips, currency=data.currency, period=(data.since, data.until)),
    )


async def report(uow: Uow, creator_id: uuid.UUID, *, currency: str | None, days: int, now: datetime) -> PricingReport:
    since = now - timedelta(days=days)
    currency = currency or await uow.repo.pricing_currency(creator_id, since) or "USD"
    data = await uow.repo.pricing_data(creator_id, currency, since, now)
    return await asyncio.to_thread(build_report, data)  # a few ms of numpy per scope: off the event loop


async def ensure_review(uow: Uow, creator_id: uuid.UUID, first_after: timedelta = FIRST_REVIEW_AFTER) -> None:
    """The creator's daily review is scheduled the first time priced data arrives for them."""
    if await uow.repo.start_pricing_review(creator_id, uow.now()):
        uow.schedule(REVIEW, key=str(creator_id), at=uow.now() + first_after, tenant=creator_id,
                     every=Recurrence(REVIEW_EVERY))  # fmt: skip


async def review(uow: Uow, creator_id: uuid.UUID) -> int:
    """Runs the report; emits ``price.suggested`` for each scope whose suggested price (or currency)
    changed since the last one (the timer recurs daily). Returns how many were emitted."""
    now = uow.now()
    found = await report(uow, creator_id, currency=None, days=PERIOD_DAYS, now=now)
    last = await uow.repo.last_suggestions(creator_id)
    emitted = 0
    for scope in (*found.ppv, found.subscription):
        s = scope.result
        if not isinstance(s, PriceSuggestion) or s.suggested_price_cents == s.current_price_cents:
            continue
        key = scope.key(creator_id)
        if last.get(key) == (s.suggested_price_cents, s.currency):
            continue
        await uow.repo.save_suggestion(creator_id, key, s.suggested_price_cents, s.currency, now)
        uow.emit(
            PriceSuggested(
                scope_key=key, scope=scope.scope, segment=scope.segment, media_kind=scope.media_kind,
                currency=s.currency, current_price_cents=s.current_price_cents,
                suggested_price_cents=s.suggested_price_cents, change_30d_cents=s.change_30d_cents,
                change_30d_low_cents=s.change_30d_low_cents, change_30d_high_cents=s.change_30d_high_cents,
                confidence=s.confidence, observations=_observations(s), period_start=found.since, period_end=found.until,
            ),
            creator_id=creator_id,
        )  # fmt: skip
        emitted += 1
    return emitted


def _observations(s: PriceSuggestion) -> int:
    evidence = s.evidence
    return int(getattr(evidence, "offers", None) or getattr(evidence, "visitors", 0))
