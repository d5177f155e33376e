"""The anomaly detectors' math, function by function: the expected range of an hour's revenue for its
local weekday and hour (time zones, daylight saving, empty and all-zero histories, one huge sale),
drops and spikes and when silence means nothing, a tracking link's conversion drop, and the small
distributions underneath (checked against exact values)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from ai.anomalies.links import LinkDay, detect_link_conversion_drop
from ai.anomalies.model import (
    beta_binomial_pmf,
    binomial_pmf,
    gamma_cdf,
    gamma_quantile,
    gamma_sf,
    nb_cdf,
    nb_p_zero,
    score_of,
)
from ai.anomalies.revenue import HourlyRevenue, detect_revenue_anomaly, expected_range

from .anomaly_data import revenue_scenario

T0 = datetime(2026, 9, 14, tzinfo=UTC)


def steady(weeks: int, sales: int = 10, cents: int = 1000, *, start: datetime = T0) -> list[HourlyRevenue]:
    return [HourlyRevenue(start + timedelta(hours=i), sales, sales * cents) for i in range(weeks * 168)]


def split(scenario_hours: tuple[HourlyRevenue, ...], at: int) -> tuple[list[HourlyRevenue], HourlyRevenue]:
    return list(scenario_hours[:at]), scenario_hours[at]


# --- expected range -------------------------------------------------------------------------------


def test_no_range_and_no_alert_without_three_weeks_of_history() -> None:
    at = T0 + timedelta(weeks=6)
    assert expected_range([], at, "Europe/Paris") is None
    assert detect_revenue_anomaly([], HourlyRevenue(at, 0, 0), "Europe/Paris") is None
    short = steady(6)[-(3 * 168 - 1) :]
    assert expected_range(short, at, "Europe/Paris") is None
    assert expected_range(steady(6)[-3 * 168 :], at, "Europe/Paris") is not None


def test_history_at_or_after_the_hour_is_ignored() -> None:
    history = steady(8)
    at = T0 + timedelta(weeks=6)
    assert expected_range(history, at, "UTC") == expected_range(history[: 6 * 168], at, "UTC")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        expected_range(steady(4), datetime(2026, 10, 12, 10), "UTC")


def test_a_steady_creator_is_expected_where_they_are() -> None:
    r = expected_range(steady(6), T0 + timedelta(weeks=6, hours=5), "UTC")
    assert r is not None
    assert r.weeks == 6 and r.bucket == "Monday 05:00 (UTC)"
    assert r.expected_sales == pytest.approx(10, rel=0.01)
    assert r.expected_cents == pytest.approx(10_000, rel=0.01)
    assert r.low < 10_000 < r.high and r.p_zero_sales < 1e-3 and r.mean_sale_cents == 1000


def test_missing_hours_count_as_hours_without_sales() -> None:
    history = [h for h in steady(6) if (h.hour_start - T0).total_seconds() // 3600 % 24 != 3]
    r = expected_range(history, T0 + timedelta(weeks=6, hours=3), "UTC")
    assert r is not None and r.expected_sales < 1


def test_the_range_follows_the_local_hour_across_a_daylight_saving_change() -> None:
    """Sales only at 21:00 in Paris: after the clocks go back (25 Oct 2026) 21:00 is 20:00 UTC, not
    19:00 UTC — the expectation moves with the local hour."""
    history = []
    for i in range(8 * 168):
        moment = T0 + timedelta(hours=i)
        busy = moment.astimezone(ZoneInfo("Europe/Paris")).hour == 21
        history.append(HourlyRevenue(moment, 10 if busy else 0, 15_000 if busy else 0))
    after = datetime(2026, 10, 27, 20, tzinfo=UTC)  # Tuesday 21:00 CET
    at_21 = expected_range(history, after, "Europe/Paris")
    at_20 = expected_range(history, after - timedelta(hours=1), "Europe/Paris")
    assert at_21 is not None and at_20 is not None
    assert at_21.bucket == "Tuesday 21:00 (Europe/Paris)" and at_21.expected_sales > 8
    assert at_20.bucket == "Tuesday 20:00 (Europe/Paris)" and at_20.expected_sales < 1
    dropped = detect_revenue_anomaly(history, HourlyRevenue(after, 0, 0), "Europe/Paris")
    assert dropped is not None and dropped.kind == "revenue_drop"
    assert detect_revenue_anomaly(history, HourlyRevenue(after - timedelta(hours=1), 0, 0), "Europe/Paris") is None


def test_all_zero_history_expects_nothing_and_alerts_nothing() -> None:
    history = steady(5, sales=0)
    at = T0 + timedelta(weeks=5)
    r = expected_range(history, at, "UTC")
    assert r is not None and (r.expected_sales, r.expected_cents, r.low, r.high) == (0, 0, 0, 0)
    assert r.p_zero_sales == 1.0
    assert detect_revenue_anomaly(history, HourlyRevenue(at, 3, 5000), "UTC") is None


def test_the_range_is_deterministic() -> None:
    sc = revenue_scenario("medium", 7)
    history, hour = split(sc.hours, 7 * 168)
    assert expected_range(history, hour.hour_start, sc.tz) == expected_range(history, hour.hour_start, sc.tz)


def test_small_accounts_get_wide_ranges_and_large_ones_narrow() -> None:
    widths = {}
    for volume in ("small", "large"):
        sc = revenue_scenario(volume, 3)
        history, hour = split(sc.hours, 7 * 168 + 20)
        r = expected_range(history, hour.hour_start, sc.tz)
        assert r is not None
        widths[volume] = (r.high - r.low) / max(r.expected_cents, 1)
    assert widths["small"] > 3 * widths["large"]


# --- revenue drops and spikes ---------------------------------------------------------------------


def busiest_hour(volume: str, seed: int) -> tuple[list[HourlyRevenue], HourlyRevenue, str]:
    sc = revenue_scenario(volume, seed, drops=0, spikes=0)
    start = 7 * 168
    i = start + int(np.argmax([h.sales for h in sc.hours[start : start + 24]]))
    history, hour = split(sc.hours, i)
    return history, hour, sc.tz


def test_an_empty_busy_hour_is_a_drop_with_its_evidence() -> None:
    history, hour, tz = busiest_hour("large", 11)
    assert detect_revenue_anomaly(history, hour, tz) is None
    a = detect_revenue_anomaly(history, replace(hour, sales=0, net_cents=0), tz)
    assert a is not None and a.kind == "revenue_drop"
    assert a.observed == 0 < a.low < a.expected < a.high and a.score > 3
    ev = a.evidence
    assert ev["weeks_used"] == 6 and ev["observed_sales"] == 0 and float(ev["expected_sales"]) > 20  # type: ignore[arg-type]
    assert str(ev["bucket"]).endswith(f"({tz})") and len(ev["bucket_past_sales"]) >= 5  # type: ignore[arg-type]
    assert float(ev["tail_probability"]) < 1e-3  # type: ignore[arg-type]


def test_a_small_account_s_empty_hour_is_not_an_anomaly() -> None:
    history, hour, tz = busiest_hour("small", 12)
    assert detect_revenue_anomaly(history, replace(hour, sales=0, net_cents=0), tz) is None


def test_a_drop_needs_the_creator_to_expect_enough_sales() -> None:
    history, hour, tz = busiest_hour("large", 13)
    empty = replace(hour, sales=0, net_cents=0)
    assert detect_revenue_anomaly(history, empty, tz) is not None
    assert detect_revenue_anomaly(history, empty, tz, min_expected_sales=10_000) is None


def test_a_tripled_busy_hour_is_a_spike() -> None:
    history, hour, tz = busiest_hour("large", 14)
    a = detect_revenue_anomaly(history, replace(hour, sales=hour.sales * 4, net_cents=hour.net_cents * 4), tz)
    assert a is not None and a.kind == "revenue_spike" and a.observed > a.high > a.expected


def test_a_single_huge_sale() -> None:
    """One 2 000.00 purchase on a small account is a spike (one sale, far beyond their usual); one huge
    sale in the history widens the range but raises no false alarm afterwards."""
    history, hour, tz = busiest_hour("small", 15)
    whale = replace(hour, sales=1, net_cents=200_000)
    a = detect_revenue_anomaly(history, whale, tz)
    assert a is not None and a.kind == "revenue_spike" and a.evidence["observed_sales"] == 1
    before = expected_range(history, hour.hour_start, tz)
    history[-30] = replace(history[-30], sales=history[-30].sales + 1, net_cents=history[-30].net_cents + 200_000)
    after = expected_range(history, hour.hour_start, tz)
    assert before is not None and after is not None and after.high > before.high
    assert detect_revenue_anomaly(history, hour, tz) is None


def outage(volume: str, seed: int, hours: int) -> tuple[list[HourlyRevenue], HourlyRevenue, HourlyRevenue, str]:
    """A clean series cut at the busiest run of ``hours`` hours of a day: the history with the first
    hours of the run emptied, the last hour as it was, and the last hour emptied."""
    sc = revenue_scenario(volume, seed, drops=0, spikes=0)
    start = 7 * 168
    sums = [sum(h.sales for h in sc.hours[i : i + hours]) for i in range(start, start + 24)]
    first = start + int(np.argmax(sums))
    history = list(sc.hours[: first + hours - 1])
    for i in range(first, first + hours - 1):
        history[i] = replace(history[i], sales=0, net_cents=0)
    last = sc.hours[first + hours - 1]
    return history, last, replace(last, sales=0, net_cents=0), sc.tz


def test_a_three_hour_outage_on_a_medium_account_is_a_run_of_low_hours() -> None:
    history, _, empty, tz = outage("medium", 21, 3)
    assert detect_revenue_anomaly(history[:-2], history[-2], tz) is None  # one empty hour: nothing yet
    a = detect_revenue_anomaly(history, empty, tz)
    assert a is not None and a.kind == "revenue_drop" and a.observed == 0
    assert a.evidence["hours"] in (2, 3) and a.evidence["observed_sales"] == 0
    assert float(a.evidence["expected_sales"]) >= 5  # type: ignore[arg-type]
    assert a.evidence["run_start"] < a.evidence["hour_start"]  # type: ignore[operator]
    assert detect_revenue_anomaly(history, empty, tz, run_hours=1) is None


def test_a_recovered_hour_ends_the_run() -> None:
    history, last, _, tz = outage("medium", 22, 3)
    assert (
        detect_revenue_anomaly(history, replace(last, sales=last.sales + 3, net_cents=last.net_cents + 4000), tz)
        is None
    )


def test_low_and_high_are_the_alert_bounds() -> None:
    history, hour, tz = busiest_hour("large", 16)
    probe = detect_revenue_anomaly(history, replace(hour, sales=0, net_cents=0), tz)
    assert probe is not None
    just_in = replace(hour, sales=1, net_cents=probe.low + 1)
    just_out = replace(hour, sales=1, net_cents=probe.low - 2)
    assert detect_revenue_anomaly(history, just_in, tz) is None
    assert detect_revenue_anomaly(history, just_out, tz) is not None


def test_a_few_cheap_sales_in_a_normal_number_are_not_a_drop() -> None:
    history, hour, tz = busiest_hour("large", 17)
    probe = detect_revenue_anomaly(history, replace(hour, sales=0, net_cents=0), tz)
    assert probe is not None
    cheap = replace(hour, net_cents=probe.low - 1)  # the usual number of sales, far less money
    assert detect_revenue_anomaly(history, cheap, tz) is None


# --- tracking links -------------------------------------------------------------------------------


def link_days(n: int, clicks: int, rate: float, seed: int = 1) -> list[LinkDay]:
    rng = np.random.default_rng(seed)
    first = date(2026, 10, 1)
    return [LinkDay(first + timedelta(days=i), clicks, int(rng.binomial(clicks, rate))) for i in range(n)]


def test_a_link_converting_at_a_third_of_its_rate_is_flagged_with_evidence() -> None:
    days = link_days(29, 2000, 0.05)
    history, today = days[:-1], days[-1]
    assert detect_link_conversion_drop(history, today) is None
    a = detect_link_conversion_drop(history, replace(today, conversions=30))
    assert a is not None and a.kind == "link_conversion_drop"
    assert a.observed == 30 < a.low < a.expected < a.high and a.expected == pytest.approx(100, rel=0.1)
    assert a.evidence["baseline_days"] == 28 and a.evidence["clicks"] == 2000
    assert float(a.evidence["baseline_rate"]) == pytest.approx(0.05, rel=0.1)  # type: ignore[arg-type]


def test_few_clicks_or_little_history_say_nothing() -> None:
    days = link_days(29, 40, 0.05)
    assert detect_link_conversion_drop(days[:-1], replace(days[-1], conversions=0)) is None  # < min_clicks
    big = link_days(6, 2000, 0.05)
    assert detect_link_conversion_drop(big[:-1], replace(big[-1], conversions=0)) is None  # < 7 days
    assert detect_link_conversion_drop([], LinkDay(date(2026, 10, 1), 2000, 0)) is None


def test_a_link_that_never_converted_and_a_better_day_are_not_drops() -> None:
    never = link_days(29, 500, 0.0)
    assert detect_link_conversion_drop(never[:-1], never[-1]) is None
    days = link_days(29, 2000, 0.05)
    assert detect_link_conversion_drop(days[:-1], replace(days[-1], conversions=400)) is None


def test_a_past_bad_day_does_not_hide_todays_drop() -> None:
    days = link_days(29, 2000, 0.05, seed=4)
    days[10] = replace(days[10], conversions=5)
    a = detect_link_conversion_drop(days[:-1], replace(days[-1], conversions=35))
    assert a is not None


def test_an_erratic_link_needs_a_bigger_fall() -> None:
    rng = np.random.default_rng(5)
    first = date(2026, 10, 1)
    rates = rng.uniform(0.02, 0.08, 29)
    erratic = [LinkDay(first + timedelta(days=i), 2000, int(2000 * r)) for i, r in enumerate(rates)]
    steady_link = link_days(29, 2000, 0.05)
    today = LinkDay(first + timedelta(days=29), 2000, 55)
    assert detect_link_conversion_drop(steady_link, today) is not None
    assert detect_link_conversion_drop(erratic, today) is None


# --- the distributions ----------------------------------------------------------------------------


def test_wilson_hilferty_gamma_is_close_to_exact_tails() -> None:
    # shape 1 is the exponential: exact quantile −ln(1 − q)
    assert gamma_quantile(0.999, 1, 1) == pytest.approx(-math.log(0.001), rel=0.06)
    assert gamma_cdf(math.log(2), 1, 1) == pytest.approx(0.5, abs=0.01)
    # shape 50: close to exact (normal-ish), tails add to one
    x = gamma_quantile(0.01, 50, 2.0)
    assert gamma_cdf(x, 50, 2.0) == pytest.approx(0.01, rel=1e-6)
    assert gamma_cdf(x, 50, 2.0) + gamma_sf(x, 50, 2.0) == pytest.approx(1.0)
    assert gamma_cdf(0, 2, 1) == 0.0 and gamma_sf(0, 2, 1) == 1.0


def test_negative_binomial_reduces_to_poisson_and_widens_with_dispersion() -> None:
    poisson_cdf_2 = math.exp(-3) * (1 + 3 + 4.5)
    assert nb_cdf(2, 3.0, math.inf) == pytest.approx(poisson_cdf_2)
    assert nb_p_zero(3.0, math.inf) == pytest.approx(math.exp(-3))
    assert nb_p_zero(3.0, 2.0) > nb_p_zero(3.0, math.inf)
    assert nb_cdf(-1, 3.0, 2.0) == 0.0 and nb_cdf(1000, 3.0, 2.0) == pytest.approx(1.0)


def test_beta_binomial_and_binomial_pmfs() -> None:
    pmf = beta_binomial_pmf(50, 2.0, 38.0)
    assert pmf.sum() == pytest.approx(1.0) and (pmf * np.arange(51)).sum() == pytest.approx(50 * 2 / 40)
    b = binomial_pmf(10, 0.3)
    assert b[3] == pytest.approx(math.comb(10, 3) * 0.3**3 * 0.7**7)
    near = beta_binomial_pmf(10, 0.3e6, 0.7e6)
    assert np.allclose(near, b, atol=1e-5)
    assert score_of(1e-4) == 4.0
