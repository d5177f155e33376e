"""The churn and value score, on generated fans whose future is known, and on hand-made edge cases."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from fans.scoring import FanHistory, Score, score

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FANS = 2_000
FORECAST_TOLERANCE = 0.20
"""The mean 90-day forecast must be within ±20 % of the mean realised 90-day spend."""
MIN_AUC = 0.75
PRICES = (499, 999, 1499, 1999)


def at(days: float) -> datetime:
    return NOW + timedelta(days=days)


@dataclass
class SimulatedFan:
    history: FanHistory
    spend_next_90d: int
    paid_next_30d: bool


def simulate_fan(rng: random.Random) -> SimulatedFan:
    """One fan from acquisition to 90 days after NOW (days relative to NOW; NOW = 0).

    The fan "dies" (stops buying and cancels auto-renew) at an exponential time of a fan-specific rate
    (Gamma-distributed across fans, mean one per 150 days); while alive buys paid messages and tips as a
    Poisson process of a fan-specific rate (Gamma across fans, mean one per 20 days) and keeps a
    subscription renewed every 30 days: 55 % auto-renew, 15 % renew by hand (auto-renew off), 30 % follow a
    free page. 30 % of auto-renewing fans forget to cancel and pay one period more; 20 % of gone fans still
    write once. Amounts are creator net (80 % of gross), with 2 % of purchases refunded."""
    start = -rng.uniform(1.0, 365.0)
    death = start + rng.expovariate(rng.gammavariate(0.8, 1.0 / 0.8 / 150.0))
    rate = rng.gammavariate(1.2, 1.0 / 1.2 / 20.0)
    typical_gross = math.exp(rng.gauss(math.log(1200.0), 0.6))
    kind = rng.choices(("auto", "manual", "free"), weights=(55, 15, 30))[0]
    end = 90.0
    renewals: list[float] = []  # times of subscription payments
    payments: list[tuple[float, int]] = []
    price = rng.choice(PRICES)
    # some auto-renewing fans who stopped caring forget to cancel, and pay one more period
    cancels = death + (30.0 if kind == "auto" and rng.random() < 0.3 else 0.0)
    if kind != "free":
        t = start
        while t < min(cancels, end):
            renewals.append(t)
            payments.append((t, round(price * 0.8)))
            t += 30.0
    t = start + rng.expovariate(rate)
    while t < min(death, end):
        net = round(max(100.0, typical_gross * math.exp(rng.gauss(0.0, 0.4))) * 0.8)
        payments.append((t, net))
        if rng.random() < 0.02:
            payments.append((t, -net))
        t += rng.expovariate(rate)
    past = [(t, c) for t, c in payments if t <= 0.0]
    sales = [t for t, c in past if c > 0]
    if kind == "free":
        status, auto_renew, price_cents, expires_at = "none", None, None, None
    else:
        paid_until = max(t for t in renewals if t <= 0.0) + 30.0  # the first payment is at start < 0
        status = "active" if paid_until > 0.0 else "expired"
        auto_renew = kind == "auto" and cancels > 0.0
        price_cents, expires_at = price, at(paid_until)
    last_message = min(death, 0.0) - rng.expovariate(1.0 / 4.0)
    if death < 0.0 and rng.random() < 0.2:  # a gone fan still writes once in a while
        last_message = rng.uniform(death, 0.0)
    history = FanHistory(
        purchases=len(sales),
        first_purchase_at=at(min(sales)) if sales else None,
        last_purchase_at=at(max(sales)) if sales else None,
        net_cents=sum(c for _, c in past),
        subscription_status=status,  # type: ignore[arg-type]
        expires_at=expires_at,
        auto_renew=auto_renew,
        subscription_price_cents=price_cents,
        last_message_at=at(last_message) if last_message >= start else None,
    )
    future = [(t, c) for t, c in payments if 0.0 < t <= 90.0]
    return SimulatedFan(
        history=history,
        spend_next_90d=sum(c for _, c in future),
        paid_next_30d=any(c > 0 and t <= 30.0 for t, c in future),
    )


def auc(scores: list[float], positives: list[bool]) -> float:
    """Probability that a random positive outscores a random negative (ties count half): Mann-Whitney."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    n_pos = sum(positives)
    n_neg = len(positives) - n_pos
    rank_sum = sum(r for r, p in zip(ranks, positives, strict=True) if p)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


