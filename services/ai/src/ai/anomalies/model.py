"""What an anomaly is (:class:`Anomaly`) and the small distributions the detectors share.

The detectors themselves live next door: revenue per hour in :mod:`ai.anomaly_revenue`, a tracking
link's conversion rate in :mod:`ai.anomaly_links`. Both answer the same question — how improbable is
what we saw, under a model fitted to the creator's own past — and report it the same way: the
observed and expected values, the bounds outside which an alert is raised, the tail probability
(``score`` is ``-log10`` of it: 3 means one chance in a thousand), and the evidence a person needs to
trust the alert.

No scipy here: the few distributions needed are written out with the standard library and numpy —
a negative binomial (sales per hour: Poisson with a rate that itself varies), a beta-binomial
(conversions out of clicks when the rate is only known from the past), and the Wilson–Hilferty
approximation of the gamma distribution (a sum of sale amounts), accurate to a few per cent in the
tails used here and on the conservative side for the skewed sums of few sales.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from statistics import NormalDist
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np

AnomalyKind = Literal["revenue_drop", "revenue_spike", "link_conversion_drop"]
_STD_NORMAL = NormalDist()
_SQRT2 = math.sqrt(2.0)


@dataclass(frozen=True)
class Anomaly:
    """One alert. Revenue kinds: ``observed``/``expected``/``low``/``high`` in cents for the hour (or,
    for a drop, the run of ``evidence["hours"]`` hours ending with it); ``link_conversion_drop``: in
    conversions for the day. A drop has ``observed`` below ``low`` (a revenue drop also few sales:
    ``evidence["observed_sales"]``), a spike ``observed`` above ``high``. ``score`` is ``-log10`` of
    the model's probability of something at least as extreme (``evidence["tail_probability"]``):
    higher is more surprising."""

    kind: AnomalyKind
    observed: int
    expected: int
    low: int
    high: int
    score: float
    evidence: dict[str, object] = field(default_factory=dict)


def score_of(tail_probability: float) -> float:
    return round(-math.log10(max(tail_probability, 1e-300)), 2)


# --- normal and gamma ----------------------------------------------------------------------------


def normal_cdf(z: float) -> float:
    """Φ(z), precise far in the lower tail (erfc, not 1 + erf)."""
    return 0.5 * math.erfc(-z / _SQRT2)


def normal_quantile(q: float) -> float:
    return _STD_NORMAL.inv_cdf(min(max(q, 1e-15), 1 - 1e-15))


def _wh(shape: float) -> tuple[float, float]:
    return 1.0 - 1.0 / (9.0 * shape), 1.0 / (3.0 * math.sqrt(shape))


def gamma_cdf(x: float, shape: float, scale: float) -> float:
    """P(X ≤ x), X ~ Gamma(shape, scale), by Wilson–Hilferty: (X/mean)^(1/3) is nearly normal."""
    if x <= 0:
        return 0.0
    m, s = _wh(shape)
    return normal_cdf(((x / (shape * scale)) ** (1 / 3) - m) / s)


def gamma_sf(x: float, shape: float, scale: float) -> float:
    """P(X > x), computed on the upper tail directly (no 1 − cdf cancellation)."""
    if x <= 0:
        return 1.0
    m, s = _wh(shape)
    return normal_cdf(-((x / (shape * scale)) ** (1 / 3) - m) / s)


def gamma_quantile(q: float, shape: float, scale: float) -> float:
    m, s = _wh(shape)
    return shape * scale * max(0.0, m + s * normal_quantile(q)) ** 3


# --- negative binomial (mean, variance ≥ mean) ----------------------------------------------------


def nb_size(mean: float, variance: float) -> float:
    """The negative binomial's size r for a mean and a variance (Poisson when they are equal)."""
    extra = variance - mean
    return math.inf if extra <= 1e-12 * max(mean, 1.0) else mean * mean / extra


def nb_log_pmf(k: np.ndarray, mean: float, size: float) -> np.ndarray:
    k = np.asarray(k, dtype=float)
    if mean <= 0:
        return np.where(k == 0, 0.0, -np.inf)
    if math.isinf(size):
        lg = np.vectorize(math.lgamma)(k + 1)
        return -mean + k * math.log(mean) - lg
    lg = np.vectorize(math.lgamma)
    p = size / (size + mean)
    return lg(k + size) - math.lgamma(size) - lg(k + 1) + size * math.log(p) + k * math.log1p(-p)


def nb_cdf(k: int, mean: float, size: float) -> float:
    """P(N ≤ k)."""
    if k < 0:
        return 0.0
    return float(min(1.0, np.exp(nb_log_pmf(np.arange(k + 1), mean, size)).sum()))


def nb_sf(k: int, mean: float, size: float) -> float:
    """P(N ≥ k)."""
    return 1.0 if k <= 0 else max(0.0, 1.0 - nb_cdf(k - 1, mean, size))


def nb_p_zero(mean: float, size: float) -> float:
    if mean <= 0:
        return 1.0
    if math.isinf(size):
        return math.exp(-mean)
    return math.exp(-size * math.log1p(mean / size))


