"""Content ideas written without a model: deterministic, and visibly built on the creator's facts —
an idea names the best-selling theme, the hour that sells, the segment that buys, the network whose
posts converted — in a format of the network they are for."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from huntaze_events import Idea

from ..caption_rules import Network, forbidden_term
from ..idea_facts import (
    NETWORK_NAMES,
    IdeaFacts,
    ThemeFact,
    hour_words,
    money,
    network_words,
    plural,
    segment_name,
    segment_words,
    theme_words,
)
from ..ideas import IdeaBrief, IdeasWritten

FORMATS = {
    "onlyfans": ("PPV drop", "wall post teaser", "bundle", "mass message", "live stream"),
    "instagram": ("Reel", "carousel", "Story with a poll", "photo post"),
    "tiktok": ("short video", "trend remix", "behind-the-scenes clip", "duet-ready video"),
    "x": ("teaser post", "thread", "poll", "photo post"),
    "reddit": ("post in a subreddit that fits", "photo post with a story", "text post asking for votes"),
}
HASHTAGS = {"onlyfans": 3, "instagram": 5, "tiktok": 3, "x": 2, "reddit": 0}
"""How many hashtags an idea suggests on each network (Reddit uses none)."""
_PROMOTE = {
    "onlyfans": "",
    "instagram": " Keep it suggestive, not explicit, and send people to the link in bio.",
    "tiktok": " Keep it suggestive, not explicit, and send people to the link in bio.",
    "x": " End on a link to your page.",
    "reddit": " Follow the subreddit's rules; a title that tells a small story works best.",
}
_SLUG = re.compile(r"[^\w]+", re.UNICODE)


def _a(word: str) -> str:
    """The indefinite article and the word ("an Instagram", "a TikTok")."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _quoted(text: str) -> str:
    return f"“{text}”"


