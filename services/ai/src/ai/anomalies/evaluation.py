"""Precision and recall of the anomaly detectors on generated series with injected anomalies.

A scenario is one creator's hourly revenue (or one tracking link's days) with the anomalies that were
injected into it and, for each, the *normal* expected counts of its hours (days) — what the generator
knows and the detector does not. Every hour (day) from ``evaluate_from`` on is passed to the detector
with all the series before it as history, as the service will do live.

* An **alert** is *correct* when it falls inside an injected anomaly of its direction (a drop alert
  during an injected drop, a spike alert during a spike) — for a drop alert on a run of hours, when
  the run overlaps the injected drop (the run is the claim); any other alert is a **false alarm**.
  ``precision`` = correct alerts / alerts.
* Not every injected anomaly can be seen, whatever the method: a drop of an hour in which the
  creator normally makes 0.3 sales, a link with 40 clicks a day. An injected anomaly is
  **detectable** — and only then counted in ``recall`` — when an *oracle* would catch at least one
  of its hours (days) with probability ≥ ``detectable_power`` (90 %). The oracle runs the detector's
  own test at the detector's own levels, but with the generator's true parameters instead of
  estimates: the hour's true normal sales, day-to-day wobble and sale amounts (for drops both tests,
  revenue and number of sales, must fire: the smaller of the two powers is taken), a link's true rate
  and wobble. For drops every run of 1..``run_hours`` hours inside the drop is a chance (taken as
  independent, which flatters the oracle; the detector's "every hour of a run in its own lowest
  10 %" is not required of it either), and only runs where the creator normally expects at least
  ``min_expected_sales`` (and an empty run has P < ``max_p_zero``) count — the detector's own rule.
  The detector has to estimate everything from the past, so a recall near the oracle's is the claim.
  ``recall`` = detectable anomalies with at least one correct alert / detectable anomalies.
* ``false_alarms_per_4_weeks`` per volume is the "no alert storm" figure: false alarms per series
  per 4 weeks evaluated. Undetectable anomalies caught anyway count as correct alerts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from .links import LinkDay, detect_link_conversion_drop
from .model import AnomalyKind, RevenueDistribution, beta_binomial_pmf, binomial_pmf, nb_cdf, nb_p_zero, nb_size
from .revenue import HourlyRevenue, detect_revenue_anomaly


@dataclass(frozen=True)
class InjectedAnomaly:
    """``start``: the first hour (revenue) or day (link); ``normal_means``: each hour's normal
    expected sales, or each day's expected conversions; ``factor``: what the rate was multiplied by.
    ``size``: the generator's negative-binomial size of sales counts, or a link's Beta concentration
    of its daily rate (inf: Poisson, binomial). ``clicks``: a link's clicks of each day. ``mean_sale``/``sale_variance``: the generator's amount of a sale."""

    kind: AnomalyKind
    start: datetime | date
    normal_means: tuple[float, ...]
    factor: float
    size: float = math.inf
    clicks: tuple[int, ...] = ()
    mean_sale: float = 0.0
    sale_variance: float = 0.0

    @property
    def length(self) -> int:
        return len(self.normal_means)


@dataclass(frozen=True)
class RevenueScenario:
    volume: str
    tz: str
    hours: tuple[HourlyRevenue, ...]  # contiguous, in order
    evaluate_from: datetime
    injected: tuple[InjectedAnomaly, ...]


@dataclass(frozen=True)
class LinkScenario:
    volume: str
    days: tuple[LinkDay, ...]  # contiguous, in order
    evaluate_from: date
    injected: tuple[InjectedAnomaly, ...]


@dataclass(frozen=True)
class VolumeReport:
    series: int
    weeks_evaluated: float
    alerts: int
    correct_alerts: int
    false_alarms: int
    injected: int
    true_anomalies: int  # the detectable ones
    recalled: int
    precision: float
    recall: float
    false_alarms_per_4_weeks: float  # per series


@dataclass(frozen=True)
class EvalReport:
    precision: float
    recall: float
    alerts: int
    true_anomalies: int
    false_alarms: int
    per_volume: dict[str, VolumeReport]

    def table(self) -> str:
        head = "volume  series weeks alerts correct false  injected detectable recalled precision recall FA/series/4w"
        rows = [head]
        for name, v in self.per_volume.items():
            rows.append(
                f"{name:7} {v.series:6} {v.weeks_evaluated:5.0f} {v.alerts:6} {v.correct_alerts:7} {v.false_alarms:5}"
                f"  {v.injected:8} {v.true_anomalies:10} {v.recalled:8} {v.precision:9.3f} {v.recall:6.3f}"
                f" {v.false_alarms_per_4_weeks:13.2f}"
            )
        rows.append(
            f"all: precision {self.precision:.3f}, recall {self.recall:.3f}, alerts {self.alerts}, "
            f"false alarms {self.false_alarms}, detectable anomalies {self.true_anomalies}"
        )
        return "\n".join(rows)


def _revenue_power(a: InjectedAnomaly, means: Sequence[float], spike_alpha: float, alpha: float) -> float:
    """The oracle's power on one hour (spikes) or one run of hours (drops), true parameters."""
    total = sum(means)
    variance = sum(m + m * m / a.size for m in means)
    normal = RevenueDistribution(total, variance, a.mean_sale, a.sale_variance)
    f = a.factor
    injected = RevenueDistribution(
        total * f, sum(m * f + (m * f) ** 2 / a.size for m in means), a.mean_sale, a.sale_variance
    )
    if a.kind == "revenue_spike":
        return injected.sf(normal.quantile(1 - spike_alpha) + 1)
    # a drop: revenue and the number of sales both low (the smaller power bounds the joint one)
    low = normal.quantile(alpha)
    size, size_injected = nb_size(total, variance), nb_size(injected.expected_sales, injected.sales_variance)
    k = -1
    while nb_cdf(k + 1, total, size) < alpha:
        k += 1
    return min(injected.cdf(low - 1) if low > 0 else 0.0, nb_cdf(k, injected.expected_sales, size_injected))