# --- an hour's revenue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RevenueDistribution:
    """An hour's revenue: a sum of ``N`` sales, ``N`` with the given mean and variance (negative
    binomial), each sale with the given mean and variance. P(no sale) is a point mass at zero;
    given at least one sale, revenue is taken as gamma with the exact conditional moments."""

    expected_sales: float
    sales_variance: float
    mean_sale: float
    sale_variance: float

    def _parts(self) -> tuple[float, float, float]:
        """P(no sale), and the gamma (shape, scale) of revenue given at least one sale."""
        lam = self.expected_sales
        p0 = nb_p_zero(lam, nb_size(lam, self.sales_variance))
        if lam <= 0 or p0 >= 1.0 or self.mean_sale <= 0:
            return 1.0, 1.0, 1.0
        mean = lam * self.mean_sale
        var = lam * self.sale_variance + self.mean_sale**2 * self.sales_variance
        m1 = mean / (1 - p0)
        v1 = max((var + mean * mean) / (1 - p0) - m1 * m1, 1e-9 * m1 * m1)
        return p0, m1 * m1 / v1, v1 / m1

    @property
    def expected_cents(self) -> float:
        return self.expected_sales * self.mean_sale

    def cdf(self, cents: float) -> float:
        """P(revenue ≤ cents)."""
        p0, shape, scale = self._parts()
        return p0 if cents <= 0 or p0 >= 1 else p0 + (1 - p0) * gamma_cdf(cents, shape, scale)

    def sf(self, cents: float) -> float:
        """P(revenue ≥ cents)."""
        p0, shape, scale = self._parts()
        return 1.0 if cents <= 0 else (0.0 if p0 >= 1 else (1 - p0) * gamma_sf(cents, shape, scale))

    def quantile(self, q: float) -> int:
        p0, shape, scale = self._parts()
        if q <= p0:
            return 0
        return int(math.ceil(gamma_quantile((q - p0) / (1 - p0), shape, scale)))

    def p_zero(self) -> float:
        return self._parts()[0]


# --- beta-binomial --------------------------------------------------------------------------------


def beta_binomial_pmf(n: int, a: float, b: float) -> np.ndarray:
    """P(X = 0..n), X ~ BetaBinomial(n, a, b), by the ratio of successive terms (vectorised)."""
    k = np.arange(n, dtype=float)
    log_ratio = np.log(n - k) - np.log(k + 1) + np.log(k + a) - np.log(n - k - 1 + b)
    log0 = math.lgamma(n + b) + math.lgamma(a + b) - math.lgamma(n + a + b) - math.lgamma(b)
    logs = np.concatenate(([log0], log0 + np.cumsum(log_ratio)))
    pmf = np.exp(logs - logs.max())
    return pmf / pmf.sum()


def binomial_pmf(n: int, p: float) -> np.ndarray:
    """P(X = 0..n), X ~ Binomial(n, p) (the beta-binomial's limit, used by the evaluation's oracle)."""
    k = np.arange(n + 1, dtype=float)
    if p <= 0 or p >= 1:
        return (k == (0 if p <= 0 else n)).astype(float)
    lg = np.vectorize(math.lgamma)
    logs = lg(n + 1.0) - lg(k + 1) - lg(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p)
    pmf = np.exp(logs - logs.max())
    return pmf / pmf.sum()


# --- a week of hours in local buckets (weekday × 24 + hour) ---------------------------------------

HOURS_PER_WEEK = 168


@lru_cache(maxsize=1 << 14)
def day_buckets(tz: str, epoch_day: int) -> np.ndarray:
    """The local bucket (weekday × 24 + hour) of each hour of one UTC day, in ``tz``."""
    zone = ZoneInfo(tz)
    out = np.empty(24, dtype=np.int64)
    for i in range(24):
        local = datetime.fromtimestamp((epoch_day * 24 + i) * 3600, UTC).astimezone(zone)
        out[i] = local.weekday() * 24 + local.hour
    out.flags.writeable = False
    return out


def local_buckets(tz: str, start_hour: int, count: int) -> np.ndarray:
    first, last = start_hour // 24, (start_hour + count - 1) // 24
    days = np.concatenate([day_buckets(tz, d) for d in range(first, last + 1)])
    return days[start_hour - first * 24 : start_hour - first * 24 + count]


def bucket_medians(buckets: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The median of ``values`` in each of the 168 buckets (vectorised: one sort)."""
    order = np.lexsort((values, buckets))
    counts = np.bincount(buckets, minlength=HOURS_PER_WEEK)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    ranked = values[order]
    top = max(ranked.size - 1, 0)
    lo = np.clip(starts + np.maximum(counts - 1, 0) // 2, 0, top)
    hi = np.clip(starts + counts // 2, 0, top)
    return np.where(counts > 0, (ranked[lo] + ranked[hi]) / 2, 0.0) if ranked.size else np.zeros(HOURS_PER_WEEK)


def pooled_extra_variance(buckets: np.ndarray, counts: np.ndarray) -> float:
    """δ in Var = μ + δμ²: Σ n_b (s²_b − μ_b) / Σ n_b μ_b² over the buckets seen twice or more."""
    nb = np.bincount(buckets, minlength=HOURS_PER_WEEK).astype(float)
    s1 = np.bincount(buckets, weights=counts, minlength=HOURS_PER_WEEK)
    s2 = np.bincount(buckets, weights=counts * counts, minlength=HOURS_PER_WEEK)
    ok = nb >= 2
    mu = s1[ok] / nb[ok]
    var = (s2[ok] - nb[ok] * mu * mu) / (nb[ok] - 1)
    denom = float((nb[ok] * mu * mu).sum())
    return float((nb[ok] * (var - mu)).sum()) / denom if denom > 0 else 0.0
