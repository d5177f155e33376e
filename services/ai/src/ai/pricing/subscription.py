"""Subscription price suggestions: conversion of visitors and renewal of subscribers, by price.

Pure math, no I/O: the caller counts, per subscription price the creator has used (their regular
price, trials, discounted tracking links), the visitors who saw it (tracking-link clicks or trial
views), how many subscribed, and, of those whose first period has ended, how many renewed or expired.

Method, in plain words:

1. **Conversion** ``q(x)`` of a visitor at price ``x`` is fitted exactly like the PPV unlock rate
   (:func:`ai.pricing.response.fit_price_response`: logistic regression on log price, with the
   covariance of its coefficients).
2. **Retention.** Each price's renewal rate gets a Beta posterior
   ``Beta(k·r̄ + renewed, k·(1−r̄) + expired)``: the prior is centred on the creator's overall renewal
   rate ``r̄`` with the weight of ``k = RETENTION_PRIOR_STRENGTH`` subscribers, so a price with few
   ended subscriptions is pulled towards the overall rate instead of jumping around. Between observed
   prices the renewal rate is interpolated linearly in log price; beyond them it stays at the nearest
   observed price's rate.
3. **Revenue per 30 days** is what one month's visitors (``visitors_per_30d``) bring over
   ``horizon_months`` months: ``visitors × q(x) × x × (1 + r + r² + … + r^(H−1))`` — a subscriber
   pays the first month, then renews each month with probability ``r`` (geometric retention, the
   same rate every month). Existing subscribers are not modelled (their price is not what changes).
4. **Uncertainty, choice, candidates, rounding:** as for PPV (:mod:`ai.pricing.ppv`): draws of the
   conversion coefficients and of the renewal rates (seeded), the candidate with the best mean
   revenue, the change's central ``confidence`` interval, money rounded to cents at the end.
5. **Not enough data** below ``MIN_VISITORS`` visitors, ``MIN_SUBSCRIBED`` subscriptions,
   ``MIN_DECIDED`` ended first periods, or fewer than ``MIN_PRICE_POINTS`` prices each seen by
   ``MIN_VISITORS_PER_PRICE`` visitors. Two prices are the minimum here (many creators have a regular
   price and a trial or discount link), against three for PPV.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from .ppv import NotEnoughData, PriceSuggestion, at_evidence_edge, candidate_prices, check_arguments, choose
from .response import DRAWS, FloatArray, PricePoint, sample_response

MIN_VISITORS = 500
MIN_SUBSCRIBED = 30
MIN_DECIDED = 20
"""Fewest subscribers whose first period ended (renewed or expired): the renewal rate needs them."""
MIN_PRICE_POINTS = 2
MIN_VISITORS_PER_PRICE = 50
RETENTION_PRIOR_STRENGTH = 10.0


@dataclass(frozen=True)
class SubscriptionPricePoint:
    """What happened at one subscription price. ``renewed + expired`` are the subscribers whose first
    period has ended (the others are still in it)."""

    price_cents: int
    visitors: int
    subscribed: int
    renewed: int
    expired: int


@dataclass(frozen=True)
class SubscriptionEvidence:
    visitors: int
    subscribed: int
    renewed: int
    expired: int
    distinct_prices: int
    points: tuple[SubscriptionPricePoint, ...]
    horizon_months: int
    period: tuple[datetime, datetime] | None = None


@dataclass(frozen=True)
class _Retention:
    log_prices: FloatArray
    """Sorted log of the observed prices."""
    alpha: FloatArray
    beta: FloatArray

    def draws(self, n: int, seed: int, prices: FloatArray) -> FloatArray:
        """Renewal rate per draw and price: (draws, prices), interpolated in log price."""
        observed = np.random.default_rng(seed).beta(self.alpha, self.beta, size=(n, len(self.alpha)))
        return np.stack([np.interp(np.log(prices), self.log_prices, row) for row in observed])

    def mean(self, price_cents: int) -> float:
        return float(np.interp(math.log(price_cents), self.log_prices, self.alpha / (self.alpha + self.beta)))


def _retention(points: Sequence[SubscriptionPricePoint]) -> _Retention:
    by_price: dict[int, tuple[int, int]] = {}
    for p in points:
        renewed, expired = by_price.get(p.price_cents, (0, 0))
        by_price[p.price_cents] = (renewed + p.renewed, expired + p.expired)
    total_renewed = sum(r for r, _ in by_price.values())
    total_expired = sum(e for _, e in by_price.values())
    overall = (1 + total_renewed) / (2 + total_renewed + total_expired)
    prices = sorted(by_price)
    return _Retention(
        log_prices=np.log(np.array(prices, dtype=float)),
        alpha=np.array([RETENTION_PRIOR_STRENGTH * overall + by_price[p][0] for p in prices]),
        beta=np.array([RETENTION_PRIOR_STRENGTH * (1 - overall) + by_price[p][1] for p in prices]),
    )


def paid_months(renewal: FloatArray, horizon_months: int) -> FloatArray:
    """Expected months paid over the horizon: ``1 + r + … + r^(H−1)``."""
    return sum((renewal**k for k in range(horizon_months)), np.zeros_like(renewal))


def suggest_subscription_price(
    points: Sequence[SubscriptionPricePoint],
    *,
    current_price_cents: int,
    visitors_per_30d: int,
    currency: str,
    horizon_months: int = 3,
    min_visitors: int = MIN_VISITORS,
    min_subscribed: int = MIN_SUBSCRIBED,
    min_decided: int = MIN_DECIDED,
    min_price_points: int = MIN_PRICE_POINTS,
    price_floor_cents: int = 500,
    price_ceiling_cents: int = 5000,
    confidence: float = 0.9,
    draws: int = DRAWS,
    seed: int = 0,
    period: tuple[datetime, datetime] | None = None,
) -> PriceSuggestion | NotEnoughData:
    """The subscription price that maximises what a month's visitors pay over ``horizon_months``.
    Free trials (price 0) are no price points and are left out; ValueError on impossible arguments."""
    check_arguments(current_price_cents, visitors_per_30d, confidence, draws)
    if horizon_months < 1:
        raise ValueError("horizon_months must be at least 1")
    points = [p for p in points if p.price_cents > 0]
    visitors = sum(p.visitors for p in points)
    subscribed = sum(p.subscribed for p in points)
    renewed = sum(p.renewed for p in points)
    expired = sum(p.expired for p in points)
    per_price: dict[int, int] = {}
    for p in points:
        per_price[p.price_cents] = per_price.get(p.price_cents, 0) + p.visitors
    priced = sum(1 for count in per_price.values() if count >= MIN_VISITORS_PER_PRICE)
    have = {"visitors": visitors, "subscribed": subscribed, "ended_first_periods": renewed + expired}
    have["distinct_prices"] = priced
    need = {"visitors": min_visitors, "subscribed": min_subscribed, "ended_first_periods": min_decided}
    need["distinct_prices"] = min_price_points
    if any(have[key] < need[key] for key in need):
        return NotEnoughData(
            f"needs {min_visitors} visitors, {min_subscribed} subscriptions and {min_decided} ended first "
            f"periods over {min_price_points} prices (each seen by {MIN_VISITORS_PER_PRICE} visitors or more)",
            have,
            need,
        )
    response = sample_response([PricePoint(p.price_cents, p.visitors, p.subscribed) for p in points], draws, seed)
    if response is None:
        return NotEnoughData("subscriptions do not vary with price enough to fit a price curve", have, need)
    retention = _retention(points)
    grid = candidate_prices(list(per_price), price_floor_cents, price_ceiling_cents)

    def revenue(prices: FloatArray) -> FloatArray:
        months = paid_months(retention.draws(draws, seed + 1, prices), horizon_months)
        return visitors_per_30d * response.rates(prices) * prices[None, :] * months

    choice = choose(grid, current_price_cents, revenue, confidence)
    suggested = choice.suggested_price_cents
    return PriceSuggestion(
        suggested_price_cents=suggested,
        current_price_cents=current_price_cents,
        currency=currency,
        revenue_30d_current_cents=round(choice.revenue_current),
        revenue_30d_suggested_cents=round(choice.revenue_suggested),
        change_30d_cents=round(choice.change),
        change_30d_low_cents=round(choice.change_low),
        change_30d_high_cents=round(choice.change_high),
        confidence=confidence,
        rate_current=response.rate(current_price_cents),
        rate_suggested=response.rate(suggested),
        at_edge_of_evidence=at_evidence_edge(suggested, grid, list(per_price), price_floor_cents, price_ceiling_cents),
        evidence=SubscriptionEvidence(
            visitors, subscribed, renewed, expired, len(per_price), tuple(points), horizon_months, period
        ),
        renewal_rate_current=retention.mean(current_price_cents),
        renewal_rate_suggested=retention.mean(suggested),
    )
