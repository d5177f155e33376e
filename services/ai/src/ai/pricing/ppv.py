"""PPV price suggestions: a fitted price-response curve, its uncertainty, and the revenue it implies.

Pure math, no I/O (the curve itself is in :mod:`.response`): the caller aggregates the creator's PPV offers (per segment and media kind) into
:class:`PricePoint` counts and passes them in.

Method, in plain words:

1. **Price response.** The chance that a fan unlocks an offer at price ``x`` is a logistic regression
   ``p(x) = 1 / (1 + exp(-(a + b·z(x))))`` in one of two shapes: ``z = ln x`` ("log": fans react to
   relative steps, $5 → $10 is big and $50 → $55 is not; constant elasticity at low rates) or
   ``z = x`` ("linear": elasticity grows with price, as when demand falls off exponentially). Both are
   centred on the data for numerical stability. ``a`` and ``b`` are fitted by maximum likelihood on the
   binomial counts (Newton/IRLS, with a tiny ridge penalty so that a near-perfect separation does not
   run off to infinity); their covariance is the inverse of the (penalised) Fisher information.
2. **Uncertainty.** Parameter draws from ``N((a, b), covariance)`` of each shape, as many per shape as
   its likelihood weight (both have two parameters, so this is the BIC / Bayesian model-averaging
   weight): a shape the data cannot rule out still counts — measured on generated sales, keeping only
   the better-fitting shape once cost a third of the best revenue. Draws come from a seeded numpy
   Generator, so the same data give the same figures. Each draw gives revenue per 30 days at every
   candidate price; the suggested price has the highest *mean* revenue over the draws (the Bayes
   choice for a risk-neutral seller). The expected change is the mean over draws of
   ``revenue(suggested) − revenue(current)``, its interval the central ``confidence`` quantiles. The
   interval ignores the selection of the best candidate (winner's curse): on generated sales a 90 %
   interval held the true change in about 86 % of runs (services/ai/tests/unit/test_pricing_model.py).
3. **Revenue per 30 days** = ``offers_per_30d × p(x) × x``: the number of offers sent is assumed not
   to depend on the price (the creator keeps sending as many).
4. **Candidates** are "nice" prices (:func:`nice_prices`: whole dollars up to $50, $5 steps up to
   $100, $10 steps above), between ``price_floor_cents`` and ``price_ceiling_cents``, and never further
   than ``EXTRAPOLATE_DOWN ×`` the lowest / ``EXTRAPOLATE_UP ×`` the highest price actually offered:
   the curve is only trusted near the evidence. ``at_edge_of_evidence`` says the best candidate sits
   on that limit (revenue may keep rising beyond it: test a higher price to find out).
5. **Not enough data** (:class:`NotEnoughData`, never a guess) below ``MIN_OFFERS`` offers,
   ``MIN_UNLOCKS`` unlocks, or fewer than ``MIN_PRICE_POINTS`` distinct prices each offered at least
   ``MIN_OFFERS_PER_PRICE`` times; or when the counts do not vary enough to fit a curve.

Money: prices in integer minor units (cents; candidates assume 100 minor units per major unit).
Internal figures are floats; every money figure of the output is rounded to the nearest minor unit
(Python ``round``: half to even) only when the output is built.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from .response import DRAWS, FloatArray, PricePoint, sample_response

if TYPE_CHECKING:
    from .subscription import SubscriptionEvidence

MIN_OFFERS = 300
"""Fewest PPV offers (all prices together) a suggestion is made from."""
MIN_UNLOCKS = 20
"""Fewest unlocks: below it the unlock rate itself is too uncertain."""
MIN_PRICE_POINTS = 3
"""Fewest distinct prices (each offered ``MIN_OFFERS_PER_PRICE`` times): a curve needs several."""
MIN_OFFERS_PER_PRICE = 30
EXTRAPOLATE_UP = 1.5
"""Candidates go at most this many times above the highest price offered."""
EXTRAPOLATE_DOWN = 0.67
"""…and no lower than this share of the lowest price offered."""


@dataclass(frozen=True)
class NotEnoughData:
    """No suggestion: why, what the data have and what would be needed (same keys)."""

    reason: str
    have: dict[str, int]
    need: dict[str, int]


@dataclass(frozen=True)
class PpvEvidence:
    offers: int
    unlocks: int
    distinct_prices: int
    points: tuple[PricePoint, ...]
    period: tuple[datetime, datetime] | None = None
    """The period the counts cover, as given by the caller."""


@dataclass(frozen=True)
class PriceSuggestion:
    """A suggested price with its expected effect on revenue per 30 days (all money in minor units)."""

    suggested_price_cents: int
    current_price_cents: int
    currency: str
    revenue_30d_current_cents: int
    revenue_30d_suggested_cents: int
    change_30d_cents: int
    change_30d_low_cents: int
    change_30d_high_cents: int
    confidence: float
    rate_current: float
    """PPV: unlock rate; subscription: visitor → subscriber conversion, at the current price."""
    rate_suggested: float
    at_edge_of_evidence: bool
    evidence: PpvEvidence | SubscriptionEvidence
    """The data the suggestion was made from (counts per price, period)."""
    renewal_rate_current: float | None = None
    renewal_rate_suggested: float | None = None


def nice_prices(floor_cents: int, ceiling_cents: int) -> list[int]:
    """Whole dollars up to $50, then $5 steps up to $100, then $10 steps, within [floor, ceiling]."""
    prices: list[int] = []
    price = 100
    while price <= ceiling_cents:
        if price >= floor_cents:
            prices.append(price)
        price += 100 if price < 5000 else 500 if price < 10000 else 1000
    return prices


def candidate_prices(observed_cents: Sequence[int], floor_cents: int, ceiling_cents: int) -> list[int]:
    """The nice prices near the evidence (see the module docstring); never empty."""
    low = max(floor_cents, math.ceil(min(observed_cents) * EXTRAPOLATE_DOWN))
    high = min(ceiling_cents, math.floor(max(observed_cents) * EXTRAPOLATE_UP))
    grid = [p for p in nice_prices(floor_cents, ceiling_cents) if low <= p <= high]
    return grid or [min(max(sorted(observed_cents)[len(observed_cents) // 2], floor_cents), ceiling_cents)]


def at_evidence_edge(
    price_cents: int, grid: Sequence[int], observed_cents: Sequence[int], floor_cents: int, ceiling_cents: int
) -> bool:
    """The best candidate sits where the evidence (not the floor or ceiling) stopped the search."""
    if len(grid) < 2:
        return False
    if price_cents == grid[0]:
        return min(observed_cents) * EXTRAPOLATE_DOWN > floor_cents
    if price_cents == grid[-1]:
        return max(observed_cents) * EXTRAPOLATE_UP < ceiling_cents
    return False


@dataclass(frozen=True)
class Choice:
    """The Monte Carlo summary shared by the PPV and subscription suggestions (floats, cents)."""

    suggested_price_cents: int
    revenue_current: float
    revenue_suggested: float
    change: float
    change_low: float
    change_high: float


def choose(
    grid: Sequence[int],
    current_price_cents: int,
    revenue: Callable[[FloatArray], FloatArray],
    confidence: float,
) -> Choice:
    """``revenue(prices)`` gives revenue per 30 days per parameter draw: (draws, prices). The best
    candidate maximises the mean over draws; the change is summarised over the same draws."""
    prices = np.array([*grid, current_price_cents], dtype=float)
    values = revenue(prices)
    means = values[:, :-1].mean(axis=0)
    best = int(np.argmax(means))
    diff = values[:, best] - values[:, -1]
    tail = (1 - confidence) / 2
    low, high = np.quantile(diff, [tail, 1 - tail])
    return Choice(
        suggested_price_cents=int(grid[best]),
        revenue_current=float(values[:, -1].mean()),
        revenue_suggested=float(means[best]),
        change=float(diff.mean()),
        change_low=float(low),
        change_high=float(high),
    )


def check_arguments(current_price_cents: int, volume_per_30d: int, confidence: float, draws: int) -> None:
    if current_price_cents <= 0 or volume_per_30d < 0 or not 0 < confidence < 1 or draws < 1:
        raise ValueError("needs a positive current price, a volume ≥ 0, 0 < confidence < 1 and draws ≥ 1")


def suggest_ppv_price(
    points: Sequence[PricePoint],
    *,
    current_price_cents: int,
    offers_per_30d: int,
    currency: str,
    min_offers: int = MIN_OFFERS,
    min_unlocks: int = MIN_UNLOCKS,
    min_price_points: int = MIN_PRICE_POINTS,
    price_floor_cents: int = 300,
    price_ceiling_cents: int = 20000,
    confidence: float = 0.9,
    draws: int = DRAWS,
    seed: int = 0,
    period: tuple[datetime, datetime] | None = None,
) -> PriceSuggestion | NotEnoughData:
    """The PPV price that maximises expected revenue per 30 days for one segment and media kind.
    Free offers (price 0) are no price points and are left out; ValueError on impossible arguments."""
    check_arguments(current_price_cents, offers_per_30d, confidence, draws)
    points = [p for p in points if p.price_cents > 0]
    offers = sum(p.offered for p in points)
    unlocks = sum(p.unlocked for p in points)
    per_price: dict[int, int] = {}
    for p in points:
        per_price[p.price_cents] = per_price.get(p.price_cents, 0) + p.offered
    priced = sum(1 for count in per_price.values() if count >= MIN_OFFERS_PER_PRICE)
    have = {"offers": offers, "unlocks": unlocks, "distinct_prices": priced}
    need = {"offers": min_offers, "unlocks": min_unlocks, "distinct_prices": min_price_points}
    if offers < min_offers or unlocks < min_unlocks or priced < min_price_points:
        return NotEnoughData(
            f"needs {min_offers} offers with {min_unlocks} unlocks over {min_price_points} prices "
            f"(each offered {MIN_OFFERS_PER_PRICE} times or more)",
            have,
            need,
        )
    response = sample_response(points, draws, seed)
    if response is None:
        return NotEnoughData("the unlocks do not vary with price enough to fit a price curve", have, need)
    grid = candidate_prices(list(per_price), price_floor_cents, price_ceiling_cents)
    choice = choose(
        grid,
        current_price_cents,
        lambda prices: offers_per_30d * response.rates(prices) * prices[None, :],
        confidence,
    )
    return PriceSuggestion(
        suggested_price_cents=choice.suggested_price_cents,
        current_price_cents=current_price_cents,
        currency=currency,
        revenue_30d_current_cents=round(choice.revenue_current),
        revenue_30d_suggested_cents=round(choice.revenue_suggested),
        change_30d_cents=round(choice.change),
        change_30d_low_cents=round(choice.change_low),
        change_30d_high_cents=round(choice.change_high),
        confidence=confidence,
        rate_current=response.rate(current_price_cents),
        rate_suggested=response.rate(choice.suggested_price_cents),
        at_edge_of_evidence=at_evidence_edge(
            choice.suggested_price_cents, grid, list(per_price), price_floor_cents, price_ceiling_cents
        ),
        evidence=PpvEvidence(offers, unlocks, len(per_price), tuple(points), period),
    )
