"""Tip menus: increasing nice tiers at what fans actually tip, or not enough data."""

from __future__ import annotations

import numpy as np

from ai.pricing.ppv import NotEnoughData
from ai.pricing.tips import MIN_TIPS, TipMenu, nice_tip, suggest_tip_menu


def _is_nice(cents: int) -> bool:
    step = 100 if cents < 1000 else 500 if cents < 5000 else 1000 if cents < 20000 else 2500
    return cents % step == 0


def test_tiers_are_nice_increasing_and_state_their_share() -> None:
    rng = np.random.default_rng(7)
    tips = [int(x) for x in np.round(rng.lognormal(np.log(1200), 0.8, size=400))]
    menu = suggest_tip_menu(tips, currency="USD")
    assert isinstance(menu, TipMenu)
    amounts = [tier.amount_cents for tier in menu.tiers]
    print(f"tiers {amounts}, median {menu.evidence.median_cents}")
    assert 3 <= len(amounts) <= 5
    assert amounts == sorted(set(amounts))
    assert all(_is_nice(a) for a in amounts)
    for tier in menu.tiers:
        assert tier.tips_at_or_above == sum(1 for t in tips if t >= tier.amount_cents)
        assert tier.share_at_or_above == tier.tips_at_or_above / 400
    shares = [tier.share_at_or_above for tier in menu.tiers]
    assert shares == sorted(shares, reverse=True)
    assert menu.evidence.tips == 400 and menu.evidence.median_cents == round(float(np.median(tips)))


def test_a_single_huge_tip_does_not_drag_the_menu_up() -> None:
    tips = [500] * 10 + [1000] * 10 + [2000] * 10 + [5000] * 3
    base = suggest_tip_menu(tips, currency="USD")
    spiked = suggest_tip_menu([*tips, 1_000_000], currency="USD")
    assert isinstance(base, TipMenu) and isinstance(spiked, TipMenu)
    assert max(t.amount_cents for t in base.tiers) == max(t.amount_cents for t in spiked.tiers) == 5000
    assert spiked.evidence.largest_cents == 1_000_000


def test_fans_who_all_tip_the_same_still_get_three_tiers() -> None:
    menu = suggest_tip_menu([500] * 30, currency="EUR")
    assert isinstance(menu, TipMenu) and menu.currency == "EUR"
    assert [t.amount_cents for t in menu.tiers] == [500, 600, 700]
    assert [t.share_at_or_above for t in menu.tiers] == [1.0, 0.0, 0.0]


def test_not_enough_tips() -> None:
    result = suggest_tip_menu([500] * (MIN_TIPS - 1) + [0, -5], currency="USD")
    assert isinstance(result, NotEnoughData)
    assert result.have == {"tips": MIN_TIPS - 1} and result.need == {"tips": MIN_TIPS}


def test_nice_amounts() -> None:
    assert [nice_tip(x) for x in (30, 149, 151, 949, 1240, 1260, 7400, 19999, 23000)] == [
        100,
        100,
        200,
        900,
        1000,
        1500,
        7000,
        20000,
        22500,
    ]