class _Writer:
    def __init__(self, brief: IdeaBrief) -> None:
        self.brief = brief
        self.facts: IdeaFacts = brief.facts
        self.target = brief.target
        self.network = NETWORK_NAMES[brief.target]
        self.currency = self.facts.currency

    def fmt(self, i: int) -> str:
        formats = FORMATS[self.target]
        return formats[i % len(formats)]

    def about(self) -> str:
        return f" around your theme {_quoted(self.brief.theme)}" if self.brief.theme else ""

    def hashtags(self, *words: str) -> list[str]:
        count = HASHTAGS[self.target]
        tags: list[str] = []
        for word in (*words, *(t.tag for t in self.facts.themes), self.brief.theme or "", "newcontent"):
            slug = _SLUG.sub("", word)
            if not slug or slug.isdigit():
                continue
            tag = "#" + slug.lower()[:60]
            if self.target in ("instagram", "tiktok") and forbidden_term(tag, Network(self.target)):
                continue
            if tag not in tags:
                tags.append(tag)
        return tags[:count]

    def idea(self, title: str, body: str, grounded_on: list[str], *words: str) -> Idea:
        return Idea(
            title=title[:200],
            body=(body + _PROMOTE[self.target])[:2000],
            hashtags=self.hashtags(*words),
            grounded_on=grounded_on[:10],
        )

    # the angles, each on one fact (the best theme throughout) --------------------------------------------
    def theme(self, i: int, t: ThemeFact) -> Idea:
        sold = f" ({', '.join(_quoted(x) for x in t.titles)})" if t.titles else ""
        price = (
            f" Price it near {money(t.typical_price_cents, self.currency)}, what it sold at."
            if self.target == "onlyfans"
            else ""
        )
        return self.idea(
            f"{t.tag.capitalize()} {self.fmt(i)}: more of what sells best",
            f"{_quoted(t.tag)} is your best-selling theme: {money(t.revenue_cents, self.currency)} net from "
            f"{plural(t.unlocks, 'unlock')}{sold}. Make a new {self.network} {self.fmt(i)} on it{self.about()}.{price}",
            [theme_words(t, self.currency)],
            t.tag,
        )

    def hour(self, i: int, t: ThemeFact) -> Idea:
        h = self.facts.hours[0]
        return self.idea(
            f"{t.tag.capitalize()} {self.fmt(i)} at {h.hour:02d}:00 UTC, when your fans buy",
            f"Your sales peak at {h.hour:02d}:00 UTC ({money(h.revenue_cents, self.currency)} net at that hour). "
            f"Schedule a {self.network} {self.fmt(i)} about {_quoted(t.tag)}{self.about()} shortly before it.",
            [hour_words(h, self.currency), theme_words(t, self.currency)],
            t.tag,
        )

    def segment(self, i: int, t: ThemeFact) -> Idea:
        s = self.facts.segments[0]
        name = segment_name(s.segment)
        return self.idea(
            f"{t.tag.capitalize()} {self.fmt(i)} for your {name}",
            f"Your {name} buy the most ({plural(s.buyers, 'buyer')}, {money(s.revenue_cents, self.currency)} net). "
            f"Give them a {self.network} {self.fmt(i)} about {_quoted(t.tag)}{self.about()} that speaks to them first.",
            [segment_words(s, self.currency), theme_words(t, self.currency)],
            t.tag,
        )

    def converted(self, i: int, t: ThemeFact) -> Idea:
        n = self.facts.networks[0]
        where = NETWORK_NAMES.get(n.network, n.network)
        return self.idea(
            f"{t.tag.capitalize()} {self.fmt(i)} in the vein of your {where} posts that converted",
            f"Your {where} posts brought {plural(n.conversions, 'subscriber')} who spent {money(n.revenue_cents, self.currency)} "
            f"since. Make a {self.network} {self.fmt(i)} about {_quoted(t.tag)}{self.about()} in the same style.",
            [network_words(n, self.currency), theme_words(t, self.currency)],
            t.tag,
        )

    def runner_up(self, i: int, t: ThemeFact) -> Idea:
        second = self.facts.themes[1]
        return self.idea(
            f"{t.tag.capitalize()} × {second.tag}: a {self.fmt(i)} on your two best sellers",
            f"After {_quoted(t.tag)}, {_quoted(second.tag)} sells best ({money(second.revenue_cents, self.currency)} "
            f"net from {plural(second.unlocks, 'unlock')}). Mix both in a {self.network} {self.fmt(i)}{self.about()}.",
            [theme_words(t, self.currency), theme_words(second, self.currency)],
            t.tag,
            second.tag,
        )

    def without_data(self, i: int) -> Idea:
        subject = _quoted(self.brief.theme) if self.brief.theme else "a behind-the-scenes moment"
        if h := self.facts.best_hour():
            return self.idea(
                f"{self.fmt(i).capitalize()} about {subject} at {h.hour:02d}:00 UTC",
                f"No unlock of tagged media is recorded yet, but your fans buy most at {h.hour:02d}:00 UTC "
                f"({money(h.revenue_cents, self.currency)} net): a {self.network} {self.fmt(i)} about {subject} "
                "shortly before it.",
                [hour_words(h, self.currency)],
            )
        return self.idea(
            f"{self.fmt(i).capitalize()} about {subject}",
            f"No sale is recorded yet to learn from: start with {_a(self.network)} {self.fmt(i)} about {subject}, "
            "then ask again once a few unlocks have come in.",
            ["no sales recorded yet"],
        )

    def angles(self) -> list[Callable[[int, ThemeFact], Idea]]:
        found = [self.theme]
        if self.facts.hours:
            found.append(self.hour)
        if self.facts.segments:
            found.append(self.segment)
        if self.facts.networks:
            found.append(self.converted)
        if len(self.facts.themes) > 1:
            found.append(self.runner_up)
        return found


def compose_ideas(brief: IdeaBrief) -> list[Idea]:
    """``brief.count`` ideas (deterministic for a brief): the angles in turn, in the network's formats."""
    writer = _Writer(brief)
    best = brief.facts.best_theme()
    angles = writer.angles()
    ideas: list[Idea] = []
    titles: set[str] = set()
    for i in range(brief.count):
        idea = writer.without_data(i) if best is None else angles[i % len(angles)](i, best)
        if idea.title in titles:  # the same angle and format again: a different take
            idea = idea.model_copy(update={"title": f"{idea.title[:190]} (take {i + 1})"})
        titles.add(idea.title)
        ideas.append(idea)
    return ideas


class OfflineIdeas:
    """The idea writer without a model."""

    name = "offline"

    async def ideas(self, creator_id: uuid.UUID, brief: IdeaBrief) -> IdeasWritten:
        return IdeasWritten(tuple(compose_ideas(brief)), provider=self.name, model=None)