def _link_pmf(clicks: int, p: float, concentration: float) -> np.ndarray:
    if math.isinf(concentration) or p <= 0 or p >= 1:
        return binomial_pmf(clicks, p)
    return beta_binomial_pmf(clicks, p * concentration, (1 - p) * concentration)


def _power_link(clicks: int, conversions: float, factor: float, concentration: float, alpha: float) -> float:
    p = conversions / clicks if clicks else 0.0
    cdf = np.cumsum(_link_pmf(clicks, p, concentration))
    k = int(np.searchsorted(cdf, alpha)) - 1  # the largest count with P(X ≤ k) < alpha
    return float(np.cumsum(_link_pmf(clicks, p * factor, concentration))[k]) if k >= 0 else 0.0


def detectability(
    a: InjectedAnomaly,
    *,
    alpha: float,
    spike_alpha: float,
    link_alpha: float,
    min_expected_sales: float,
    max_p_zero: float,
    run_hours: int = 3,
) -> float:
    """The oracle's probability of catching ``a`` (see the module's docstring)."""
    miss = 1.0
    for i, mean in enumerate(a.normal_means):
        if a.kind == "revenue_drop":  # every run of 1..run_hours hours ending here, inside the drop
            for length in range(1, min(run_hours, i + 1) + 1):
                run = a.normal_means[i + 1 - length : i + 1]
                total = sum(run)
                busy = total >= min_expected_sales
                busy = busy and nb_p_zero(total, nb_size(total, sum(m + m * m / a.size for m in run))) < max_p_zero
                miss *= 1.0 - (_revenue_power(a, run, spike_alpha, alpha) if busy else 0.0)
        elif a.kind == "revenue_spike":
            miss *= 1.0 - (_revenue_power(a, (mean,), spike_alpha, alpha) if mean > 0 else 0.0)
        else:
            miss *= 1.0 - _power_link(a.clicks[i], mean, a.factor, a.size, link_alpha)
    return 1.0 - miss


def _step(a: InjectedAnomaly) -> timedelta:
    return timedelta(hours=1) if isinstance(a.start, datetime) else timedelta(days=1)


Alert = tuple[datetime | date, datetime | date, str]  # (hour or day, first hour of its run, kind)


def _covers(a: InjectedAnomaly, alert: Alert) -> bool:
    """The alert is about ``a``: same kind, and its hour — or for a drop, its run of hours — overlaps it."""
    moment, run_start, kind = alert
    if a.kind != kind or type(a.start) is not type(moment):
        return False
    return run_start < a.start + a.length * _step(a) and a.start <= moment  # type: ignore[operator]


