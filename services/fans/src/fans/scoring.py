"""Churn risk and 90-day value of one fan, from recency, frequency, spend and subscription state (pure).

Why no library. Customer-base models of this kind exist as packages: ``lifetimes`` (BG/NBD, Pareto/NBD,
Gamma-Gamma) last released 0.11.3 in July 2020 and is no longer developed; ``btyd``, its fork, stopped at
a beta (0.1b3, November 2022); ``pymc-marketing`` is maintained but brings PyMC,
PyTensor and ArviZ (a compiler toolchain and hundreds of MB) into a CRM service. All three also *fit*
the population parameters by maximum likelihood or MCMC over all of a creator's fans, which is a batch
job, not something to run per profile request. So this module is a small closed-form model with the
standard library only (``math``): the Pareto/NBD model (Schmittlein, Morrison & Colombo 1987) with
population parameters set by hand instead of fitted, in its special case where the rate and dropout
priors share one scale, for which every quantity below has a closed form. A batch job could later fit
``PRIOR_PURCHASES``, ``PRIOR_DAYS`` and ``DROPOUT_SHAPE`` per creator; the formulas would stay.

The model. Times are in days. A fan with ``n >= 1`` purchases has ``x = n - 1`` repeat purchases, made
over ``t_x = last - first``, and has been a customer for ``T = now - first``.

* While "alive" a fan buys as a Poisson process of rate ``λ``; they stop paying for good ("die") at an
  exponential time of rate ``μ``. Across fans ``λ ~ Gamma(r, α)`` and ``μ ~ Gamma(s, α)``: ``r = 2``
  pseudo-purchases over ``α = 40`` days is a prior of one purchase per 20 days (a monthly subscription
  payment plus a paid message or tip every two months), so a one-purchase fan is not extreme;
  ``s = 0.35`` is a mean dropout rate ``s/α`` of one per ~115 days.
* Purchase rate while alive (shrunk toward the prior): ``E[λ] = (r + x) / (α + T)``.
* Probability alive from recency relative to that rate (Pareto/NBD, equal scales)::

      P_rfm = 1 / (1 + s / (r + s + x) · (((α + T) / (α + t_x)) ** (r + s + x) - 1))

  A long silence after frequent purchases makes the bracket large; a recent purchase makes it ~0.
* Subscription state and engagement multiply the odds ``P / (1 - P)`` by hand-set likelihood ratios:
  active with auto-renew on ×3; active with auto-renew off and ending within 30 days ×0.5; expired ×0.25;
  a message written after the last purchase ×(1 + e^(-days_since/10)), i.e. at most ×2.
  ``p_alive = odds / (1 + odds)``. A fan who never paid is a prospect: prior ``P = 0.1``, same ratios.
* Given alive, with ``r' = r + x`` and ``A = α + T``: ``λ`` and ``μ`` are independent Gammas of scale
  ``A``, so ``λ + μ ~ Gamma(r' + s, A)`` and ``λ / (λ + μ) ~ Beta(r', s)``, independent of each other.
  Hence the probability of no purchase within ``h = 30`` days is::

      P0 = s / (r' + s) + r' / (r' + s) · (A / (A + h)) ** (r' + s)

  When an auto-renewing subscription renews in ``d <= 30`` days, the renewal is a purchase that happens
  unless the fan leaves first, so ``P0 = s / (r' + s) · (1 - (A / (A + d)) ** (r' + s))``.
  ``churn_risk = 1 - p_alive · (1 - P0)``, clamped to [0, 1]: the probability of no payment in 30 days
  (how "stops paying within 30 days" is read, and what the tests measure).
* Expected purchases in the next ``t = 90`` days given alive:
  ``E[X] = r' / (s - 1) · (1 - (A / (A + t)) ** (s - 1))`` (``r' · ln((A + t) / A)`` when ``s = 1``).
* Value. Average net per purchase ``m = max(net_cents, 0) / n`` (creator net, refunds subtracted).
  Subscription payments are purchases, so they are already in ``x`` (the rate) and in ``m``: the
  purchase stream ``E[X] · m`` already forecasts renewals in the fan's past mix, and adding renewals on
  top would count them twice. The schedule of an active auto-renewing subscription (renewals at
  ``d_k = expiry + 30k <= 90`` days) is used instead as a *floor* of that stream, since the renewals are
  part of it: ``R = Σ_k (A / (A + d_k)) ** s`` expected renewals (probability still alive at each),
  valued at ``price · 0.8`` (the creator's share after the 20 % platform fee)::

      value_90d = p_alive · max(E[X] · m, R · price · 0.8)

  rounded to integer cents, never negative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

PRIOR_PURCHASES = 2.0
"""``r``: weight of the population prior, in pseudo-purchases."""
PRIOR_DAYS = 40.0
"""``α``: days over which the prior's pseudo-purchases are spread (prior rate r/α = one per 20 days)."""
DROPOUT_SHAPE = 0.35
"""``s``: shape of the dropout-rate prior (scale ``α``): mean dropout rate s/α = one per ~115 days."""
PROSPECT_ALIVE = 0.1
"""Prior probability that a fan who never paid is an active buyer."""
LR_AUTO_RENEW = 3.0
LR_ENDING_SOON = 0.5
LR_EXPIRED = 0.25
ENGAGEMENT_DAYS = 10.0
"""A message written after the last purchase multiplies the odds by ``1 + e^(-days/ENGAGEMENT_DAYS)``."""
CREATOR_SHARE = 0.8
"""What the creator keeps of a subscription price (the platform takes 20 %)."""
CHURN_DAYS = 30.0
VALUE_DAYS = 90.0
PERIOD_DAYS = 30.0
"""Length of a subscription period (prices are per 30 days)."""

_DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class FanHistory:
    """What the score reads of one fan (all amounts in integer cents, creator net)."""

    purchases: int
    """Number of paid purchases (sales, not refunds), including subscription payments."""
    first_purchase_at: datetime | None
    last_purchase_at: datetime | None
    net_cents: int
    """Lifetime net spend (what the creator earned, refunds subtracted)."""
    subscription_status: Literal["active", "expired", "none"]
    expires_at: datetime | None
    auto_renew: bool | None
    subscription_price_cents: int | None
    """Price per 30 days, as the fan pays it (before the platform fee)."""
    last_message_at: datetime | None
    """Last time the fan wrote (engagement)."""


@dataclass(frozen=True)
class Score:
    churn_risk: float
    """0..1: probability the fan makes no payment within the next 30 days."""
    value_90d_cents: int
    """Expected creator-net spend over the next 90 days, integer cents, never negative."""
    p_alive: float
    """0..1: probability the fan is still a paying fan now."""
    drivers: list[str]
    """Short human reasons: recency first, then subscription, then engagement."""


def _days(later: datetime, earlier: datetime) -> float:
    return max((later - earlier).total_seconds() / _DAY_SECONDS, 0.0)


def _n_days(days: float) -> str:
    whole = round(days)
    return "1 day" if whole == 1 else f"{whole} days"


def _alive_odds_from_recency(x: int, t_x: float, tenure: float) -> float:
    """Pareto/NBD odds of being alive, ``P / (1 - P)``, with equal rate and dropout scales."""
    exponent = PRIOR_PURCHASES + DROPOUT_SHAPE + x
    growth = exponent * math.log((PRIOR_DAYS + tenure) / (PRIOR_DAYS + t_x))
    if growth > 700.0:  # e^700 is near the float limit: this fan is certainly gone
        return 0.0
    dead_over_alive = DROPOUT_SHAPE / exponent * math.expm1(growth)
    return 1.0 / max(dead_over_alive, 1e-12)


def _still_alive(scale: float, days: float) -> float:
    """Probability that a fan alive now is still alive in ``days`` (``μ ~ Gamma(s, scale)``)."""
    return (scale / (scale + days)) ** DROPOUT_SHAPE


def _expected_purchases(rate_shape: float, scale: float, days: float) -> float:
    """Expected purchases in the next ``days`` of a fan alive now (deaths during the window included)."""
    if abs(DROPOUT_SHAPE - 1.0) < 1e-9:
        return rate_shape * math.log((scale + days) / scale)
    return rate_shape / (DROPOUT_SHAPE - 1.0) * (1.0 - (scale / (scale + days)) ** (DROPOUT_SHAPE - 1.0))