@pytest.fixture(scope="module")
def population() -> list[tuple[SimulatedFan, Score]]:
    rng = random.Random(20261101)
    fans = [simulate_fan(rng) for _ in range(FANS)]
    return [(fan, score(fan.history, NOW)) for fan in fans]


def test_auc_helper() -> None:
    assert auc([0.1, 0.2, 0.3, 0.4], [False, False, True, True]) == 1.0
    assert auc([0.4, 0.3, 0.2, 0.1], [False, False, True, True]) == 0.0
    assert auc([0.5, 0.5], [True, False]) == 0.5


def test_mean_forecast_is_within_tolerance_of_realised_spend(population) -> None:
    forecast = sum(s.value_90d_cents for _, s in population) / len(population)
    realised = sum(f.spend_next_90d for f, _ in population) / len(population)
    bias = forecast / realised - 1.0
    print(f"forecast {forecast:.0f} c, realised {realised:.0f} c, bias {bias:+.1%}")
    assert abs(bias) <= FORECAST_TOLERANCE


def test_churn_risk_discriminates_fans_who_do_not_pay_in_30_days(population) -> None:
    value = auc([s.churn_risk for _, s in population], [not f.paid_next_30d for f, _ in population])
    print(f"AUC {value:.3f}")
    assert value >= MIN_AUC


def test_churn_risk_is_roughly_calibrated(population) -> None:
    predicted = sum(s.churn_risk for _, s in population) / len(population)
    observed = sum(not f.paid_next_30d for f, _ in population) / len(population)
    print(f"mean churn risk {predicted:.3f}, observed {observed:.3f}")
    assert abs(predicted - observed) <= 0.10


def test_bounds_hold_on_every_generated_fan(population) -> None:
    for _, s in population:
        assert 0.0 <= s.churn_risk <= 1.0
        assert 0.0 <= s.p_alive <= 1.0
        assert type(s.value_90d_cents) is int and s.value_90d_cents >= 0
        assert s.drivers and all(isinstance(d, str) for d in s.drivers)


def test_recency_alone_discriminates_fans_without_a_subscription(population) -> None:
    free = [(f, s) for f, s in population if f.history.subscription_status == "none"]
    value = auc([s.churn_risk for _, s in free], [not f.paid_next_30d for f, _ in free])
    print(f"AUC without subscription {value:.3f} over {len(free)} fans")
    assert value >= MIN_AUC


# --- hand-made fans ---------------------------------------------------------------------------------


def fan(**changes) -> FanHistory:
    """Bought 10 times over 200 days (last 5 days ago), 250 € net, no subscription, never wrote."""
    base = FanHistory(
        purchases=10,
        first_purchase_at=at(-200),
        last_purchase_at=at(-5),
        net_cents=25_000,
        subscription_status="none",
        expires_at=None,
        auto_renew=None,
        subscription_price_cents=None,
        last_message_at=None,
    )
    return replace(base, **changes)


def subscribed(status: str, auto_renew: bool | None, expires_in_days: float) -> FanHistory:
    return fan(
        subscription_status=status,
        auto_renew=auto_renew,
        expires_at=at(expires_in_days),
        subscription_price_cents=999,
    )


def test_a_more_recent_last_purchase_means_lower_risk() -> None:
    scores = [score(fan(last_purchase_at=at(-gap)), NOW) for gap in range(0, 200, 3)]
    risks = [s.churn_risk for s in scores]
    alive = [s.p_alive for s in scores]
    assert all(a <= b + 1e-12 for a, b in zip(risks, risks[1:], strict=False))
    assert all(a >= b - 1e-12 for a, b in zip(alive, alive[1:], strict=False))
    assert risks[-1] - risks[1] > 0.5
    values = [s.value_90d_cents for s in scores]
    assert values[1] > values[-1]


def test_subscription_state_orders_the_risk() -> None:
    renewing = score(subscribed("active", True, 10), NOW)
    unknown = score(fan(), NOW)
    ending = score(subscribed("active", False, 10), NOW)
    expired = score(subscribed("expired", False, -3), NOW)
    assert renewing.churn_risk < unknown.churn_risk < ending.churn_risk < expired.churn_risk
    assert renewing.p_alive > unknown.p_alive > ending.p_alive > expired.p_alive
    assert renewing.churn_risk < 0.1
    assert expired.value_90d_cents < unknown.value_90d_cents < renewing.value_90d_cents
    assert "subscription renews in 10 days (auto-renew on)" in renewing.drivers
    assert "auto-renew off: subscription ends in 10 days" in ending.drivers
    assert "subscription expired 3 days ago" in expired.drivers


