"""Seeded generated series for the anomaly detectors: creators' hourly revenue and tracking links' days,
with injected anomalies and the truth the evaluation needs (:mod:`ai.anomaly_eval`).

A creator's expected sales per hour = base volume × weekday factor × a daily curve peaking in their
local evening (time zones with a daylight-saving change inside the series, so the detectors meet one)
× a gamma day-to-day wobble (CV 20 %, so counts are negative binomial, size 25); the amount of a sale is
drawn from a price list (4.99 to 49.99). Anomalies multiply the expected sales: drops to 0–30 % for
1–3 hours, spikes ×3–6 for 1–2 hours — a few in the evaluated weeks, one of each in the history (the
detector must not be thrown by the past ones). A link converts at 3–8 % with a daily wobble (Beta,
concentration 1500: a 5 % rate wobbles by about ±11 % from day to day); an injected drop multiplies
its rate by 0.3 (−70 %) for 1–2 days.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from ai.anomalies.evaluation import InjectedAnomaly, LinkScenario, RevenueScenario
from ai.anomalies.links import LinkDay
from ai.anomalies.revenue import HourlyRevenue

SALES_PER_HOUR = {"small": 0.3, "medium": 3.0, "large": 40.0}
CLICKS_PER_DAY = {"link_small": 40, "link_medium": 400, "link_large": 3000}
ZONES = ("Europe/Paris", "America/New_York", "Asia/Tokyo", "America/Sao_Paulo")
START = datetime(2026, 9, 14, tzinfo=UTC)  # 8 weeks: across the EU (25 Oct) and US (1 Nov) DST ends
WEEKDAY = np.array([0.85, 0.9, 0.95, 1.0, 1.1, 1.2, 1.0])
PRICES = np.array([499, 999, 1499, 1999, 2999, 4999])
PRICE_P = np.array([0.3, 0.25, 0.15, 0.12, 0.1, 0.08])
SALE_MEAN = float((PRICES * PRICE_P).sum())
SALE_VARIANCE = float((PRICES**2 * PRICE_P).sum()) - SALE_MEAN**2
WOBBLE = 25.0  # gamma shape of the hourly wobble: negative-binomial size of the counts
LINK_CONCENTRATION = 1500.0


def _starts(rng: np.random.Generator, lo: int, hi: int, count: int, gap: int) -> list[int]:
    """``count`` start indices in [lo, hi), at least ``gap`` apart."""
    chosen: list[int] = []
    while len(chosen) < count:
        s = int(rng.integers(lo, hi))
        if all(abs(s - c) >= gap for c in chosen):
            chosen.append(s)
    return sorted(chosen)


def normal_means(volume: str, seed: int, tz: str, weeks: int) -> np.ndarray:
    rng = np.random.default_rng([seed, 1])
    zone = ZoneInfo(tz)
    local = [(START + timedelta(hours=i)).astimezone(zone) for i in range(weeks * 168)]
    hour = np.array([t.hour for t in local], dtype=float)
    weekday = np.array([t.weekday() for t in local])
    peak = rng.uniform(18, 23)
    daily = 1 + 0.7 * np.cos(2 * math.pi * (hour - peak) / 24)
    return SALES_PER_HOUR[volume] * rng.uniform(0.8, 1.25) * daily * WEEKDAY[weekday]


def revenue_scenario(
    volume: str, seed: int, *, weeks: int = 8, eval_weeks: int = 2, drops: int = 3, spikes: int = 2
) -> RevenueScenario:
    rng = np.random.default_rng(seed)
    tz = ZONES[seed % len(ZONES)]
    n = weeks * 168
    means = normal_means(volume, seed, tz, weeks)
    eval_from = (weeks - eval_weeks) * 168
    factor = np.ones(n)
    injected: list[InjectedAnomaly] = []
    history_starts = _starts(rng, 3 * 168, eval_from - 4, 2, 12)
    window_starts = _starts(rng, eval_from, n - 4, drops + spikes, 8)
    plan = [("revenue_drop", history_starts[0]), ("revenue_spike", history_starts[1])]
    kinds = ["revenue_drop"] * drops + ["revenue_spike"] * spikes
    plan += zip(rng.permutation(kinds).tolist(), window_starts, strict=True)
    for kind, s in plan:
        if kind == "revenue_drop":
            length, f = int(rng.integers(1, 4)), float(rng.uniform(0.0, 0.3))
        else:
            length, f = int(rng.integers(1, 3)), float(rng.uniform(3.0, 6.0))
        factor[s : s + length] = f
        injected.append(
            InjectedAnomaly(
                kind=kind,  # type: ignore[arg-type]
                start=START + timedelta(hours=s),
                normal_means=tuple(float(m) for m in means[s : s + length]),
                factor=f,
                size=WOBBLE,
                mean_sale=SALE_MEAN,
                sale_variance=SALE_VARIANCE,
            )
        )
    sales = rng.poisson(means * factor * rng.gamma(WOBBLE, 1 / WOBBLE, n))
    amounts = rng.choice(PRICES, size=int(sales.sum()), p=PRICE_P)
    net = np.bincount(np.repeat(np.arange(n), sales), weights=amounts, minlength=n)
    hours = tuple(HourlyRevenue(START + timedelta(hours=i), int(sales[i]), int(net[i])) for i in range(n))
    return RevenueScenario(volume, tz, hours, START + timedelta(hours=eval_from), tuple(injected))


def link_scenario(volume: str, seed: int, *, days: int = 42, eval_days: int = 14, drops: int = 2) -> LinkScenario:
    rng = np.random.default_rng([seed, 2])
    first = date(2026, 9, 14)
    weekday = WEEKDAY[[(first + timedelta(days=i)).weekday() for i in range(days)]]
    clicks = rng.poisson(CLICKS_PER_DAY[volume] * weekday * rng.lognormal(0.0, 0.2, days))
    rate = float(rng.uniform(0.03, 0.08))
    factor = np.ones(days)
    injected: list[InjectedAnomaly] = []
    starts = _starts(rng, 10, days - eval_days - 2, 1, 1) + _starts(rng, days - eval_days, days - 2, drops, 4)
    for s in starts:
        length = int(rng.integers(1, 3))
        factor[s : s + length] = 0.3
        injected.append(
            InjectedAnomaly(
                kind="link_conversion_drop",
                start=first + timedelta(days=s),
                normal_means=tuple(float(c) * rate for c in clicks[s : s + length]),
                factor=0.3,
                size=LINK_CONCENTRATION,
                clicks=tuple(int(c) for c in clicks[s : s + length]),
            )
        )
    daily_rate = rng.beta(rate * LINK_CONCENTRATION, (1 - rate) * LINK_CONCENTRATION, days) * factor
    conversions = rng.binomial(clicks, daily_rate)
    link_days = tuple(LinkDay(first + timedelta(days=i), int(clicks[i]), int(conversions[i])) for i in range(days))
    return LinkScenario(volume, link_days, first + timedelta(days=days - eval_days), tuple(injected))


def all_scenarios(
    creators: dict[str, int] | None = None, links: int = 8, seed: int = 0
) -> list[RevenueScenario | LinkScenario]:
    """A handful of creators per volume (more small ones: their false alarms are the figure to
    bound) and a few links per volume; seeds fixed (``seed`` shifts them all)."""
    creators = creators or {"small": 10, "medium": 6, "large": 5}
    out: list[RevenueScenario | LinkScenario] = []
    for v, (volume, count) in enumerate(creators.items()):
        out += [revenue_scenario(volume, seed + 1000 * v + i) for i in range(count)]
    for v, volume in enumerate(CLICKS_PER_DAY):
        out += [link_scenario(volume, seed + 5000 + 100 * v + i) for i in range(links)]
    return out
