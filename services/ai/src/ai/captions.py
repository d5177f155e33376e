"""Captions for a social post that promotes the creator's OnlyFans (``POST /v1/ai/captions``).

Three suggestions for one network, each a caption, a call to action (CTA) and hashtags (and a title
on Reddit). A provider writes them (the offline writer, or the remote model), then this module checks
every one against the network's rules, whatever the provider was told:

- the post's text — caption, CTA and hashtags as they would be posted — fits the network's limit,
  counted the way the network counts (X: weighted characters; TikTok: UTF-16 units);
- no more hashtags than the network takes (none on Reddit), each a valid ``#tag``;
- no restricted term anywhere (:data:`NEVER`, the inbox's policy list), and on Instagram and TikTok
  no explicit word (:data:`EXPLICIT`);
- on Instagram and TikTok the CTA points to the link in bio.

What can be fixed is fixed (a hashtag too many or refused is dropped, hashtags are dropped from the
end until the text fits, a CTA that does not point to the bio is replaced by the offline one); what
cannot — an explicit or restricted word in the caption, a caption and CTA too long on their own, a
slot missing or repeating another — replaces that suggestion with the offline writer's for the same
slot. Nothing is stored: a suggestion is a suggestion.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from .caption_rules import RULES, Network, forbidden_term, normalise, why_forbidden
from .domain import EmojiUse, Tone
from .untrusted import review_reasons

SUGGESTIONS = 3
"""How many suggestions one request answers."""


# --- requests and suggestions -------------------------------------------------------------------------


@dataclass(frozen=True)
class CaptionRequest:
    creator_id: uuid.UUID
    network: Network
    brief: str
    """What the post is about, in the creator's words (untrusted text: fenced in a prompt)."""
    media_description: str | None = None
    """What the photo or video shows (untrusted text too)."""
    tone: Tone = Tone.FRIENDLY
    emoji_use: EmojiUse = EmojiUse.LIGHT
    boundaries: tuple[str, ...] = ()
    """The creator's boundaries (persona): a caption promises nothing they do not do."""
    language: str = "en"
    """The persona's language (the remote model writes in it; the offline writer writes English)."""


@dataclass(frozen=True)
class Suggestion:
    caption: str
    cta: str
    hashtags: tuple[str, ...] = ()
    title: str | None = None


@dataclass(frozen=True)
class Captions:
    """What a provider wrote: up to three suggestions (more are ignored), its name and model."""

    suggestions: tuple[Suggestion, ...]
    provider: str
    model: str | None = None


class CaptionsUnavailable(Exception):
    """The remote model gave no usable answer (failed, timed out, or answered something unreadable)."""


@runtime_checkable
class CaptionWriter(Protocol):
    """Port: writes caption suggestions. Never posts anything."""

    name: str

    async def captions(self, request: CaptionRequest) -> Captions: ...


# --- the checks ---------------------------------------------------------------------------------------

HASHTAG = re.compile(r"(?<![\w&])#(?=\w*[^\W\d_])\w+", re.UNICODE)
"""A hashtag as the networks link one: ``#`` then letters, digits or ``_``, at least one letter."""
_TAG = re.compile(r"^#(?=\w*[^\W\d_])\w{1,60}$", re.UNICODE)
_LINK_IN_BIO = re.compile(r"\blink in (?:my )?bio\b", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]+")


def post_text(suggestion: Suggestion) -> str:
    """The text as it would be posted: caption, CTA, hashtags, a blank line apart (Reddit: the body)."""
    tags = " ".join(suggestion.hashtags)
    return "\n\n".join(part for part in (suggestion.caption, suggestion.cta, tags) if part)


def length(suggestion: Suggestion, network: Network) -> int:
    return RULES[network].measure(post_text(suggestion))


