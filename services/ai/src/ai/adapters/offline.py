"""Offline drafting: a deterministic, rule-based provider needing no network and no model.

It is the default provider when no OpenAI key is configured, so its drafts have to read as
replies a creator could approve as they are. A draft is built in five steps:

1. Intents. The fan's message is matched case-insensitively against keyword regexes
   (greeting, compliment, customs, price, content request, meetup, ...). A message can match
   several; the one listed first in ``Intent`` is answered, and a greeting or "how are you"
   is acknowledged in the opening sentence.
2. Boundaries. Each of the persona's boundaries ("no meetups", "no face pics") is reduced to
   its meaningful words; when the fan asks for something mentioning one of its specific words,
   the reply declines that kindly instead of agreeing.
3. History. If the creator greeted the fan in the last few lines, the reply does not greet
   again; if the fan raised the same topic before, the reply says so; and the reply never
   opens with the same sentence as the creator's last line.
4. Wording. Templates are chosen per intent and tone (professional: no pet names, no
   flirting). Every choice is made with a SHA-256 of the message id and a salt, so the same
   request always gives the same draft while different messages get varied wording.
5. Style. Emoji per ``persona.emoji_use`` (none, one, or two to three), then the signature.

Replies never quote a price (the creator sets prices), never promise money back and never say
they were written by software. Personas in other languages are answered in English.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence

from ai.adapters.offline_captions import compose_captions
from ai.adapters.offline_occasions import compose_occasion
from ai.adapters.offline_reading import (  # steps 1-3: reading the message and the conversation
    _ADJECTIVE,
    Intent,
    _analyse,
    _Analysis,
    _creator_greeted_recently,
    _fan_raised_before,
    _first_sentence,
    _last_creator_opening,
    _media,
    _normalise,
    _questions,
    _thanks_for,
    _topic,
)
from ai.adapters.offline_wordings import (  # step 4: the wording tables
    _ALTERNATIVES,
    _ANY,
    _DEFAULT_ALTERNATIVE,
    _FAREWELLS,
    _FOLLOW_UPS,
    _SOFT_EMOJIS,
    _SOFT_INTENTS,
    _STYLES,
    _TEMPLATES,
)
from ai.captions import CaptionRequest, Captions
from ai.domain import Draft, DraftRequest, EmojiUse, Tone, first_name

MAX_CHARS = 400
_MAX_ATTEMPTS = 6
"""Re-rolls allowed to avoid repeating the opening of the creator's last line."""


# --- composition ------------------------------------------------------------------------


class _Picker:
    """Stable choices: SHA-256 of the message id, the attempt and a salt per decision."""

    def __init__(self, message_id: uuid.UUID, attempt: int) -> None:
        self._seed = f"{message_id}:{attempt}"

    def __call__(self, options: Sequence[str], salt: str) -> str:
        digest = hashlib.sha256(f"{self._seed}:{salt}".encode()).digest()
        return options[int.from_bytes(digest[:8], "big") % len(options)]


def _templates(key: str, tone: Tone, slots: dict[str, str]) -> list[str]:
    """The wordings for ``key`` in ``tone`` whose slots can be filled; topic-echoing ones first."""
    table = _TEMPLATES[key]
    options = table.get(tone.value, table[_ANY])
    usable = [t for t in options if all(s in slots for s in re.findall(r"\{(\w+)\}", t))]
    return [t for t in usable if "{topic}" in t] or usable


def _body(request: DraftRequest, analysis: _Analysis, pick: _Picker) -> str:
    tone, text = request.persona.tone, request.message
    main = analysis.main
    slots = {"pet": pick(_STYLES[tone].pets, "pet"), "media": _media(text)}
    slots["thanks_for"] = _thanks_for(text)
    if adjective := _ADJECTIVE.search(text):
        slots["adj"] = adjective.group(1).lower()
    if topic := _topic(_questions(text) if main is Intent.QUESTION else text):
        slots["topic"] = topic[:60]
    if analysis.decline:
        slots["alternative"] = pick(_ALTERNATIVES.get(main, _DEFAULT_ALTERNATIVE), "alternative")
        key = "decline"
    elif main is Intent.GREETING and analysis.how_are_you:
        key = "how_are_you"
    else:
        key = main.value
    return pick(_templates(key, tone, slots), "body").format(**slots)