def test_a_fan_who_never_paid_and_has_no_subscription_is_worth_nothing_and_at_risk() -> None:
    never = fan(purchases=0, first_purchase_at=None, last_purchase_at=None, net_cents=0)
    for history in (never, replace(never, last_message_at=at(-1))):
        result = score(history, NOW)
        assert result.value_90d_cents == 0
        assert result.churn_risk >= 0.8
        assert result.drivers[0] == "no purchase yet"


def test_one_purchase_fans_are_not_extreme() -> None:
    just_now = score(fan(purchases=1, first_purchase_at=at(-1), last_purchase_at=at(-1), net_cents=1_000), NOW)
    long_ago = score(fan(purchases=1, first_purchase_at=at(-120), last_purchase_at=at(-120), net_cents=1_000), NOW)
    assert 0.2 < just_now.churn_risk < 0.8
    assert long_ago.churn_risk > just_now.churn_risk
    assert long_ago.p_alive > 0.05
    assert just_now.drivers[0] == "one purchase, 1 day ago"


def test_a_recent_message_raises_p_alive_a_little() -> None:
    quiet = score(fan(last_purchase_at=at(-60)), NOW)
    wrote = score(fan(last_purchase_at=at(-60), last_message_at=at(-1)), NOW)
    wrote_before = score(fan(last_purchase_at=at(-60), last_message_at=at(-61)), NOW)
    assert quiet.p_alive < wrote.p_alive
    odds = [s.p_alive / (1 - s.p_alive) for s in (quiet, wrote)]
    assert odds[1] <= 2 * odds[0]  # at most a doubling of the odds
    assert wrote_before.p_alive == quiet.p_alive  # already counted by the purchase that followed
    assert "wrote 1 day ago" in wrote.drivers


def test_renewals_are_not_counted_twice() -> None:
    """A fan who only ever paid the subscription: 6 monthly payments of 7.99 € net, renewing in 20 days."""
    only_subscription = FanHistory(
        purchases=6,
        first_purchase_at=at(-160),
        last_purchase_at=at(-10),
        net_cents=6 * 799,
        subscription_status="active",
        expires_at=at(20),
        auto_renew=True,
        subscription_price_cents=999,
        last_message_at=None,
    )
    result = score(only_subscription, NOW)
    # three renewals fall within 90 days (in 20, 50, 80 days): about 3 × 7.99 €, not twice that
    assert 2 * 799 <= result.value_90d_cents <= 3.3 * 799


def test_drivers_say_how_late_a_regular_fan_is() -> None:
    late = fan(purchases=6, first_purchase_at=at(-86), last_purchase_at=at(-41))
    assert score(late, NOW).drivers[0] == "no purchase in 41 days (usually every 9)"
    on_time = fan(purchases=6, first_purchase_at=at(-50), last_purchase_at=at(-5))
    assert score(on_time, NOW).drivers[0] == "last purchase 5 days ago (usually every 9)"


def test_bounds_hold_on_odd_and_random_data() -> None:
    rng = random.Random(7)

    def maybe_date() -> datetime | None:
        return None if rng.random() < 0.15 else at(rng.uniform(-1_000, 30))

    for _ in range(2_000):
        history = FanHistory(
            purchases=rng.choice((0, 1, 2, 5, 40, 10_000)),
            first_purchase_at=maybe_date(),
            last_purchase_at=maybe_date(),
            net_cents=rng.randint(-50_000, 10_000_000),
            subscription_status=rng.choice(("active", "expired", "none")),
            expires_at=maybe_date(),
            auto_renew=rng.choice((True, False, None)),
            subscription_price_cents=rng.choice((None, 0, 499, 5_000)),
            last_message_at=maybe_date(),
        )
        result = score(history, NOW)
        assert 0.0 <= result.churn_risk <= 1.0
        assert 0.0 <= result.p_alive <= 1.0
        assert type(result.value_90d_cents) is int and result.value_90d_cents >= 0
        assert result.drivers and all(isinstance(d, str) and d for d in result.drivers)
