"""Precision and recall of the anomaly detectors on generated series (``pytest -s`` prints the table).

Small (≈0.3 sales/h), medium (≈3/h) and large (≈40/h) creators over 8 weeks — 6 of history, the
last 2 evaluated hour by hour — and tracking links of ≈40, 400 and 3 000 clicks a day over 6 weeks,
with injected drops, spikes and conversion falls (:mod:`.anomaly_data`). Recall counts only the
anomalies an oracle knowing the true rates could catch (:mod:`ai.anomaly_eval`): what cannot be
seen in a small account's hour is not held against the detector, and the small accounts' false
alarms — the "no alert storm" promise — are bounded on their own.
"""

from __future__ import annotations

import pytest

from ai.anomalies.evaluation import EvalReport, VolumeReport, evaluate

from .anomaly_data import all_scenarios

REVENUE = ("small", "medium", "large")
LINKS = ("link_small", "link_medium", "link_large")


@pytest.fixture(scope="module")
def report() -> EvalReport:
    result = evaluate(all_scenarios())
    print("\nanomaly detection on generated series (alerts at tail 1e-3 for drops, 1e-4 for spikes)")
    print(result.table())
    return result


def combined(report: EvalReport, names: tuple[str, ...]) -> tuple[float, float, int]:
    parts: list[VolumeReport] = [report.per_volume[n] for n in names]
    alerts = sum(p.alerts for p in parts)
    correct = sum(p.correct_alerts for p in parts)
    detectable = sum(p.true_anomalies for p in parts)
    recalled = sum(p.recalled for p in parts)
    return correct / alerts, recalled / detectable, detectable


def test_overall_precision_and_recall_on_detectable_anomalies(report: EvalReport) -> None:
    assert report.true_anomalies >= 20  # enough for the figures to mean something
    assert report.precision >= 0.9
    assert report.recall >= 0.9


def test_revenue_precision_and_recall_across_the_three_volumes(report: EvalReport) -> None:
    precision, recall, detectable = combined(report, REVENUE)
    assert detectable >= 10 and precision >= 0.9 and recall >= 0.9
    large = report.per_volume["large"]
    assert large.precision >= 0.9 and large.recall >= 0.9
    assert report.per_volume["medium"].precision >= 0.9


def test_no_alert_storm_on_small_accounts(report: EvalReport) -> None:
    small = report.per_volume["small"]
    assert small.true_anomalies == 0  # nothing in a 0.3-sales hour can be seen: not held against it
    assert small.false_alarms_per_4_weeks <= 1.0
    assert small.false_alarms <= small.series  # at most about one per account over the 2 weeks


def test_no_silence_on_large_accounts(report: EvalReport) -> None:
    large = report.per_volume["large"]
    assert large.recalled >= 0.9 * large.true_anomalies and large.true_anomalies >= 10
    assert large.false_alarms_per_4_weeks <= 1.0


def test_link_conversion_drops(report: EvalReport) -> None:
    precision, recall, detectable = combined(report, LINKS)
    assert detectable >= 5 and precision >= 0.9 and recall >= 0.9
    assert report.per_volume["link_small"].alerts == 0  # 40 clicks a day: below min_clicks
