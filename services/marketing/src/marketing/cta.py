"""CTA tests (pure): one post published in 2–4 variants that differ only by their call-to-action line,
each with its own tracking link — which variant turns clicks into subscribers best?

The method is Bayesian A/B testing with Beta–Binomial posteriors: each variant's conversion rate
(subscribers ÷ people's clicks) has a Beta(1 + subscribers, 1 + clicks − subscribers) posterior under a
uniform prior; the probability that a variant is the best is the share of joint posterior draws in
which it has the highest rate, estimated by Monte Carlo with NumPy's random generator (``DRAWS``
draws, a fixed seed so the same counts give the same answer). A winner is declared only when every
variant has at least ``min_clicks`` people's clicks and one variant's probability to be best reaches
``WINNING_PROBABILITY``; below that the answer says how many clicks are still missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_VARIANTS, MAX_VARIANTS = 2, 4
LETTERS = "ABCD"
DRAWS = 20_000
WINNING_PROBABILITY = 0.95
LINK_PLACEHOLDER = "{link}"
"""In a variant's CTA line, replaced by its tracking link's public URL when the post is scheduled."""


@dataclass(frozen=True)
class Arm:
    clicks: int
    subscribers: int


@dataclass(frozen=True)
class Verdict:
    probabilities: tuple[float, ...]
    """Probability that each variant has the highest conversion rate (sums to 1)."""
    winner: int | None
    """Index of the declared winner (None: not yet)."""
    clicks_missing: int
    """People's clicks still needed before any winner may be declared (0: enough)."""


def probability_best(arms: Sequence[Arm], draws: int = DRAWS, seed: int = 12) -> tuple[float, ...]:
    rng = np.random.default_rng(seed)
    successes = np.array([min(a.subscribers, a.clicks) for a in arms], dtype=float)
    failures = np.array([max(a.clicks - a.subscribers, 0) for a in arms], dtype=float)
    samples = rng.beta(1.0 + successes, 1.0 + failures, size=(draws, len(arms)))
    best = np.bincount(samples.argmax(axis=1), minlength=len(arms))
    return tuple(round(float(n) / draws, 4) for n in best)


def verdict(arms: Sequence[Arm], min_clicks: int) -> Verdict:
    probabilities = probability_best(arms)
    missing = sum(max(min_clicks - a.clicks, 0) for a in arms)
    top = max(range(len(arms)), key=lambda i: probabilities[i])
    winner = top if missing == 0 and probabilities[top] >= WINNING_PROBABILITY else None
    return Verdict(probabilities, winner, missing)
