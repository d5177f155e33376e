"""A tracking link whose conversion rate fell today (issue 15 §3).

The method: the link's baseline conversion rate comes from its last ``days`` days (at least
``min_days`` with clicks, else no answer) as a Beta posterior (Jeffreys prior, Beta(½, ½), updated
with the clicks and conversions). Today's conversions, given today's clicks, then follow a
beta-binomial: the binomial luck of today plus the uncertainty of the baseline. Real rates also wobble
from day to day (the traffic's mix changes), so the posterior is never allowed to be tighter than the
past days' own spread says: when the daily rates vary more than binomial luck explains, the Beta's
concentration is capped at the value that reproduces that spread (the beta-binomial's
over-dispersion). Past days far out of line — an earlier drop — are left out of both the rate and
the spread, so one bad day neither lowers the baseline nor makes the link look erratic.

An alert is raised when today had at least ``min_clicks`` clicks (fewer say little) and the
probability of converting as few or fewer is below ``alpha``. With few clicks, or a link that rarely
converts, even a halved rate is within luck: no alert — that is what keeps a small link quiet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from .model import Anomaly, beta_binomial_pmf, score_of


@dataclass(frozen=True)
class LinkDay:
    day: date
    clicks: int
    conversions: int


@dataclass(frozen=True)
class _Baseline:
    clicks: int
    conversions: int
    days: int
    left_out: int
    concentration: float

    @property
    def rate(self) -> float:
        return (self.conversions + 0.5) / (self.clicks + 1.0)  # the Jeffreys posterior mean


def _baseline(past: Sequence[LinkDay]) -> _Baseline:
    """The link's normal rate and the Beta's concentration (a + b), from the days with clicks.

    Each day's rate is standardised by its binomial luck, ``z = (rate_day − rate) / sd``: about
    N(0, 1) if only luck moved it, wider if the rate itself wobbles. Days beyond 2.5 robust standard
    deviations (an earlier drop, a bot burst) are left out — of the rate and of the spread — the
    spread starting from the median absolute deviation and then re-measured on the kept days (three
    rounds). The concentration is the clicks seen, capped at what reproduces the kept days' spread
    (the beta-binomial's over-dispersion: variance factor 1 + (clicks − 1)·ρ, ρ = 1 / (a + b + 1))."""
    n = np.array([d.clicks for d in past if d.clicks > 0], dtype=float)
    k = np.minimum(np.array([max(d.conversions, 0) for d in past if d.clicks > 0], dtype=float), n)
    keep = np.ones(n.size, dtype=bool)
    dispersion = 1.0
    if n.size >= 3 and 0 < k.sum() < n.sum():
        spread = 0.0
        for round_ in range(3):
            rate = k[keep].sum() / n[keep].sum()
            if rate <= 0 or rate >= 1:
                break
            z = (k / n - rate) / np.sqrt(rate * (1 - rate) / n)
            centre = float(np.median(z[keep]))
            if round_ == 0:
                spread = 1.4826 * float(np.median(np.abs(z - centre)))
            keep = np.abs(z - centre) <= 2.5 * max(spread, 1.0)
            if keep.sum() < 3:
                keep[:] = True
                break
            spread = math.sqrt(float(z[keep].var(ddof=1)) / 0.9113)  # the variance a 2.5-sd cut keeps
        # a variance from a few weeks of days is itself noisy (relative error √(2/(m − 1))): only the
        # part of the spread beyond one such error is taken as the link's own wobble
        dispersion = spread * spread * (1 - math.sqrt(2 / max(int(keep.sum()) - 1, 2)))
    clicks, conversions = int(n[keep].sum()), int(k[keep].sum())
    concentration = clicks + 1.0
    mean_clicks = float(n[keep].mean()) if keep.any() else 0.0
    if dispersion > 1 and mean_clicks > 1:
        rho = min((dispersion - 1) / (mean_clicks - 1), 0.999)
        concentration = min(concentration, (1 - rho) / rho)
    return _Baseline(clicks, conversions, int(keep.sum()), int(n.size - keep.sum()), concentration)


def detect_link_conversion_drop(
    history: Sequence[LinkDay],
    today: LinkDay,
    *,
    days: int = 28,
    min_days: int = 7,
    min_clicks: int = 50,
    alpha: float = 1e-3,
) -> Anomaly | None:
    """A ``link_conversion_drop`` for ``today`` given the link's days before it, or None."""
    if today.clicks < min_clicks:
        return None
    since = today.day - timedelta(days=days)
    past = [d for d in history if since <= d.day < today.day]
    if sum(1 for d in past if d.clicks > 0) < min_days:
        return None
    base = _baseline(past)
    if base.clicks == 0:
        return None
    rate, concentration = base.rate, base.concentration
    pmf = beta_binomial_pmf(today.clicks, rate * concentration, (1 - rate) * concentration)
    cdf = np.cumsum(pmf)
    observed = min(max(today.conversions, 0), today.clicks)
    tail = float(min(cdf[observed], 1.0))
    expected = today.clicks * rate
    if tail >= alpha or observed >= expected:
        return None
    return Anomaly(
        kind="link_conversion_drop",
        observed=today.conversions,
        expected=round(expected),
        low=int(np.searchsorted(cdf, alpha)),
        high=int(np.searchsorted(cdf, 1 - alpha)),
        score=score_of(tail),
        evidence={
            "day": today.day.isoformat(),
            "clicks": today.clicks,
            "conversions": today.conversions,
            "conversion_rate": round(today.conversions / today.clicks, 4),
            "baseline_rate": round(rate, 4),
            "baseline_days": base.days,
            "baseline_days_left_out": base.left_out,
            "baseline_clicks": base.clicks,
            "baseline_conversions": base.conversions,
            "baseline_concentration": round(concentration, 1),
            "expected_conversions": round(expected, 1),
            "tail_probability": tail,
            "alpha": alpha,
        },
    )
