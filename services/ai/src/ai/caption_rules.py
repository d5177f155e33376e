"""The rules captions are checked against, per network (:mod:`.captions`): how each network counts a
post's length, how many hashtags it takes, and the words never written (the inbox's restricted terms
everywhere; explicit words on Instagram and TikTok)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Network(StrEnum):
    INSTAGRAM = "instagram"
    TIKTOK = "tiktok"
    X = "x"
    REDDIT = "reddit"


# --- how each network counts ---------------------------------------------------------------------
# The same counting as services/marketing/src/marketing/networks.py, which checks a post when it is
# scheduled (services share only libs/, so the ai keeps its own copy; keep the two in step).

_URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)
# twitter-text v3: these ranges weigh 1, everything else 2 (CJK, emoji…)
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def x_weighted_length(text: str) -> int:
    """The length X counts: URLs 23 each, light characters 1, others 2."""
    length = 23 * len(_URL.findall(text))
    for ch in _URL.sub("", text):
        code = ord(ch)
        length += 1 if any(lo <= code <= hi for lo, hi in _LIGHT) else 2
    return length


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class NetworkRules:
    max_chars: int
    """The post's text (caption, CTA, hashtags; Reddit: the body) at most, counted by ``measure``."""
    measure: Callable[[str], int]
    max_hashtags: int
    hashtags: tuple[int, int]
    """How many hashtags a suggestion carries (the offline writer's range, the one the model is asked for)."""
    explicit_allowed: bool
    link_in_bio: bool
    """The CTA must point to the link in bio (the network shows no link in a caption)."""
    unit: str
    title_max_chars: int | None = None
    """Reddit: a title is required, at most this long."""
    emoji: bool = True


RULES: dict[Network, NetworkRules] = {
    # Mirrors marketing's publishing rules (marketing/networks.py): Instagram 2,200 characters and 30
    # hashtags; TikTok 2,200 UTF-16 units; X 280 weighted characters; Reddit a title of at most 300
    # characters and a body of at most 40,000. "A few" hashtags on TikTok and 1–2 on X are conventions
    # of ours (TikTok takes more, X takes any), Reddit gets none.
    Network.INSTAGRAM: NetworkRules(2200, len, 30, (5, 8), False, True, "characters"),
    Network.TIKTOK: NetworkRules(2200, utf16_length, 5, (3, 4), False, True, "UTF-16 units"),
    Network.X: NetworkRules(280, x_weighted_length, 2, (1, 2), True, False, "weighted characters"),
    Network.REDDIT: NetworkRules(40_000, len, 0, (0, 0), True, False, "characters", title_max_chars=300, emoji=False),
}


# --- words -------------------------------------------------------------------------------------------

NEVER: dict[str, tuple[str, ...]] = {
    "off-platform payment": ("cashapp", "cash app", "venmo", "paypal", "zelle", "western union", "gift card"),
    "off-platform contact": ("snapchat", "telegram", "whatsapp", "kik", "my number"),
    "minors": ("underage", "minor", "teen", "schoolgirl", "jailbait", "lolita"),
    "non-consent": ("rape", "non consent", "nonconsent", "drugged", "unconscious"),
    "banned content": ("incest", "bestiality", "necrophilia", "blood play", "scat"),
    "in-person services": ("escort", "meet up", "meetup", "in person"),
}
"""Refused on every network: the terms of OnlyFans' acceptable use policy the inbox refuses in
anything sent to a fan (mirrors inbox/guardrails.py ``DEFAULT_RESTRICTED``; services share only libs/)."""

EXPLICIT: tuple[str, ...] = (
    *("nude", "nudes", "nudity", "naked", "topless", "bottomless", "porn", "porno", "pornographic", "xxx"),
    *("nsfw", "sex", "sexual", "sext", "sexting", "fuck", "fucking", "fucked", "cum", "cumming", "pussy"),
    *("dick", "cock", "boobs", "boob", "tits", "titties", "nipple", "nipples", "ass", "anal", "orgasm"),
    *("horny", "masturbate", "masturbating", "blowjob", "handjob", "dildo", "vibrator", "fetish", "bdsm"),
    *("explicit", "uncensored", "s3x", "seggs", "p0rn", "noods", "n00ds", "nudez", "fck"),
)
"""Refused on Instagram and TikTok (their community guidelines remove sexual content and limit accounts
that post it): whole words, compared as the inbox compares its terms (NFKC, case-folded, separators
as one space). Suggestive is fine ("spicy", "lingerie"); these are not. A small, explainable list."""

_STEMS = ("nude", "naked", "porn", "xxx", "nsfw", "fuck", "pussy", "boob", "titt", "horny", "sext", "blowjob")
"""A hashtag joins words ("#nudeselfie"): on Instagram and TikTok one starting with these is refused too."""

_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    return _SEPARATORS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


_NEVER_TERMS = tuple(normalise(t) for terms in NEVER.values() for t in terms)
_EXPLICIT_TERMS = tuple(normalise(t) for t in EXPLICIT)


def forbidden_term(text: str, network: Network) -> str | None:
    """The first term of ``text`` the network must not carry (restricted anywhere, explicit on
    Instagram and TikTok), or None."""
    haystack = f" {normalise(text)} "
    terms = _NEVER_TERMS if RULES[network].explicit_allowed else (*_NEVER_TERMS, *_EXPLICIT_TERMS)
    for term in terms:
        if f" {term} " in haystack:
            return term
    if not RULES[network].explicit_allowed:
        for word in haystack.split():
            if len(word) > 4 and word.startswith(_STEMS):
                return word
    return None


def why_forbidden(term: str) -> str:
    return "restricted" if term in _NEVER_TERMS else "explicit"