def _alerts(
    scenario: RevenueScenario | LinkScenario,
    *,
    alpha: float,
    spike_alpha: float,
    link_alpha: float,
    min_expected_sales: float,
    max_p_zero: float,
    min_clicks: int,
    run_hours: int,
) -> tuple[list[Alert], int]:
    found: list[Alert] = []
    if isinstance(scenario, RevenueScenario):
        hours: Sequence[HourlyRevenue] = scenario.hours
        first = next(i for i, h in enumerate(hours) if h.hour_start >= scenario.evaluate_from)
        for i in range(first, len(hours)):
            hit = detect_revenue_anomaly(
                hours[max(0, i - 6 * 168 - run_hours) : i],  # the 6 weeks the detector reads, and the run
                hours[i],
                scenario.tz,
                alpha=alpha,
                spike_alpha=spike_alpha,
                min_expected_sales=min_expected_sales,
                max_p_zero=max_p_zero,
                run_hours=run_hours,
            )
            if hit is not None:
                run = timedelta(hours=int(hit.evidence.get("hours", 1)) - 1)  # type: ignore[call-overload]
                found.append((hours[i].hour_start, hours[i].hour_start - run, hit.kind))
        return found, len(hours) - first
    days: Sequence[LinkDay] = scenario.days
    first = next(i for i, d in enumerate(days) if d.day >= scenario.evaluate_from)
    for i in range(first, len(days)):
        link_hit = detect_link_conversion_drop(days[:i], days[i], alpha=link_alpha, min_clicks=min_clicks)
        if link_hit is not None:
            found.append((days[i].day, days[i].day, link_hit.kind))
    return found, (len(days) - first) * 24


def evaluate(
    scenarios: Iterable[RevenueScenario | LinkScenario],
    *,
    alpha: float = 1e-3,
    spike_alpha: float = 1e-4,
    link_alpha: float = 1e-3,
    min_expected_sales: float = 5.0,
    max_p_zero: float = 0.01,
    min_clicks: int = 50,
    run_hours: int = 3,
    detectable_power: float = 0.9,
) -> EvalReport:
    """Runs the detectors hour by hour (day by day) over every scenario and counts (module docstring)."""
    tallies: dict[str, list[float]] = {}
    for sc in scenarios:
        found, hours = _alerts(
            sc,
            alpha=alpha,
            spike_alpha=spike_alpha,
            link_alpha=link_alpha,
            min_expected_sales=min_expected_sales,
            max_p_zero=max_p_zero,
            min_clicks=min_clicks,
            run_hours=run_hours,
        )
        in_window = [a for a in sc.injected if a.start >= sc.evaluate_from]  # type: ignore[operator]
        correct = sum(1 for alert in found if any(_covers(a, alert) for a in sc.injected))
        detectable = [
            a
            for a in in_window
            if detectability(
                a,
                alpha=alpha,
                spike_alpha=spike_alpha,
                link_alpha=link_alpha,
                min_expected_sales=min_expected_sales,
                max_p_zero=max_p_zero,
                run_hours=run_hours,
            )
            >= detectable_power
        ]
        recalled = sum(1 for a in detectable if any(_covers(a, alert) for alert in found))
        t = tallies.setdefault(sc.volume, [0.0] * 7)
        for j, value in enumerate((1, hours / 168, len(found), correct, len(in_window), len(detectable), recalled)):
            t[j] += value
    per_volume: dict[str, VolumeReport] = {}
    for name, (series, weeks, alerts, correct, injected, detectable_n, recalled) in tallies.items():
        false_alarms = int(alerts - correct)
        per_volume[name] = VolumeReport(
            series=int(series),
            weeks_evaluated=weeks,
            alerts=int(alerts),
            correct_alerts=int(correct),
            false_alarms=false_alarms,
            injected=int(injected),
            true_anomalies=int(detectable_n),
            recalled=int(recalled),
            precision=correct / alerts if alerts else 1.0,
            recall=recalled / detectable_n if detectable_n else 1.0,
            false_alarms_per_4_weeks=false_alarms / weeks * 4 if weeks else 0.0,
        )
    alerts = sum(v.alerts for v in per_volume.values())
    correct_all = sum(v.correct_alerts for v in per_volume.values())
    true_anomalies = sum(v.true_anomalies for v in per_volume.values())
    recalled_all = sum(v.recalled for v in per_volume.values())
    return EvalReport(
        precision=correct_all / alerts if alerts else 1.0,
        recall=recalled_all / true_anomalies if true_anomalies else 1.0,
        alerts=alerts,
        true_anomalies=true_anomalies,
        false_alarms=alerts - correct_all,
        per_volume=per_volume,
    )
