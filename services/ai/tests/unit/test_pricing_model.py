"""PPV and subscription price suggestions on generated sales whose best price is known.

Tolerance, stated once: a suggestion is judged by the TRUE expected revenue at the suggested price
against the true optimum's (revenue curves are flat near their top, so a price 10 % off can cost
almost nothing, while revenue is what the creator cares about). Each scenario runs 20 seeds.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from ai.pricing.ppv import MIN_OFFERS, NotEnoughData, PpvEvidence, PriceSuggestion, nice_prices, suggest_ppv_price
from ai.pricing.response import PricePoint, fit_price_response
from ai.pricing.subscription import SubscriptionEvidence, SubscriptionPricePoint, suggest_subscription_price

from .pricing_data import (
    LogisticCurve,
    Rate,
    exponential_curve,
    simulate_ppv,
    simulate_subscriptions,
    subscription_value,
    true_best,
    true_best_subscription,
)

LOW = LogisticCurve(5.0, -2.8)  # best nice price $5
MID = LogisticCurve(5.5, -2.2)  # $11
HIGH = LogisticCurve(9.0, -2.6)  # $27
SEEDS = range(20)


def _around(best: int) -> list[int]:
    """Five tested prices around the optimum, from half to 1.6 times it (whole dollars)."""
    return [round(best * f / 100) * 100 for f in (0.5, 0.75, 1.0, 1.3, 1.6)]


def _revenue_ratios(rate: Rate, offers_each: int) -> list[float]:
    best, best_revenue = true_best(rate)
    prices = _around(best)
    ratios = []
    for seed in SEEDS:
        points = simulate_ppv(rate, prices, offers_each, seed)
        suggestion = suggest_ppv_price(
            points, current_price_cents=prices[0], offers_per_30d=1000, currency="USD", seed=seed
        )
        assert isinstance(suggestion, PriceSuggestion)
        price = suggestion.suggested_price_cents
        ratios.append(price * rate(price) / best_revenue)
    return ratios


def test_lots_of_data_every_suggestion_within_3_percent_of_the_optimum_revenue() -> None:
    for rate in (LOW, MID, HIGH):
        ratios = _revenue_ratios(rate, offers_each=2000)
        print(f"2000 offers/price, best {true_best(rate)[0]}: worst {min(ratios):.4f} mean {sum(ratios) / 20:.4f}")
        assert min(ratios) >= 0.97


def test_moderate_data_every_suggestion_within_5_percent_of_the_optimum_revenue() -> None:
    for rate in (LOW, MID, HIGH):
        ratios = _revenue_ratios(rate, offers_each=300)
        print(f"300 offers/price, best {true_best(rate)[0]}: worst {min(ratios):.4f} mean {sum(ratios) / 20:.4f}")
        assert min(ratios) >= 0.95


def test_few_data_suggestions_within_7_percent_worst_and_2_percent_on_average() -> None:
    for rate in (LOW, MID, HIGH):
        ratios = _revenue_ratios(rate, offers_each=80)
        print(f"80 offers/price, best {true_best(rate)[0]}: worst {min(ratios):.4f} mean {sum(ratios) / 20:.4f}")
        assert min(ratios) >= 0.93
        assert sum(ratios) / len(ratios) >= 0.98


def test_another_curve_family_lots_of_data_within_8_percent_worst_and_1_percent_on_average() -> None:
    """Demand that falls exponentially with price is not the logistic family the model assumes."""
    for rate in (exponential_curve(0.6, 1500), exponential_curve(0.4, 3000)):
        ratios = _revenue_ratios(rate, offers_each=2000)
        print(f"exponential, best {true_best(rate)[0]}: worst {min(ratios):.4f} mean {sum(ratios) / 20:.4f}")
        assert min(ratios) >= 0.92
        assert sum(ratios) / len(ratios) >= 0.99


def test_the_90_percent_interval_contains_the_true_change_in_at_least_80_percent_of_runs() -> None:
    """50 seeds on each of three curves, 300 offers per price, current price half the optimum."""
    covered = 0
    for rate in (LOW, MID, HIGH):
        prices = _around(true_best(rate)[0])
        current = prices[0]
        for seed in range(50):
            points = simulate_ppv(rate, prices, 300, seed)
            s = suggest_ppv_price(
                points, current_price_cents=current, offers_per_30d=1000, currency="USD", seed=seed, draws=2000
            )
            assert isinstance(s, PriceSuggestion)
            truth = 1000 * (s.suggested_price_cents * rate(s.suggested_price_cents) - current * rate(current))
            covered += s.change_30d_low_cents <= truth <= s.change_30d_high_cents
    print(f"coverage {covered}/150")
    assert covered >= 120


def test_the_suggestion_states_its_effect_and_evidence_in_whole_cents() -> None:
    period = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    points = simulate_ppv(MID, [600, 800, 1100, 1400, 1800], 400, seed=1)
    s = suggest_ppv_price(points, current_price_cents=600, offers_per_30d=900, currency="EUR", period=period)
    assert isinstance(s, PriceSuggestion)
    assert s.currency == "EUR"
    for value in (s.revenue_30d_current_cents, s.revenue_30d_suggested_cents, s.change_30d_cents):
        assert isinstance(value, int)
    assert s.change_30d_low_cents <= s.change_30d_cents <= s.change_30d_high_cents
    assert s.change_30d_cents > 0 and s.suggested_price_cents in nice_prices(300, 20000)
    assert s.rate_current > s.rate_suggested
    assert isinstance(s.evidence, PpvEvidence)
    assert s.evidence.offers == 2000 and s.evidence.distinct_prices == 5 and s.evidence.period == period
    assert s.evidence.unlocks == sum(p.unlocked for p in points)


def test_suggestions_stay_near_the_prices_actually_tried() -> None:
    """Revenue still rising at the highest price tried: the suggestion stops at 1.5 × it, and says so."""
    rate = LogisticCurve(1.0, -0.8)  # revenue rises with price everywhere
    s = suggest_ppv_price(
        simulate_ppv(rate, [500, 700, 1000], 500, seed=3), current_price_cents=700, offers_per_30d=100, currency="USD"
    )
    assert isinstance(s, PriceSuggestion)
    assert s.suggested_price_cents == 1500 and s.at_edge_of_evidence


def test_the_same_data_give_the_same_suggestion() -> None:
    points = simulate_ppv(HIGH, _around(2700), 200, seed=5)
    kwargs: dict[str, Any] = {"current_price_cents": 1400, "offers_per_30d": 500, "currency": "USD", "seed": 9}
    assert suggest_ppv_price(points, **kwargs) == suggest_ppv_price(points, **kwargs)


def test_not_enough_data_below_the_minimum_sample_rather_than_a_guess() -> None:
    few = [PricePoint(500, 60, 20), PricePoint(800, 60, 15), PricePoint(1200, 60, 9)]
    result = suggest_ppv_price(few, current_price_cents=500, offers_per_30d=100, currency="USD")
    assert isinstance(result, NotEnoughData)
    assert result.have["offers"] == 180 and result.need["offers"] == MIN_OFFERS

    one_price = [PricePoint(500, 1000, 300)]
    result = suggest_ppv_price(one_price, current_price_cents=500, offers_per_30d=100, currency="USD")
    assert isinstance(result, NotEnoughData) and result.have["distinct_prices"] == 1

    no_unlocks = [PricePoint(500, 200, 0), PricePoint(800, 200, 0), PricePoint(1200, 200, 0)]
    result = suggest_ppv_price(no_unlocks, current_price_cents=500, offers_per_30d=100, currency="USD")
    assert isinstance(result, NotEnoughData) and result.have["unlocks"] == 0


def test_the_fit_recovers_known_coefficients_and_refuses_what_cannot_be_fitted() -> None:
    prices = [400, 700, 1000, 1500, 2500]
    fit = fit_price_response(simulate_ppv(MID, prices, 20000, seed=2), shape="log")
    assert fit is not None
    intercept_at_center = MID.a + MID.b * (fit.center - math.log(100))
    assert abs(fit.slope - MID.b) < 3 * math.sqrt(fit.covariance[1][1])
    assert abs(fit.intercept - intercept_at_center) < 3 * math.sqrt(fit.covariance[0][0])
    assert fit_price_response([PricePoint(500, 100, 30), PricePoint(500, 50, 10)]) is None
    assert fit_price_response([PricePoint(500, 100, 100), PricePoint(900, 100, 100)]) is None


CONVERSION = LogisticCurve(2.0, -1.3)


def test_subscription_price_within_4_percent_on_average_12_worst_with_flat_or_falling_retention() -> None:
    """A month's visitors over 3 months; retention flat (best $12) or falling with price (best $6)."""
    for renewal in (lambda price: 0.6, lambda price: max(0.2, 0.8 - 0.2 * math.log(price / 500))):
        best, best_value = true_best_subscription(CONVERSION, renewal, 3, 500, 5000)
        ratios = []
        for seed in SEEDS:
            points = simulate_subscriptions(CONVERSION, renewal, [600, 900, 1400, 2000], 1000, seed)
            s = suggest_subscription_price(points, current_price_cents=900, visitors_per_30d=1000, currency="USD")
            assert isinstance(s, PriceSuggestion)
            ratios.append(subscription_value(CONVERSION, renewal, s.suggested_price_cents, 3) / best_value)
        print(f"subscription best {best}: worst {min(ratios):.4f} mean {sum(ratios) / 20:.4f}")
        assert min(ratios) >= 0.88
        assert sum(ratios) / len(ratios) >= 0.96


