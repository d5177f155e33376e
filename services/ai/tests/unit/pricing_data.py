"""Synthetic sales where the revenue-maximising price is known.

A true curve ``p(x) = 1/(1+exp(-(a + b·ln(x in dollars))))`` (or any rate function) decides each fan's
unlock with a seeded binomial; the true best nice price is found by scanning the same candidate
grid the suggestion uses, so "within tolerance of the optimum" compares like with like.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ai.pricing.ppv import nice_prices
from ai.pricing.response import PricePoint
from ai.pricing.subscription import SubscriptionPricePoint

Rate = Callable[[int], float]


@dataclass(frozen=True)
class LogisticCurve:
    a: float
    b: float

    def __call__(self, price_cents: int) -> float:
        return 1 / (1 + math.exp(-(self.a + self.b * math.log(price_cents / 100))))


def exponential_curve(top: float, scale_cents: float) -> Rate:
    """A curve of another family (``top·exp(-x/scale)``, best price = ``scale``): checks robustness."""
    return lambda price: top * math.exp(-price / scale_cents)


def true_best(rate: Rate, floor_cents: int = 300, ceiling_cents: int = 20000) -> tuple[int, float]:
    """(best nice price, its revenue per offer in cents)."""
    return max(((p, p * rate(p)) for p in nice_prices(floor_cents, ceiling_cents)), key=lambda t: t[1])


def simulate_ppv(rate: Rate, prices: Sequence[int], offers_each: int, seed: int) -> list[PricePoint]:
    rng = np.random.default_rng(seed)
    return [PricePoint(p, offers_each, int(rng.binomial(offers_each, rate(p)))) for p in prices]


def subscription_value(conversion: Rate, renewal: Rate, price: int, horizon_months: int) -> float:
    """True revenue per visitor over the horizon: conversion × price × expected paid months."""
    r = renewal(price)
    return conversion(price) * price * sum(r**k for k in range(horizon_months))


def true_best_subscription(
    conversion: Rate, renewal: Rate, horizon_months: int, floor_cents: int, ceiling_cents: int
) -> tuple[int, float]:
    return max(
        (
            (p, subscription_value(conversion, renewal, p, horizon_months))
            for p in nice_prices(floor_cents, ceiling_cents)
        ),
        key=lambda t: t[1],
    )


def simulate_subscriptions(
    conversion: Rate, renewal: Rate, prices: Sequence[int], visitors_each: int, seed: int
) -> list[SubscriptionPricePoint]:
    rng = np.random.default_rng(seed)
    points = []
    for p in prices:
        subscribed = int(rng.binomial(visitors_each, conversion(p)))
        renewed = int(rng.binomial(subscribed, renewal(p)))
        points.append(SubscriptionPricePoint(p, visitors_each, subscribed, renewed, subscribed - renewed))
    return points