def _opening(request: DraftRequest, analysis: _Analysis, name: str, pick: _Picker) -> str | None:
    """The first sentence, or None when the body should just address the fan by name."""
    style = _STYLES[request.persona.tone]
    if analysis.main in _FOLLOW_UPS and _fan_raised_before(request.history, analysis.main):
        return _FOLLOW_UPS[analysis.main].format(name=name)
    if analysis.main in _FAREWELLS or _creator_greeted_recently(request.history):
        return None
    if analysis.how_are_you and analysis.main is not Intent.GREETING:
        return pick(style.how_are_you, "opening").format(name=name)
    return pick(style.hellos, "opening").format(name=name)


def _address(name: str, body: str) -> str:
    """ "Jake, i'd…" is wrong, "Jake, I'd…" and "Jake, thank you…" are right."""
    head = body if re.match(r"I\b", body) else body[:1].lower() + body[1:]
    return f"{name}, {head}"


def _add_emoji(text: str, request: DraftRequest, main: Intent, pick: _Picker) -> str:
    use = request.persona.emoji_use
    if use is EmojiUse.NONE:
        return text
    palette = _SOFT_EMOJIS if main in _SOFT_INTENTS else _STYLES[request.persona.tone].emojis
    count = 1 if use is EmojiUse.LIGHT else 2 + int(pick(("0", "1"), "emoji-count"))
    start = palette.index(pick(palette, "emoji"))
    chosen = [palette[(start + i) % len(palette)] for i in range(count)]
    sentences = re.split(r"(?<=[.!?])\s+", text)
    if len(sentences) > 1 and count > 1:
        sentences[0] += " " + chosen.pop(0)
    sentences[-1] += " " + "".join(chosen)
    return " ".join(sentences)


def _compose(request: DraftRequest, analysis: _Analysis, attempt: int) -> str:
    pick = _Picker(request.message_id, attempt)
    name = first_name(request.fan_name)[:24]
    body = _body(request, analysis, pick)
    opening = _opening(request, analysis, name, pick)
    text = f"{opening} {body}" if opening else _address(name, body)
    if extra := _standing_sentence(request, pick):
        text = f"{text} {extra}"
    if request.instruction and _SHORTER.search(request.instruction):
        text = _first_sentence(text) if opening is None else f"{opening} {_first_sentence(body)}"
    return _add_emoji(text, request, analysis.main, pick)


_SHORTER = re.compile(r"\b(short|shorter|brief|less)\b", re.IGNORECASE)
_STANDING_SENTENCES = {
    "whale": ("You're one of my absolute favourites, you know that?", "I always love hearing from you."),
    "new": ("Welcome to my page, so happy you're here!", "Welcome! So glad you joined me."),
    "expiring": (
        "Btw your sub ends {ends} — renew so we don't lose each other?",
        "Your sub runs out {ends}, stay with me?",
    ),
    "lapsed": ("I've missed you around here, come back?", "It's not the same without you here."),
}


def _standing_sentence(request: DraftRequest, pick: _Picker) -> str | None:
    """One sentence for who the fan is to the creator (expiring first: it is the one that can't wait)."""
    for standing in ("expiring", "whale", "new", "lapsed"):
        if standing in request.standing:
            return pick(_STANDING_SENTENCES[standing], "standing").format(ends=request.ends or "soon")
    return None


def compose_reply(request: DraftRequest) -> str:
    """The draft text for ``request``: deterministic, short, signed."""
    analysis = _analyse(request)
    previous = _last_creator_opening(request.history)
    text = _compose(request, analysis, 0)
    for attempt in range(1, _MAX_ATTEMPTS):
        if _normalise(_first_sentence(text)) != previous:
            break
        text = _compose(request, analysis, attempt)
    signature = (request.persona.signature or "").strip()
    if signature:
        text = f"{text}\n{signature[: max(MAX_CHARS - len(text) - 2, 0)]}".rstrip()
    return text


class OfflineProvider:
    """DraftingProvider (and CaptionWriter) that writes replies and captions from rules and
    templates, without any network."""

    name = "offline"

    def __init__(self) -> None:
        """Nothing to configure: no key, no network, no model files."""

    async def draft(self, request: DraftRequest) -> Draft:
        text = compose_occasion(request) if request.occasion else compose_reply(request)
        return Draft(text=text, provider=self.name, model=None)

    async def captions(self, request: CaptionRequest) -> Captions:
        """Three caption suggestions for a social post (:mod:`ai.adapters.offline_captions`)."""
        return Captions(compose_captions(request), provider=self.name, model=None)
