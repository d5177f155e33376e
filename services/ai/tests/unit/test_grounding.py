"""Grounding of weekly insights: no number outside the facts survives (issue 15 §2)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from ai.insights.facts import Mover, WeeklyFacts, allowed_numbers, pct_change, quotable
from ai.insights.grounding import FALLBACK_NOTE, check, ground_or_fallback, numbers_in
from ai.insights.template import write_weekly_review

from .test_insight_template import facts, mover, random_facts


def week() -> WeeklyFacts:
    """Revenue USD 1,234.56, was 1,114.06 (up 120.50, 10.8%); 3 new subscribers, 7 left."""
    return facts(
        by_source=(mover("Subscriptions", 80000, 70000), mover("PPV unlocks", 43456, 41406)),
        top_posts=(mover("Top 10 pics", 30000, 5000),),
        top_links=(mover("promo2", 9000, 12000),),
        chatters=(mover("Anna", 20000, 15000),),
    )


# --- reading numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("1,234.56", ["1234.56"]),
        ("$1,234.56", ["1234.56"]),
        ("€12 and £3.50", ["12", "3.50"]),
        ("USD 1,234.56", ["1234.56"]),
        ("12.5%", ["12.5"]),
        ("down -3 today", ["-3"]),
        ("−3", ["-3"]),
        ("+12 %", ["12"]),
        ("1.2k, 3k, 2.5M, 5bn", ["1200", "3000", "2500000", "5000000000"]),
        ("5 thousand and 2.5 million", ["5000", "2500000"]),
        ("the 3rd post", ["3"]),
        ("on 2026-11-23", ["2026", "11", "23"]),
        ("23 Nov", ["23"]),
        ("at 18:00", ["18", "0"]),
        ("10-20 fans", ["10", "20"]),
        ("zero fans", ["0"]),
        ("fifty fans", ["50"]),
        ("twenty-five fans", ["25"]),
        ("two hundred and five", ["205"]),
        ("three thousand two hundred", ["3200"]),
        ("a dozen fans", ["12"]),
        ("a hundred fans", ["100"]),
        ("ninety", ["90"]),
        ("five six", ["5", "6"]),
        ("one new subscriber", ["1"]),
        ("one of your links", []),
        ("the one that sold", []),
        ("no change, none left", []),
        ("hundreds of fans, the first week, half of it", []),
        ("someone, money, often, network, weight", []),
        ("１２ fans", ["12"]),
        ("1\u200b2 fans", ["12"]),
        ("$.99", ["0.99"]),
        ("promo2", ["2"]),
    ],
)
def test_numbers_a_reader_reads(text: str, values: list[str]) -> None:
    assert [n.value for n in numbers_in(text)] == [Decimal(v) for v in values]


def test_the_raw_form_is_kept_for_the_report() -> None:
    assert [n.raw for n in numbers_in("up +12 % to $1,234.56, 1.5k fans, twenty-five")] == [
        "+12 %",
        "$1,234.56",
        "1.5k",
        "twenty-five",
    ]


# --- the allowed numbers --------------------------------------------------------------------------


def test_money_is_allowed_exact_and_rounded_to_whole_units_and_as_absolute_values() -> None:
    allowed = allowed_numbers(week())
    assert {Decimal("1234.56"), Decimal("1235"), Decimal("120.50"), Decimal("121")} <= allowed
    assert Decimal("1234") not in allowed  # truncated, not rounded
    assert Decimal("-30.00") in allowed and Decimal("30") in allowed  # promo2 fell by 30.00
    assert Decimal("-120.50") not in allowed  # the week rose: a minus would be a false claim


def test_percent_forms() -> None:
    assert pct_change(112400, 100000) == 12.4
    allowed = allowed_numbers(facts(112400, 100000))
    assert {Decimal("12.4"), Decimal("12")} <= allowed
    assert Decimal("13") not in allowed and Decimal("12.5") not in allowed
    falling = allowed_numbers(facts(87600, 100000))
    assert {Decimal("-12.4"), Decimal("12.4"), Decimal("-12"), Decimal("12")} <= falling


def test_counts_and_the_period_dates() -> None:
    allowed = allowed_numbers(facts(period_start=date(2026, 12, 28), period_end=date(2027, 1, 3)))
    assert {Decimal(3), Decimal(7), Decimal(2026), Decimal(2027), Decimal(12), Decimal(28), Decimal(1)} <= allowed
    assert Decimal(29) not in allowed  # a day inside the period is not a fact either


def test_nothing_computed_is_allowed() -> None:
    allowed = allowed_numbers(week())
    assert Decimal(10) not in allowed  # 3 new + 7 churned
    assert Decimal(4) not in allowed  # the number of movers
    assert Decimal(7) in allowed and Decimal(6) not in allowed  # churned 7; the week's length is not a fact


def test_facts_reject_inconsistent_figures() -> None:
    with pytest.raises(ValidationError, match="change_cents"):
        Mover(label="x", revenue_cents=5, previous_revenue_cents=1, change_cents=3)
    with pytest.raises(ValidationError, match="change_pct"):
        WeeklyFacts.model_validate(facts().model_dump() | {"change_pct": 13.0})
    with pytest.raises(ValidationError, match="period_end"):
        facts(period_start=date(2026, 11, 22), period_end=date(2026, 11, 16))
    with pytest.raises(ValidationError):
        Mover(label="x" * 101, revenue_cents=0, previous_revenue_cents=0, change_cents=0)
    assert Mover(label=" Top\n10\u200b  pics ", revenue_cents=0, previous_revenue_cents=0, change_cents=0).label == (
        "Top 10 pics"
    )


# --- the check ------------------------------------------------------------------------------------

LEGIT = (
    "Your revenue reached $1,234.56 this week (16-22 Nov 2026), up $120.50 or 10.8% (about 11%) on last "
    "week's $1,114.06, so roughly $1,235 in total. Subscriptions did most of it, rising by $100 to $800. "
    'Your post "Top 10 pics" earned $300.00, one of your best; promo2 dropped by $30. Anna brought in '
    "USD 200. You gained 3 subscribers but lost 7, so reach out to lapsed fans. The link that fell is the "
    "one to share again once it is refreshed."
)


def test_a_grounded_text_passes() -> None:
    assert check(LEGIT, week()).ok
    assert ground_or_fallback(LEGIT, week()) == (LEGIT, "model", [])


@pytest.mark.parametrize(
    ("invented", "flagged"),
    [
        ("Revenue totalled $1,500.00 this month.", "$1,500.00"),  # an invented total
        ("Revenue grew 13%.", "13%"),  # 10.8 rounds to 11, not 13
        ("Revenue grew 10.9%.", "10.9%"),
        ("Revenue was about $1,234.", "$1,234"),  # truncated, not rounded
        ("You have sixty new fans.", ["sixty"]),  # fifty would pass: Anna rose by 50.00
        ("Revenue hit 1.5k.", "1.5k"),
        ("Your next drop on 2026-12-25 will sell.", ["12", "25"]),  # outside the period
        ("Post at 18:00.", ["18", "00"]),
        ("Twenty-five fans renewed.", "Twenty-five"),
        ("A dozen fans tipped.", "A dozen"),
        ("You got one new subscriber and lost 7.", "one"),
        ("Revenue fell -120.50.", "-120.50"),  # it rose
        ("Post １５ more pics.", "15"),
        ("Post 1\u200b5 more pics.", "15"),
        ("Post zero promos.", "zero"),
        ("Your top 4 posts", ["4"]),  # 3 would pass: 3 new subscribers
        ('Your post "Top 10" did well.', "10"),  # a paraphrased label keeps its digits
    ],
)
def test_a_number_the_model_was_not_given_is_flagged(invented: str, flagged: str | list[str]) -> None:
    grounding = check(f"{LEGIT} {invented}", week())
    assert not grounding.ok
    assert grounding.unsupported == (flagged if isinstance(flagged, list) else [flagged])


def test_labels_with_digits_are_excused_only_verbatim() -> None:
    assert check("Top 10 pics and TOP 10   PICS sold; promo2 too.", week()).ok
    assert not check("Top 10 pic sold.", week()).ok
    assert not check("promo2x sold.", week()).ok  # not the label: a longer word


def test_a_label_of_figures_only_excuses_nothing() -> None:
    figures = facts(top_posts=(mover("1.5k", 100, 0),), chatters=(mover("ten", 100, 0),))
    assert not quotable("1.5k") and not quotable("ten") and not quotable("2026") and quotable("Top 10 pics")
    assert check("Your post made USD 1.00.", figures).ok
    assert check("Your post 1.5k made USD 1.00.", figures).unsupported == ["1.5k"]
    assert check("ten chats.", figures).unsupported == ["ten"]


# --- no number outside the facts survives ---------------------------------------------------------

_INJECTIONS = ("$9,999.99", "13%", "fifty", "1.5k", "2026-12-25", "twenty-five", "42", "-120.50", "3rd", "１２")


@pytest.mark.parametrize("seed", range(40))
def test_no_number_outside_the_facts_survives(seed: int) -> None:
    rng = random.Random(seed)
    facts_ = random_facts(seed)
    allowed = allowed_numbers(facts_)
    labels = [m.label for m in facts_.movers]
    words = write_weekly_review(facts_).split()
    for _ in range(rng.randint(1, 4)):
        words.insert(rng.randint(0, len(words)), rng.choice(_INJECTIONS))
    model_text = " ".join(words)

    text, source, unsupported = ground_or_fallback(model_text, facts_)

    assert all(number.value in allowed for number in numbers_in(text, labels))
    injected = [n for n in numbers_in(model_text, labels) if n.value not in allowed]
    if injected:
        assert source == "template" and text == write_weekly_review(facts_)
        assert unsupported == list(dict.fromkeys(n.raw for n in injected))
    else:  # the injections happened to be facts of this week
        assert source == "model" and text == model_text


def test_a_blank_text_falls_back_to_the_template() -> None:
    assert ground_or_fallback("  ", week()) == (write_weekly_review(week()), "template", [])


def test_the_last_resort_note_is_number_free() -> None:
    assert numbers_in(FALLBACK_NOTE) == []