def test_subscription_suggestion_states_conversion_renewal_and_evidence() -> None:
    points = simulate_subscriptions(CONVERSION, lambda price: 0.6, [600, 900, 1400, 2000], 1000, seed=4)
    s = suggest_subscription_price(points, current_price_cents=600, visitors_per_30d=2000, currency="USD")
    assert isinstance(s, PriceSuggestion) and isinstance(s.evidence, SubscriptionEvidence)
    assert s.renewal_rate_current is not None and 0.5 < s.renewal_rate_current < 0.7
    assert s.change_30d_low_cents <= s.change_30d_cents <= s.change_30d_high_cents
    assert s.evidence.visitors == 4000 and s.evidence.horizon_months == 3


def test_subscription_not_enough_data_with_a_single_price_or_few_subscribers() -> None:
    single = [SubscriptionPricePoint(999, 5000, 400, 200, 100)]
    result = suggest_subscription_price(single, current_price_cents=999, visitors_per_30d=100, currency="USD")
    assert isinstance(result, NotEnoughData) and result.have["distinct_prices"] == 1
    few = [SubscriptionPricePoint(999, 300, 10, 3, 2), SubscriptionPricePoint(499, 300, 15, 5, 5)]
    result = suggest_subscription_price(few, current_price_cents=999, visitors_per_30d=100, currency="USD")
    assert isinstance(result, NotEnoughData)
    assert result.have == {"visitors": 600, "subscribed": 25, "ended_first_periods": 15, "distinct_prices": 2}


def test_impossible_arguments_are_refused_and_free_offers_left_out() -> None:
    points = simulate_ppv(MID, [600, 800, 1100], 200, seed=6)
    for bad in ({"current_price_cents": 0}, {"offers_per_30d": -1}, {"confidence": 1.0}):
        kwargs: dict[str, Any] = {"current_price_cents": 800, "offers_per_30d": 10, "currency": "USD", **bad}
        with pytest.raises(ValueError):
            suggest_ppv_price(points, **kwargs)
    with_free = [*points, PricePoint(0, 500, 400)]
    s = suggest_ppv_price(with_free, current_price_cents=800, offers_per_30d=10, currency="USD")
    assert isinstance(s, PriceSuggestion) and isinstance(s.evidence, PpvEvidence) and s.evidence.offers == 600
    trial = [
        *simulate_subscriptions(CONVERSION, lambda price: 0.6, [600, 1400], 1000, seed=1),
        SubscriptionPricePoint(0, 900, 300, 50, 200),
    ]
    sub = suggest_subscription_price(trial, current_price_cents=600, visitors_per_30d=10, currency="USD")
    assert isinstance(sub, PriceSuggestion) and isinstance(sub.evidence, SubscriptionEvidence)
    assert sub.evidence.visitors == 2000