class Unfit(ValueError):
    """A suggestion that cannot be made to fit its network: replaced by the offline one (``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _clean(text: str | None) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in (text or "").replace("\r", "").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _tag(raw: str) -> str | None:
    tag = "#" + re.sub(r"\s+", "", raw).lstrip("#")
    return tag if _TAG.match(tag) else None


def fit(suggestion: Suggestion, network: Network, *, cta: str | None = None) -> tuple[Suggestion, tuple[str, ...]]:
    """``suggestion`` made to respect the network's rules, and what was changed (``hashtags_trimmed``,
    ``hashtag_refused``, ``cta_replaced``); raises :class:`Unfit` when it cannot be. ``cta`` replaces
    a missing CTA, or one that does not point to the link in bio where the network needs it."""
    rules = RULES[network]
    changed: list[str] = []
    caption, own_cta = _clean(suggestion.caption), _clean(suggestion.cta).replace("\n", " ")
    title = _clean(suggestion.title).replace("\n", " ") if rules.title_max_chars else None
    if not caption:
        raise Unfit("empty")
    if rules.title_max_chars is not None:
        if not title:
            raise Unfit("no_title")
        if rules.measure(title) > rules.title_max_chars:
            raise Unfit("title_too_long")
    if not own_cta or (rules.link_in_bio and not _LINK_IN_BIO.search(own_cta)):
        if cta is None:
            raise Unfit("no_cta")
        own_cta = cta
        changed.append("cta_replaced")
    for part in (caption, own_cta, title or ""):
        if (term := forbidden_term(part, network)) is not None:
            raise Unfit(why_forbidden(term))
    inline = {t.casefold() for t in HASHTAG.findall(f"{caption}\n{own_cta}\n{title or ''}")}
    if len(inline) > rules.max_hashtags:
        raise Unfit("too_many_hashtags")
    tags: list[str] = []
    for raw in suggestion.hashtags:
        tag = _tag(raw)
        if tag is None or forbidden_term(tag, network) is not None:
            changed.append("hashtag_refused")
        elif tag.casefold() not in inline and tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    room = rules.max_hashtags - len(inline)
    if len(tags) > room:
        del tags[room:]
        changed.append("hashtags_trimmed")
    fitted = Suggestion(caption, own_cta, tuple(tags), title)
    while length(fitted, network) > rules.max_chars and fitted.hashtags:
        fitted = Suggestion(caption, own_cta, fitted.hashtags[:-1], title)
        if "hashtags_trimmed" not in changed:
            changed.append("hashtags_trimmed")
    if length(fitted, network) > rules.max_chars:
        raise Unfit("too_long")
    return fitted, tuple(dict.fromkeys(changed))


# --- the use case ---------------------------------------------------------------------------------------

SAFE = Suggestion("Something new is up.", "Link in bio.")
"""The last resort of a slot (never needed with the offline writer, whose suggestions fit): fits
every network, holds no term of any list."""


@dataclass(frozen=True)
class Checked:
    """One suggestion as answered: within its network's rules, and who wrote it."""

    suggestion: Suggestion
    length: int
    provider: str
    model: str | None = None
    adjustments: tuple[str, ...] = ()
    fallback: str | None = None
    """Why the provider's suggestion for this slot was replaced by the offline one (None: it was not)."""


@dataclass(frozen=True)
class Answer:
    network: Network
    tone: Tone
    suggestions: tuple[Checked, ...]
    review: tuple[str, ...] = field(default_factory=tuple)
    """Why a person should read the suggestions closely: the brief tried to steer the AI
    (:func:`ai.untrusted.review_reasons`)."""


@dataclass(frozen=True)
class Captioner:
    """Asks ``writer`` (the configured provider) and checks each suggestion; ``offline`` writes the
    replacement of a slot that cannot be made to fit."""

    writer: CaptionWriter
    offline: CaptionWriter

    async def suggest(self, request: CaptionRequest) -> Answer:
        """Raises CaptionsUnavailable when the remote model failed and no offline fallback is configured."""
        offline = await self.offline.captions(request)
        written = offline if self.writer is self.offline else await self.writer.captions(request)
        answered: list[Checked] = []
        seen: set[str] = set()
        for slot in range(SUGGESTIONS):
            mine = offline.suggestions[slot] if slot < len(offline.suggestions) else SAFE
            checked = _checked(written, slot, request.network, cta=mine.cta, seen=seen)
            if isinstance(checked, str):
                checked = _replacement(mine, request.network, offline.provider, reason=checked)
            seen.add(normalise(checked.suggestion.caption))
            answered.append(checked)
        review = review_reasons(f"{request.brief}\n{request.media_description or ''}")
        return Answer(request.network, request.tone, tuple(answered), review)


def _checked(written: Captions, slot: int, network: Network, *, cta: str, seen: set[str]) -> Checked | str:
    """The provider's suggestion for ``slot``, fitted, or why it cannot be used."""
    if slot >= len(written.suggestions):
        return "missing"
    try:
        fitted, changed = fit(written.suggestions[slot], network, cta=cta)
    except Unfit as exc:
        return exc.reason
    if normalise(fitted.caption) in seen:
        return "duplicate"
    return Checked(fitted, length(fitted, network), written.provider, written.model, changed)


def _replacement(mine: Suggestion, network: Network, provider: str, *, reason: str) -> Checked:
    try:
        fitted, changed = fit(mine, network, cta=SAFE.cta)
    except Unfit:
        fitted, changed = fit(_safe(network), network)
    return Checked(fitted, length(fitted, network), provider, None, changed, fallback=reason)


def _safe(network: Network) -> Suggestion:
    return Suggestion(SAFE.caption, SAFE.cta, title=SAFE.caption if RULES[network].title_max_chars else None)
