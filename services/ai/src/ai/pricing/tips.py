"""A tip menu suggested from what fans actually tip.

Pure math, no I/O: the caller passes the amounts of the creator's past tips (one currency).

Method, in plain words: the tiers sit at quantiles of past tips (``TIER_QUANTILES``: the amount a
quarter of tips reach, half, three quarters, one in ten, one in thirty), each rounded to the nearest
"nice" amount (:func:`nice_tip`: whole dollars below $10, $5 steps below $50, $10 steps below $200,
$25 steps above) and never below ``floor_cents``. Equal tiers are merged; if fewer than
``MIN_TIERS`` remain (fans all tip about the same), the next nice amounts above the highest tier are
added, so the menu always offers something to reach for. Each tier says which share of past tips
were at or above it: a plain, checkable reading of "how many fans already tip this much".

Quantiles are robust: one huge tip does not drag the menu up (a mean-based menu would). No revenue effect
is claimed for a menu: tips alone cannot tell how a menu changes what fans give (that needs a test,
see :mod:`ai.price_experiments`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .ppv import NotEnoughData

MIN_TIPS = 20
"""Fewest past tips a menu is suggested from."""
MIN_TIERS = 3
MAX_TIERS = 5
TIER_QUANTILES = (0.25, 0.5, 0.75, 0.9, 0.967)


@dataclass(frozen=True)
class TipTier:
    amount_cents: int
    share_at_or_above: float
    """Share of past tips at or above this amount (0–1)."""
    tips_at_or_above: int


@dataclass(frozen=True)
class TipEvidence:
    tips: int
    median_cents: int
    largest_cents: int
    period: tuple[datetime, datetime] | None = None


@dataclass(frozen=True)
class TipMenu:
    currency: str
    tiers: tuple[TipTier, ...]
    """Increasing amounts, 3 to 5 of them."""
    evidence: TipEvidence


def _step(amount_cents: float) -> int:
    return 100 if amount_cents < 1000 else 500 if amount_cents < 5000 else 1000 if amount_cents < 20000 else 2500


def nice_tip(amount_cents: float) -> int:
    """The nearest nice amount (whole dollars below $10, $5 below $50, $10 below $200, then $25)."""
    step = _step(amount_cents)
    return max(step, int(math.floor(amount_cents / step + 0.5)) * step)


def next_nice_tip(amount_cents: int) -> int:
    """The nice amount after ``amount_cents`` (itself nice)."""
    return amount_cents + _step(amount_cents)


def _quantile(ordered: Sequence[int], q: float) -> float:
    """Linear-interpolation quantile of sorted values (numpy's default method)."""
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def suggest_tip_menu(
    tip_amounts_cents: Sequence[int],
    *,
    currency: str,
    min_tips: int = MIN_TIPS,
    floor_cents: int = 100,
    period: tuple[datetime, datetime] | None = None,
) -> TipMenu | NotEnoughData:
    """3–5 increasing nice tiers at quantiles of past tips, or NotEnoughData below ``min_tips``."""
    tips = sorted(amount for amount in tip_amounts_cents if amount > 0)
    if len(tips) < min_tips:
        return NotEnoughData(f"needs {min_tips} tips", {"tips": len(tips)}, {"tips": min_tips})
    amounts: list[int] = []
    for q in TIER_QUANTILES:
        amount = max(nice_tip(_quantile(tips, q)), nice_tip(floor_cents))
        if not amounts or amount > amounts[-1]:
            amounts.append(amount)
    while len(amounts) < MIN_TIERS:
        amounts.append(next_nice_tip(amounts[-1]))
    tiers = tuple(
        TipTier(amount, count / len(tips), count)
        for amount in amounts[:MAX_TIERS]
        for count in [sum(1 for tip in tips if tip >= amount)]
    )
    evidence = TipEvidence(len(tips), round(_quantile(tips, 0.5)), tips[-1], period)
    return TipMenu(currency, tiers, evidence)
