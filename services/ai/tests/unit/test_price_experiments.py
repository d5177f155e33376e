"""Price tests: assignment is uniform and stable; the readout finds real winners and not false ones."""

from __future__ import annotations

import uuid

import numpy as np

from ai.pricing.experiments import ArmResult, assign_arm, compare_arms, winner_threshold

EXPERIMENT = uuid.UUID("5b0c1f4e-2d7a-4c11-9a53-0f6e8d2b7c90")
FANS = [uuid.uuid5(uuid.NAMESPACE_URL, f"fan-{i}") for i in range(10_000)]


def test_fans_split_uniformly_over_the_arms() -> None:
    """Chi-square on 10,000 fixed ids: below the 0.999 quantile (3 arms: 13.8; 4 arms: 16.3)."""
    for arms, bound in ((2, 10.8), (3, 13.8), (4, 16.3)):
        counts = np.bincount([assign_arm(EXPERIMENT, fan, arms) for fan in FANS], minlength=arms)
        expected = len(FANS) / arms
        chi_square = float(((counts - expected) ** 2 / expected).sum())
        print(f"{arms} arms: {counts.tolist()} chi-square {chi_square:.2f}")
        assert chi_square < bound


def test_the_same_fan_always_gets_the_same_arm_and_experiments_are_independent() -> None:
    first = [assign_arm(EXPERIMENT, fan, 3) for fan in FANS[:500]]
    assert first == [assign_arm(EXPERIMENT, fan, 3) for fan in FANS[:500]]
    other = [assign_arm(uuid.UUID(int=EXPERIMENT.int + 1), fan, 3) for fan in FANS[:500]]
    agreement = sum(a == b for a, b in zip(first, other, strict=True)) / 500
    assert 0.25 < agreement < 0.42  # a third by chance


def _run(rates: list[float], prices: list[int], seed: int, step: int = 250) -> tuple[str, int | None, int]:
    """Looks at the readout after every ``step`` offers per arm until it decides."""
    rng = np.random.default_rng(seed)
    unlocked = [0] * len(rates)
    offered = 0
    while True:
        offered += step
        unlocked = [u + int(rng.binomial(step, r)) for u, r in zip(unlocked, rates, strict=True)]
        arms = [ArmResult(p, offered, u) for p, u in zip(prices, unlocked, strict=True)]
        readout = compare_arms(arms, draws=4000, seed=seed)
        if readout.decision != "continue":
            return readout.decision, readout.winner, offered


def test_a_30_percent_better_arm_is_found() -> None:
    """$15 at a rate 30 % better in revenue per offer than $10: 40 runs, looks every 250 offers."""
    runs = [_run([0.25, 0.25 * 10 / 15 * 1.3], [1000, 1500], seed) for seed in range(40)]
    found = sum(winner == 1 for _, winner, _ in runs)
    print(f"found {found}/40, median offers per arm {np.median([n for *_, n in runs])}")
    assert found >= 38
    assert all(winner != 0 for _, winner, _ in runs)


def test_an_a_a_test_rarely_declares_a_winner_despite_repeated_looks() -> None:
    """Two identical arms, 20 looks up to 5000 offers per arm: false winners in ≤ 10 % of 100 runs."""
    runs = [_run([0.2, 0.2], [1000, 1000], seed) for seed in range(100)]
    false_winners = sum(decision == "winner" for decision, _, _ in runs)
    print(f"A/A false winners {false_winners}/100")
    assert false_winners <= 10
    assert all(decision == "no_difference" for decision, _, _ in runs if decision != "winner")


def test_continue_while_an_arm_has_too_few_offers() -> None:
    readout = compare_arms([ArmResult(1000, 150, 90), ArmResult(1000, 150, 10)])
    assert readout.decision == "continue" and readout.winner is None
    assert readout.arms[0].probability_best > 0.99


def test_the_readout_states_rates_revenue_and_losses() -> None:
    readout = compare_arms([ArmResult(1000, 3000, 600), ArmResult(1500, 3000, 600)], seed=1)
    first, second = readout.arms
    assert abs(first.unlock_rate - 601 / 3002) < 1e-12
    assert abs(second.revenue_per_offer_cents - 1500 * 601 / 3002) < 5
    assert second.revenue_per_offer_low_cents < second.revenue_per_offer_cents < second.revenue_per_offer_high_cents
    assert second.probability_best > 0.99 and second.expected_loss_cents < first.expected_loss_cents
    assert readout.decision == "winner" and readout.winner == readout.recommended == 1
    assert readout.threshold == winner_threshold(3000, readout.max_offers_per_arm, readout.decide_at)


def test_no_difference_at_the_maximum_recommends_the_lowest_expected_loss() -> None:
    readout = compare_arms([ArmResult(1000, 5000, 1000), ArmResult(1000, 5000, 1010)], seed=2)
    assert readout.decision == "no_difference" and readout.winner is None
    losses = [arm.expected_loss_cents for arm in readout.arms]
    assert readout.recommended == losses.index(min(losses))


def test_the_threshold_is_strict_early_and_decide_at_at_the_maximum() -> None:
    assert winner_threshold(5000, 5000, 0.975) == 0.975
    assert winner_threshold(10000, 5000, 0.975) == 0.975
    assert winner_threshold(1250, 5000, 0.975) > 0.999
