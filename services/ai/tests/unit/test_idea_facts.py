"""What sells, as facts for content ideas (pure rules): tags weighted by the revenue of the unlocks
of the media carrying them, the segments that buy, the hours that sell, the networks that converted."""

from __future__ import annotations

import uuid

from ai.idea_facts import Conversions, IdeaFacts, MediaInfo, SalesData, Unlock, facts_of, money

BEACH, GYM, BOTH = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
WHALE, NEWBIE = uuid.uuid4(), uuid.uuid4()
MEDIA = {
    BEACH: MediaInfo("Golden hour beach", ("beach", "bikini")),
    GYM: MediaInfo("Leg day", ("gym",)),
    BOTH: MediaInfo("Beach workout", ("Beach", "gym")),
}


def data(**kw: object) -> SalesData:
    unlocks = (
        Unlock((BEACH,), 2000, 2500, "USD", WHALE),
        Unlock((BEACH, BOTH), 3000, 3500, "USD", WHALE),  # two media tagged beach: the tag earns it once
        Unlock((GYM,), 1200, 1500, "USD", NEWBIE),
        Unlock((GYM,), 900, 1000, "EUR", NEWBIE),  # another currency: not the main one
    )
    base: dict[str, object] = {
        "unlocks": unlocks,
        "media": MEDIA,
        "segments": {WHALE: ("whales",), NEWBIE: ("new",)},
        "hours": {(21, "USD"): 6000, (9, "USD"): 1000, (3, "USD"): -500, (10, "EUR"): 1},
    }
    return SalesData(**(base | kw))  # type: ignore[arg-type]


def test_the_best_selling_theme_is_the_tag_whose_media_sold_most() -> None:
    facts = facts_of(data())
    assert facts.currency == "USD"
    beach, bikini, gym = facts.themes[:3]
    assert (beach.tag, beach.revenue_cents, beach.unlocks) == ("beach", 5000, 2)  # once per unlock, any case
    assert beach.typical_price_cents == 2500 and beach.titles == ("Golden hour beach", "Beach workout")
    assert (bikini.tag, bikini.revenue_cents, bikini.unlocks) == ("bikini", 5000, 2)  # a tie: by name
    assert (gym.tag, gym.revenue_cents, gym.unlocks) == ("gym", 4200, 2)  # the EUR unlock is not counted


def test_segments_that_buy_hours_that_sell_and_reversals() -> None:
    facts = facts_of(data(hours={(21, "USD"): 6000, (9, "USD"): 1000, (3, "USD"): -500}))
    assert [(s.segment, s.revenue_cents, s.buyers) for s in facts.segments] == [("whales", 5000, 1), ("new", 1200, 1)]
    assert [(h.hour, h.revenue_cents) for h in facts.hours] == [(21, 6000), (9, 1000)]  # a net refund hour is no peak
    words = facts.in_words()
    assert words[0] == "best-selling theme: “beach” (50.00 USD net from 2 unlocks)"
    assert words[1] == "best hour: 21:00 UTC (60.00 USD net at that hour)"
    assert words[2].startswith("segment that buys: whales (top spenders)")


def test_the_main_currency_is_where_most_revenue_is() -> None:
    facts = facts_of(data(unlocks=[Unlock((GYM,), 900_00, 1000_00, "EUR", NEWBIE), Unlock((BEACH,), 10, 20, "USD")]))
    assert facts.currency == "EUR"
    assert [t.tag for t in facts.themes] == ["gym"]


def test_networks_and_posts_that_converted() -> None:
    post = uuid.uuid4()
    facts = facts_of(
        data(
            networks=[
                Conversions("instagram", 3, {"USD": 4000}),
                Conversions("tiktok", 5, {"USD": 1000}),
                Conversions("x", 0, {}),
            ],
            posts=[Conversions("instagram", 2, {"USD": 3500}, post, 20)],
        )
    )
    assert [(n.network, n.conversions, n.revenue_cents) for n in facts.networks] == [
        ("instagram", 3, 4000),
        ("tiktok", 5, 1000),
    ]
    assert facts.posts[0].post_id == post and facts.posts[0].published_hour == 20
    assert "posts that converted: Instagram (3 subscribers, 40.00 USD net since)" in facts.in_words()


def test_no_data_no_facts() -> None:
    facts = facts_of(SalesData())
    assert facts == IdeaFacts() and facts.empty and facts.in_words() == []
    assert money(-1234, "USD") == "-12.34 USD"
