"""Marketing in money: rates, ROI only where the cost is in the report's currency, rows in order of
what they earned, and the best hours to post from subscribers, clicks and sales."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from analytics.conversion import CampaignRecord, ConversionFigures, best_times, rows

T = datetime(2026, 11, 2, tzinfo=UTC)


def campaign(cost: int, currency: str = "USD") -> CampaignRecord:
    return CampaignRecord(uuid.uuid4(), uuid.uuid4(), "Black Friday", cost, currency, T, T)


def test_rates_and_roi() -> None:
    found = rows(
        [
            ConversionFigures("x", 1000, 25, 100, 150_000, 120_000),
            ConversionFigures("a", 0, 0, 0, 0, 0, campaign(5_000)),
            ConversionFigures("b", 200, 0, 10, 10_000, 8_001, campaign(3_000)),
            ConversionFigures("c", 50, 0, 1, 5_000, 4_000, campaign(1_000, "EUR")),
            ConversionFigures(None, 10, 0, 0, 0, 0, campaign(0)),
        ],
        "USD",
    )
    assert [r.figures.key for r in found] == ["x", "b", "c", None, "a"]
    by = {r.figures.key: r for r in found}
    assert by["x"].conversion_rate == 0.1 and by["x"].roi is None
    assert by["b"].roi == Decimal("2.6670") and by["b"].conversion_rate == 0.05
    assert by["a"].conversion_rate is None and by["a"].roi == Decimal("0.0000")
    assert by["c"].roi is None  # a cost in EUR against a USD report
    assert by[None].roi is None  # a free campaign


def test_best_times_weigh_subscribers_clicks_and_sales() -> None:
    cells, best = best_times({(0, 9): 90, (4, 21): 10}, {(4, 21): 9, (0, 9): 1}, {(5, 22): 1_000})
    assert len(cells) == 168 and (cells[0].weekday, cells[0].hour) == (0, 0)
    assert [(c.weekday, c.hour) for c in best] == [(4, 21), (0, 9), (5, 22)]  # 0.475, 0.275, 0.25
    assert best[0].score == round(0.5 * 0.9 + 0.25 * 0.1, 6)
    assert best_times({}, {}, {}) == (best_times({}, {}, {})[0], [])
