"""The template weekly review: readable, and grounded for any facts (200 seeded random weeks)."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

import pytest

from ai.insights.facts import MAX_MOVERS, Mover, WeeklyFacts, allowed_numbers, pct_change
from ai.insights.grounding import check, numbers_in
from ai.insights.template import MAX_STEPS, write_weekly_review

CREATOR = uuid.UUID("00000000-0000-4000-8000-000000000001")
_LABEL_PARTS = (
    "Top 10 pics",
    "promo2",
    "Beach set #3",
    "2026",
    "ten",
    "1.5k",
    "Anna",
    "Black Friday 50% off",
    "Twenty-five looks",
    "one of a kind",
    "new subscribers",
    "Subscriptions",
    "tips",
    "USD",
    "k",
    "A1 fan",
    "3rd drop",
    "$99 bundle",
    "18:00 live",
    "x",
    "Zoë’s “quote”",
    "a dozen roses",
    "-5 off",
    "１２ full width",
)


def mover(label: str, revenue: int, previous: int) -> Mover:
    return Mover(label=label, revenue_cents=revenue, previous_revenue_cents=previous, change_cents=revenue - previous)


def facts(revenue: int = 123456, previous: int = 111406, **fields: object) -> WeeklyFacts:
    base: dict[str, object] = {
        "creator_id": CREATOR,
        "period_start": date(2026, 11, 16),
        "period_end": date(2026, 11, 22),
        "currency": "USD",
        "new_subscribers": 3,
        "churned_subscribers": 7,
    }
    base |= fields
    return WeeklyFacts(
        revenue_cents=revenue,
        previous_revenue_cents=previous,
        change_cents=revenue - previous,
        change_pct=pct_change(revenue, previous),
        **base,  # type: ignore[arg-type]
    )


def _cents(rng: random.Random) -> int:
    scale = rng.choice((0, 1, 100, 10_000, 1_000_000, 100_000_000))
    return rng.randint(-scale // 10, scale) if rng.random() < 0.1 else rng.randint(0, scale)


def _label(rng: random.Random) -> str:
    parts = rng.sample(_LABEL_PARTS, rng.randint(1, 2))
    if rng.random() < 0.2:
        parts.append(str(rng.randint(0, 10_000)))
    return " ".join(parts)[:100]


def random_facts(seed: int) -> WeeklyFacts:
    """A random but valid week: empty lists, zero and negative revenue, labels with digits and number words."""
    rng = random.Random(seed)
    start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 1500))

    def movers() -> tuple[Mover, ...]:
        count = rng.choice((0, 0, 1, 2, 3, MAX_MOVERS))
        return tuple(mover(_label(rng), _cents(rng), _cents(rng)) for _ in range(count))

    return facts(
        _cents(rng),
        _cents(rng),
        period_start=start,
        period_end=start + timedelta(days=6),
        currency=rng.choice(("USD", "EUR", "GBP")),
        by_source=movers(),
        by_segment=movers(),
        top_posts=movers(),
        top_links=movers(),
        top_media=movers(),
        chatters=movers(),
        new_subscribers=rng.choice((0, 1, rng.randint(0, 5000))),
        churned_subscribers=rng.choice((0, 1, rng.randint(0, 5000))),
    )


@pytest.mark.parametrize("seed", range(200))
def test_the_template_is_grounded_for_any_facts(seed: int) -> None:
    week = random_facts(seed)
    text = write_weekly_review(week)
    grounding = check(text, week)
    assert grounding.ok, (grounding.unsupported, text)
    allowed = allowed_numbers(week)
    labels = [m.label for m in week.movers]
    assert all(number.value in allowed for number in numbers_in(text, labels))


def test_a_week_reads_as_a_short_review() -> None:
    week = facts(
        by_source=(mover("Subscriptions", 80000, 70000), mover("PPV unlocks", 43456, 41406)),
        top_posts=(mover("Top 10 pics", 30000, 5000), mover("Beach set", 2000, 1000)),
        top_links=(mover("promo2", 9000, 12000),),
        chatters=(mover("Anna", 20000, 15000),),
    )
    assert write_weekly_review(week) == "\n".join(
        [
            "Your week, 16 Nov to 22 Nov 2026.",
            "Revenue was USD 1,234.56, up USD 120.50 (10.8%) from USD 1,114.06 the week before.",
            "What moved it:",
            "- Source: “Subscriptions” rose the most, by USD 100.00 (USD 800.00 this week).",
            "- Post: “Top 10 pics” rose the most, by USD 250.00 (USD 300.00 this week).",
            "- Link: “promo2” fell the most, by USD 30.00 (USD 90.00 this week).",
            "- Chatter: “Anna” rose the most, by USD 50.00 (USD 200.00 this week).",
            "Subscribers: 3 new, 7 left.",
            "Next steps:",
            "- Post more like “Top 10 pics”: it brought in USD 300.00.",
            "- Follow up with lapsed fans: 7 left and 3 joined.",
            "- Share “promo2” again: it brought in USD 90.00.",
        ]
    )


def test_a_falling_week_names_what_fell_and_what_to_look_into() -> None:
    week = facts(
        100000,
        125000,
        by_source=(mover("Subscriptions", 70000, 65000), mover("PPV unlocks", 30000, 60000)),
        new_subscribers=9,
        churned_subscribers=2,
    )
    text = write_weekly_review(week)
    assert "Revenue was USD 1,000.00, down USD 250.00 (20.0%) from USD 1,250.00 the week before." in text
    assert "- Source: “PPV unlocks” fell the most, by USD 300.00 (USD 300.00 this week)." in text
    assert "Look into “PPV unlocks”: it fell by USD 300.00." in text
    assert "lapsed fans" not in text


def test_a_flat_week_with_nothing_before_and_no_breakdown() -> None:
    flat = write_weekly_review(facts(5000, 5000, new_subscribers=0, churned_subscribers=0))
    assert "Revenue was USD 50.00, the same as the week before." in flat
    assert "No breakdown by source, fans or content this week." in flat
    assert "Keep your usual posting rhythm" in flat
    first = write_weekly_review(facts(5000, 0))
    assert "up USD 50.00 from USD 0.00 the week before." in first
    assert "%" not in first


def test_a_label_of_figures_only_is_not_quoted() -> None:
    week = facts(top_posts=(mover("2025", 30000, 5000),), chatters=(mover(" ten ", 100, 0),))
    text = write_weekly_review(week)
    assert "an unnamed post rose the most" in text
    assert "Post more like an unnamed post" in text
    assert "an unnamed chatter" in text
    assert "2025" not in text
    assert check(text, week).ok


def test_next_steps_are_at_most_three_and_the_period_may_span_years() -> None:
    week = facts(
        period_start=date(2026, 12, 28),
        period_end=date(2027, 1, 3),
        by_source=(mover("Tips", 100, 900),),
        top_posts=(mover("Post", 500, 100),),
        top_links=(mover("Link", 500, 100),),
        chatters=(mover("Anna", 500, 100),),
    )
    text = write_weekly_review(week)
    assert text.startswith("Your week, 28 Dec 2026 to 3 Jan 2027.")
    assert len(text.split("Next steps:\n")[1].splitlines()) == MAX_STEPS
