"""Price tests on PPV offers or mass messages: random arms, a Bayesian readout, a stopping decision.

Pure math, no I/O: the caller records which arm each fan got (:func:`assign_arm`) and counts, per
arm, the offers sent and unlocked (:class:`ArmResult`).

**Assignment.** A fan's arm is ``sha256(experiment id ‖ fan id)`` read as a 256-bit number, modulo the
number of arms: uniform (a cryptographic hash; the modulo bias is below 2⁻²⁵⁰), independent between
experiments, and the same fan always lands in the same arm without storing anything.

**Readout.** Each arm's unlock rate has the posterior ``Beta(1 + unlocked, 1 + offered − unlocked)``
(a uniform prior). Its revenue per offer is ``rate × price``; ``draws`` Monte Carlo samples (seeded
numpy Generator) give, per arm, the probability that it has the highest revenue per offer
(``probability_best``) and its expected loss: the mean of ``best arm's revenue − this arm's`` over the
draws, i.e. what choosing it costs per offer if it is not the best. Revenue per offer and loss are
rates in cents per offer (floats, not money amounts); an interval on revenue per offer is the
central 90 % of its draws.

**Decision.**
- ``continue`` while an arm has fewer than ``min_offers_per_arm`` offers (no early call on a handful
  of sales), or while no arm is convincingly best;
- ``winner`` when the leading arm's ``probability_best`` reaches :func:`winner_threshold`: the
  threshold is ``decide_at`` at the planned maximum (``max_offers_per_arm``) and stricter before it
  (an O'Brien–Fleming-shaped boundary), because the readout is looked at again and again and every
  look is a chance for a lucky streak to "win";
- ``no_difference`` once every arm has ``max_offers_per_arm`` offers without a winner: the arms are
  too close to tell apart at that size; ``recommended`` is then the arm with the smallest expected
  loss (the cheapest choice whichever is truly best).

``decide_at`` defaults to 0.975, not 0.95: with two arms either one can falsely "win", so 0.975 makes a
5 % false-winner rate at a single look; with looks every 250 offers up to 5000 per arm the measured
A/A false-winner rate is 4–6 % (tests/unit/test_price_experiments.py), and a 30 % better arm is
found in every simulated run (40/40), after about 1375 offers per arm (median).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

from huntaze_events import arm_of

MIN_OFFERS_PER_ARM = 200
MAX_OFFERS_PER_ARM = 5000
DECIDE_AT = 0.975

Decision = Literal["continue", "winner", "no_difference"]


def assign_arm(experiment_id: uuid.UUID, fan_id: uuid.UUID, arms: int) -> int:
    """The fan's arm in ``range(arms)``: deterministic and uniform (see the module docstring). The rule
    is part of ``price_experiment.started``'s contract (:func:`huntaze_events.arm_of`): the inbox prices
    each fan with it."""
    return arm_of(experiment_id, fan_id, arms)


def winner_threshold(offers_per_arm: int, max_offers_per_arm: int, decide_at: float) -> float:
    """The ``probability_best`` an arm needs at this size: ``Φ(Φ⁻¹(decide_at) / √t)`` with ``t`` the
    share of the planned offers done (an O'Brien–Fleming-shaped boundary): demanding early, exactly
    ``decide_at`` at the planned maximum."""
    share = min(max(offers_per_arm / max_offers_per_arm, 1e-9), 1.0)
    normal = NormalDist()
    return normal.cdf(normal.inv_cdf(decide_at) / math.sqrt(share))


@dataclass(frozen=True)
class ArmResult:
    price_cents: int
    offered: int
    unlocked: int


@dataclass(frozen=True)
class ArmReadout:
    index: int
    price_cents: int
    offered: int
    unlocked: int
    unlock_rate: float
    """Posterior mean ``(1 + unlocked) / (2 + offered)``."""
    revenue_per_offer_cents: float
    """Posterior mean of ``rate × price`` (a rate, not a money amount)."""
    revenue_per_offer_low_cents: float
    revenue_per_offer_high_cents: float
    probability_best: float
    expected_loss_cents: float
    """Per offer: mean of (best arm's revenue − this arm's) over the draws."""


@dataclass(frozen=True)
class ExperimentReadout:
    arms: tuple[ArmReadout, ...]
    decision: Decision
    winner: int | None
    """Index of the winning arm when ``decision == "winner"``."""
    recommended: int
    """The winner, else the arm with the smallest expected loss."""
    decide_at: float
    threshold: float
    """The ``probability_best`` a winner needed at this size (:func:`winner_threshold`)."""
    min_offers_per_arm: int
    max_offers_per_arm: int
    draws: int


def compare_arms(
    arms: Sequence[ArmResult],
    *,
    draws: int = 20000,
    seed: int = 0,
    min_offers_per_arm: int = MIN_OFFERS_PER_ARM,
    max_offers_per_arm: int = MAX_OFFERS_PER_ARM,
    decide_at: float = DECIDE_AT,
) -> ExperimentReadout:
    """Reads a price test out (method and decision rule in the module docstring)."""
    if len(arms) < 2:
        raise ValueError("a test compares at least two arms")
    rng = np.random.default_rng(seed)
    unlocked = np.array([min(max(a.unlocked, 0), a.offered) for a in arms], dtype=float)
    offered = np.array([max(a.offered, 0) for a in arms], dtype=float)
    prices = np.array([a.price_cents for a in arms], dtype=float)
    rates = rng.beta(1 + unlocked, 1 + offered - unlocked, size=(draws, len(arms)))
    revenue = rates * prices[None, :]
    best = revenue.max(axis=1, keepdims=True)
    probability_best = np.bincount(revenue.argmax(axis=1), minlength=len(arms)) / draws
    loss = (best - revenue).mean(axis=0)
    mean_revenue = revenue.mean(axis=0)
    low, high = np.quantile(revenue, [0.05, 0.95], axis=0)
    readouts = tuple(
        ArmReadout(
            index=i,
            price_cents=arm.price_cents,
            offered=int(offered[i]),
            unlocked=int(unlocked[i]),
            unlock_rate=float((1 + unlocked[i]) / (2 + offered[i])),
            revenue_per_offer_cents=float(mean_revenue[i]),
            revenue_per_offer_low_cents=float(low[i]),
            revenue_per_offer_high_cents=float(high[i]),
            probability_best=float(probability_best[i]),
            expected_loss_cents=float(loss[i]),
        )
        for i, arm in enumerate(arms)
    )
    leader = int(np.argmax(probability_best))
    cheapest = int(np.argmin(loss))
    decision: Decision = "continue"
    winner: int | None = None
    threshold = winner_threshold(int(offered.min()), max_offers_per_arm, decide_at)
    if offered.min() >= min_offers_per_arm:
        if probability_best[leader] >= threshold:
            decision, winner = "winner", leader
        elif offered.min() >= max_offers_per_arm:
            decision = "no_difference"
    return ExperimentReadout(
        arms=readouts,
        decision=decision,
        winner=winner,
        recommended=winner if winner is not None else cheapest,
        decide_at=decide_at,
        threshold=threshold,
        min_offers_per_arm=min_offers_per_arm,
        max_offers_per_arm=max_offers_per_arm,
        draws=draws,
    )
