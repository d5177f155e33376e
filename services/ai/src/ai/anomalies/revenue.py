"""Revenue per hour against its expected range for that local weekday and hour (issue 15 §3).

The method, in plain words (every number is the creator's own):

1. **Buckets.** The last ``weeks`` whole weeks before the hour (at least ``min_weeks``, else no
   answer) are laid out hour by hour — an hour absent from the history had no sale — and each hour
   goes to its bucket: weekday × hour *in the creator's time zone*, so 21:00 stays 21:00 across a
   daylight-saving change (that week a bucket simply has one observation more or less).
2. **Expected sales.** The *count* of sales in the hour is what carries the signal, so it is modelled
   first. Two estimates of its mean are blended:
   the bucket's own past (its counts, winsorised around their median so that one outage or one
   frantic hour in the history does not move it much), and a smooth profile — the median weekly
   total (robust to one bad week) × the weekday's share × the hour-of-day's share. The blend is an
   empirical-Bayes posterior mean, ``(n·bucket_mean + κ·profile) / (n + κ)`` with κ pseudo-weeks.
3. **Noise that adapts to volume.** Counts are negative binomial: Poisson (so a creator expecting
   0.4 sales sees many empty hours without alarm) plus an extra, relative variance estimated from how
   much the buckets' counts vary between weeks beyond Poisson (floored at a 10 % hour-to-hour
   wobble), plus the uncertainty of the mean itself (fewer weeks, wider range). A small account
   therefore gets wide intervals, a large one narrow intervals — without any hand-set threshold per
   size.
4. **Revenue.** The amount of a sale has the creator's own mean and variance (estimated from hours,
   unbiased whatever the number of sales per hour). Revenue = a sum of sales, so its mean and
   variance follow exactly; its distribution is a point mass at zero (no sale: P(N = 0) from step 3)
   and, given at least one sale, a gamma with those moments. Quantiles and tails are analytic
   (Wilson–Hilferty): no simulation, the same answer every time.
5. **Alerts.** A *drop* is revenue below the ``alpha`` quantile *and* a number of sales below the
   count's ``alpha`` quantile (a few cheap sales in a normal number are not a drop; the score is the
   larger of the two tails) — only when the creator normally has at least ``min_expected_sales`` in
   the hours tested and an empty stretch would be improbable (P(zero) < ``max_p_zero``): silence only
   means something when sales were due. The hours tested are the hour itself, or a *run* of the last
   2..``run_hours`` hours (the earlier ones read from the history) whose every hour is among its own
   lowest 10 %: a medium account (≈3 sales/h) never expects enough in one hour for silence to mean
   anything, but a three-hour outage is visible. A *spike* is one hour's revenue above the
   ``1 − spike_alpha`` quantile; spikes are tested in every hour — including the many quiet hours of
   a small account, where two sales at 5 a.m. are already "improbable" — so they get the stricter
   level (10⁻⁴: under 0.07 false spikes expected in a month of hours). A history without any sale
   gives no alert (nothing to compare with).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from .model import (
    HOURS_PER_WEEK,
    Anomaly,
    AnomalyKind,
    RevenueDistribution,
    bucket_medians,
    local_buckets,
    nb_cdf,
    nb_size,
    pooled_extra_variance,
    score_of,
)

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_KAPPA = 3.0  # prior strength of the smooth profile, in weeks
_RUN_HOUR_TAIL = 0.1  # every hour of a run of low hours is in its own lowest 10 %
_MIN_EXTRA_VARIANCE = 0.01  # (10 %)² hour-to-hour wobble at least, whatever the history says


@dataclass(frozen=True)
class HourlyRevenue:
    hour_start: datetime  # UTC, timezone-aware, on the hour
    sales: int
    net_cents: int


@dataclass(frozen=True)
class ExpectedRange:
    """The expected revenue of one hour and the interval it should fall in (``confidence``)."""

    weekday: int  # local, Monday = 0
    hour: int  # local
    bucket: str  # "Tuesday 21:00 (Europe/Paris)"
    weeks: int
    expected_sales: float
    expected_cents: int
    low: int
    high: int
    confidence: float
    p_zero_sales: float
    mean_sale_cents: int


@dataclass(frozen=True)
class _Hour:
    """One target hour of a fit: its bucket, the bucket's past counts, its expected sales."""

    weekday: int
    hour: int
    bucket_counts: tuple[int, ...]
    expected_sales: float
    sales_variance: float
    observed_sales: int  # read from the history when the hour is in it (a run's earlier hours)
    observed_net: int