def score(history: FanHistory, now: datetime) -> Score:
    """Churn risk, 90-day value and probability alive of one fan at ``now`` (see the module docstring).

    All datetimes must be timezone-aware. Never raises on odd data: dates after ``now`` count as ``now``,
    a negative net spend as none, purchases without a date as no purchase."""
    h = history
    drivers: list[str] = []
    last = h.last_purchase_at if h.purchases > 0 else None
    if last is not None:
        first = min(h.first_purchase_at or last, last)
        x = h.purchases - 1
        tenure = _days(now, first)
        gap = _days(now, last)
        t_x = min(_days(last, first), tenure)
        odds = _alive_odds_from_recency(x, t_x, tenure)
        per_purchase = max(h.net_cents, 0) / h.purchases
        if x >= 1 and t_x > 0:
            usual = t_x / x
            every = f"usually every {round(usual)}" if usual >= 1.5 else "usually daily"
            if gap >= 7 and gap > 1.5 * usual:
                drivers.append(f"no purchase in {_n_days(gap)} ({every})")
            else:
                drivers.append(f"last purchase {_n_days(gap)} ago ({every})")
        else:
            drivers.append(f"one purchase, {_n_days(gap)} ago")
        if h.net_cents <= 0:
            drivers.append("refunds cancel out the spend")
    else:
        x, tenure = 0, 0.0
        odds = PROSPECT_ALIVE / (1.0 - PROSPECT_ALIVE)
        per_purchase = 0.0
        drivers.append("no purchase yet")

    renews_in: float | None = None
    if h.subscription_status == "active":
        left = _days(h.expires_at, now) if h.expires_at is not None else None
        if h.auto_renew:
            odds *= LR_AUTO_RENEW
            renews_in = left
            drivers.append(
                f"subscription renews in {_n_days(left)} (auto-renew on)" if left is not None else "auto-renew on"
            )
        elif h.auto_renew is False:
            if left is not None and left <= CHURN_DAYS:
                odds *= LR_ENDING_SOON
                drivers.append(f"auto-renew off: subscription ends in {_n_days(left)}")
            else:
                drivers.append("auto-renew off")
    elif h.subscription_status == "expired":
        odds *= LR_EXPIRED
        if h.expires_at is not None and h.expires_at <= now:
            drivers.append(f"subscription expired {_n_days(_days(now, h.expires_at))} ago")
        else:
            drivers.append("subscription expired")

    wrote = h.last_message_at
    if wrote is not None and (last is None or wrote > last):  # not yet told by a purchase that followed
        since = _days(now, wrote)
        odds *= 1.0 + math.exp(-since / ENGAGEMENT_DAYS)
        if since <= 2 * ENGAGEMENT_DAYS:
            drivers.append("wrote today" if round(since) == 0 else f"wrote {_n_days(since)} ago")

    p_alive = 1.0 if math.isinf(odds) else odds / (1.0 + odds)

    rate_shape = PRIOR_PURCHASES + x  # r'
    scale = PRIOR_DAYS + tenure  # A
    total_shape = rate_shape + DROPOUT_SHAPE
    if renews_in is not None and renews_in <= CHURN_DAYS:
        none_in_window = DROPOUT_SHAPE / total_shape * (1.0 - (scale / (scale + renews_in)) ** total_shape)
    else:
        none_in_window = (
            DROPOUT_SHAPE / total_shape + rate_shape / total_shape * (scale / (scale + CHURN_DAYS)) ** total_shape
        )
    churn_risk = min(max(1.0 - p_alive * (1.0 - none_in_window), 0.0), 1.0)

    expected = _expected_purchases(rate_shape, scale, VALUE_DAYS)
    renewals = 0.0
    renewal_cents = 0.0
    if renews_in is not None:
        price = h.subscription_price_cents
        renewal_cents = max(price, 0) * CREATOR_SHARE if price is not None else per_purchase
        due = renews_in
        while due <= VALUE_DAYS:
            renewals += _still_alive(scale, due)
            due += PERIOD_DAYS
    value = p_alive * max(expected * per_purchase, renewals * renewal_cents)
    value_cents = max(int(round(value)), 0)
    return Score(churn_risk=churn_risk, value_90d_cents=value_cents, p_alive=p_alive, drivers=drivers)
