"""Ideas written offline: deterministic, and visibly built on the creator's facts — an idea names
the best-selling theme, the hour that sells, the segment that buys — in the target network's formats."""

from __future__ import annotations

import uuid

import pytest

from ai.adapters.offline_ideas import FORMATS, OfflineIdeas, compose_ideas
from ai.idea_facts import HourFact, IdeaFacts, NetworkFact, SegmentFact, ThemeFact
from ai.ideas import IdeaBrief
from huntaze_events import IdeasGenerated

FACTS = IdeaFacts(
    currency="USD",
    themes=(
        ThemeFact(tag="lingerie", revenue_cents=12_500, unlocks=5, typical_price_cents=2500, titles=("Red lace set",)),
        ThemeFact(tag="cosplay", revenue_cents=4_000, unlocks=2, typical_price_cents=2000),
    ),
    segments=(SegmentFact(segment="whales", revenue_cents=10_000, buyers=2),),
    hours=(HourFact(hour=21, revenue_cents=9_000), HourFact(hour=9, revenue_cents=1_000)),
    networks=(NetworkFact(network="instagram", conversions=3, revenue_cents=4_500),),
)


def brief(target: str = "onlyfans", count: int = 5, theme: str | None = None, facts: IdeaFacts = FACTS) -> IdeaBrief:
    return IdeaBrief(request_id=uuid.uuid4(), target=target, count=count, theme=theme, facts=facts)


def test_an_idea_names_the_best_selling_theme_and_each_fact_is_used() -> None:
    ideas = compose_ideas(brief(count=5))
    assert len(ideas) == 5
    assert "lingerie" in ideas[0].title.lower() and "Red lace set" in ideas[0].body
    assert ideas[0].grounded_on == ["best-selling theme: “lingerie” (125.00 USD net from 5 unlocks)"]
    assert "25.00 USD" in ideas[0].body  # the price it sold at, on OnlyFans
    text = [f"{i.title}\n{i.body}" for i in ideas]
    assert any("21:00 UTC" in t for t in text)  # the hour that sells
    assert any("whales" in t for t in text)  # the segment that buys
    assert any("Instagram posts" in t and "3 subscribers" in t for t in text)  # what converted
    assert any("cosplay" in t for t in text)  # the runner-up theme
    assert all("lingerie" in t.lower() for t in text)  # every idea builds on the best seller
    assert len({i.title for i in ideas}) == 5
    for idea in ideas:
        assert idea.grounded_on and all(len(g) <= 200 for g in idea.grounded_on)


def test_deterministic_and_valid_for_the_contract() -> None:
    one, two = brief(count=20), brief(count=20)
    assert compose_ideas(one) == compose_ideas(two)
    IdeasGenerated(request_id=one.request_id, target="onlyfans", ideas=compose_ideas(one), provider="offline")


@pytest.mark.parametrize("target", sorted(FORMATS))
def test_tailored_to_the_target_network(target: str) -> None:
    ideas = compose_ideas(brief(target=target, count=4, theme="summer vibes"))
    assert any(fmt in ideas[0].title for fmt in FORMATS[target])
    assert all("summer vibes" in i.body for i in ideas)
    if target == "reddit":
        assert all(i.hashtags == [] for i in ideas) and "subreddit" in ideas[0].body
    else:
        assert "#lingerie" in ideas[0].hashtags
    if target in ("instagram", "tiktok"):
        assert "link in bio" in ideas[0].body and "OnlyFans" not in ideas[0].body


def test_explicit_tags_are_not_suggested_as_hashtags_on_instagram() -> None:
    facts = IdeaFacts(themes=(ThemeFact(tag="nude", revenue_cents=100, unlocks=1, typical_price_cents=100),))
    ideas = compose_ideas(brief(target="instagram", count=2, facts=facts))
    assert "nude" in ideas[0].title.lower()  # the idea is for the team: it names what sells
    assert all("#nude" not in i.hashtags for i in ideas)


def test_without_data_ideas_say_so() -> None:
    ideas = compose_ideas(brief(count=2, theme="gym", facts=IdeaFacts()))
    assert all(i.grounded_on == ["no sales recorded yet"] and "“gym”" in i.title for i in ideas)
    hours_only = compose_ideas(brief(count=1, facts=IdeaFacts(hours=(HourFact(hour=7, revenue_cents=100),))))
    assert "07:00 UTC" in hours_only[0].title


async def test_the_offline_writer() -> None:
    written = await OfflineIdeas().ideas(uuid.uuid4(), brief(count=3))
    assert written.provider == "offline" and written.model is None and len(written.ideas) == 3