@dataclass(frozen=True)
class _Fit:
    weeks: int
    weekly_level: float
    mean_sale: float
    sale_variance: float
    hours: tuple[_Hour, ...]

    def revenue(self, first: int = 0, last: int | None = None) -> RevenueDistribution:
        """The revenue of target hours ``first..last`` together (hours independent given the model)."""
        part = self.hours[first : (len(self.hours) if last is None else last)]
        return RevenueDistribution(
            expected_sales=sum(h.expected_sales for h in part),
            sales_variance=sum(h.sales_variance for h in part),
            mean_sale=self.mean_sale,
            sale_variance=self.sale_variance,
        )


def _epoch_hour(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware (UTC)")
    return math.floor(moment.timestamp() / 3600)


def _fit(
    history: Sequence[HourlyRevenue], at: datetime, tz: str, weeks: int, min_weeks: int, span: int = 1
) -> _Fit | None:
    """The model fitted on the history before ``at``, for the ``span`` hours starting at ``at``."""
    at_hour = _epoch_hour(at)
    if history and (history[0].hour_start.tzinfo is None or history[-1].hour_start.tzinfo is None):
        raise ValueError("datetimes must be timezone-aware (UTC)")
    size = len(history)
    hours = np.floor(np.fromiter((r.hour_start.timestamp() for r in history), float, size) / 3600).astype(np.int64)
    past = hours < at_hour
    if not past.any():
        return None
    available = int(at_hour - hours[past].min()) // HOURS_PER_WEEK
    if available < min_weeks:
        return None
    n_weeks = min(weeks, available)
    start = at_hour - n_weeks * HOURS_PER_WEEK
    length = n_weeks * HOURS_PER_WEEK + span
    keep = (hours >= start) & (hours < start + length)
    index = hours[keep] - start
    all_sales = np.bincount(index, np.fromiter((r.sales for r in history), float, size)[keep], length)
    all_net = np.bincount(index, np.fromiter((r.net_cents for r in history), float, size)[keep], length)
    sales, net = all_sales[:-span], all_net[:-span]
    all_buckets = local_buckets(tz, start, length)
    buckets, targets = all_buckets[:-span], all_buckets[-span:]
    total = float(sales.sum())

    # the smooth profile: robust weekly level × weekday share × hour-of-day share
    level = float(np.median(sales.reshape(n_weeks, HOURS_PER_WEEK).sum(axis=1)))
    by_weekday = np.bincount(buckets // 24, weights=sales, minlength=7)
    by_hour = np.bincount(buckets % 24, weights=sales, minlength=24)

    # each bucket's counts winsorised around the bucket's median (an outage or a frantic hour in the
    # history moves nothing much); the extra variance between weeks, beyond Poisson, pooled over all
    # buckets on those winsorised counts — twice, the band following the estimate
    med = bucket_medians(buckets, sales)[buckets]
    extra = 0.05
    for _ in range(2):
        band = 3.5 * np.sqrt(med + extra * med * med) + 1.0
        clipped = np.clip(sales, med - band, med + band)
        extra = min(max(pooled_extra_variance(buckets, clipped), _MIN_EXTRA_VARIANCE), 1.0)

    # the amount of a sale: mean, and variance from E[(net − k·mean)² | k sales] = k·variance
    busy = sales > 0
    mean_sale = float(net[busy].sum() / total) if total > 0 else 0.0
    if busy.sum() >= 2:
        resid = net[busy] - sales[busy] * mean_sale
        sale_var = float((resid * resid).sum() / total) * busy.sum() / (busy.sum() - 1)
    else:
        sale_var = 0.0
    sale_var = max(sale_var, (0.05 * mean_sale) ** 2)

    # each target hour: the bucket's winsorised past blended with the smooth profile
    target_hours = []
    for i, target in enumerate(int(t) for t in targets):
        profile = level * (by_weekday[target // 24] + 1) / (total + 7) * (by_hour[target % 24] + 1) / (total + 24)
        mine = buckets == target
        n = int(mine.sum())
        lam = (float(clipped[mine].sum()) + _KAPPA * profile) / (n + _KAPPA) if total > 0 else 0.0
        target_hours.append(
            _Hour(
                weekday=target // 24,
                hour=target % 24,
                bucket_counts=tuple(int(c) for c in sales[mine]),
                expected_sales=lam,
                sales_variance=(lam + extra * lam * lam) * (1 + 1 / (n + _KAPPA)),
                observed_sales=int(all_sales[length - span + i]),
                observed_net=int(all_net[length - span + i]),
            )
        )
    return _Fit(n_weeks, level, mean_sale, sale_var, tuple(target_hours))


def _bucket_name(hour: _Hour, tz: str) -> str:
    return f"{_WEEKDAYS[hour.weekday]} {hour.hour:02d}:00 ({tz})"


def expected_range(
    history: Sequence[HourlyRevenue],
    at: datetime,
    tz: str,
    *,
    weeks: int = 6,
    min_weeks: int = 3,
    confidence: float = 0.99,
) -> ExpectedRange | None:
    """The expected revenue of the hour starting ``at`` and its central ``confidence`` interval,
    from the history strictly before it; None with fewer than ``min_weeks`` whole weeks of history."""
    fit = _fit(history, at, tz, weeks, min_weeks)
    if fit is None:
        return None
    dist, tail, target = fit.revenue(), (1 - confidence) / 2, fit.hours[0]
    return ExpectedRange(
        weekday=target.weekday,
        hour=target.hour,
        bucket=_bucket_name(target, tz),
        weeks=fit.weeks,
        expected_sales=round(dist.expected_sales, 3),
        expected_cents=round(dist.expected_cents),
        low=dist.quantile(tail),
        high=dist.quantile(1 - tail),
        confidence=confidence,
        p_zero_sales=dist.p_zero(),
        mean_sale_cents=round(dist.mean_sale),
    )


def _low_hour(h: _Hour) -> bool:
    """An hour of a run: its own sales among its lowest 10 % (a recovered hour ends the run)."""
    return nb_cdf(h.observed_sales, h.expected_sales, nb_size(h.expected_sales, h.sales_variance)) < _RUN_HOUR_TAIL


def _drop_tails(dist: RevenueDistribution, sales: int, net: int) -> tuple[float, float]:
    size = nb_size(dist.expected_sales, dist.sales_variance)
    return dist.cdf(max(net, 0)), nb_cdf(sales, dist.expected_sales, size)


def detect_revenue_anomaly(
    history: Sequence[HourlyRevenue],
    hour: HourlyRevenue,
    tz: str,
    *,
    weeks: int = 6,
    min_weeks: int = 3,
    alpha: float = 1e-3,
    spike_alpha: float = 1e-4,
    min_expected_sales: float = 5.0,
    max_p_zero: float = 0.01,
    run_hours: int = 3,
) -> Anomaly | None:
    """A ``revenue_drop`` or ``revenue_spike`` for ``hour`` given the history before it, or None.
    ``alpha``/``spike_alpha``: the tail probability under which an hour is a drop/spike. A drop may
    also be a run: the last 2..``run_hours`` hours together (the earlier ones read from ``history``),
    each of them among its own lowest 10 % — how a medium account's outage shows."""
    span = max(run_hours, 1)
    before = [r for r in history if r.hour_start < hour.hour_start]
    fit = _fit([*before, hour], hour.hour_start - timedelta(hours=span - 1), tz, weeks, min_weeks, span)
    if fit is None or fit.hours[-1].expected_sales <= 0:
        return None
    found: tuple[AnomalyKind, int, RevenueDistribution, float, float] | None = None
    for length in range(1, span + 1):
        run = fit.hours[span - length :]
        dist = fit.revenue(span - length)
        if dist.expected_sales < min_expected_sales or dist.p_zero() >= max_p_zero:
            continue
        if length > 1 and not all(_low_hour(h) for h in run):
            continue
        tail, sales_tail = _drop_tails(dist, sum(h.observed_sales for h in run), sum(h.observed_net for h in run))
        if max(tail, sales_tail) < alpha and (found is None or max(tail, sales_tail) < found[3]):
            found = ("revenue_drop", length, dist, max(tail, sales_tail), sales_tail)
    last = fit.revenue(span - 1)
    if found is None and hour.net_cents > last.expected_cents and (tail := last.sf(hour.net_cents)) < spike_alpha:
        sales_tail = 1.0 - nb_cdf(
            hour.sales - 1, last.expected_sales, nb_size(last.expected_sales, last.sales_variance)
        )
        found = ("revenue_spike", 1, last, tail, sales_tail)
    if found is None:
        return None
    kind, length, dist, tail, sales_tail = found
    run = fit.hours[span - length :]
    target = fit.hours[-1]
    return Anomaly(
        kind=kind,
        observed=sum(h.observed_net for h in run),
        expected=round(dist.expected_cents),
        low=dist.quantile(alpha),
        high=dist.quantile(1 - spike_alpha),
        score=score_of(tail),
        evidence={
            "bucket": _bucket_name(target, tz),
            "hour_start": hour.hour_start.isoformat(),
            "hours": length,
            "run_start": (hour.hour_start - timedelta(hours=length - 1)).isoformat(),
            "weeks_used": fit.weeks,
            "bucket_past_sales": list(target.bucket_counts),
            "weekly_level_sales": round(float(fit.weekly_level), 1),
            "expected_sales": round(float(dist.expected_sales), 2),
            "observed_sales": sum(h.observed_sales for h in run),
            "p_zero_sales": round(float(dist.p_zero()), 6),
            "mean_sale_cents": round(float(dist.mean_sale)),
            "tail_probability": float(tail),
            "sales_tail_probability": max(0.0, float(sales_tail)),
            "alpha": alpha if kind == "revenue_drop" else spike_alpha,
        },
    )
