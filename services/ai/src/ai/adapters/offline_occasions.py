"""The offline provider's automation messages: a first message for an occasion (a welcome, a
thank-you, a follow-up on an offer, a win-back, a re-engagement), not a reply to the fan's words.

It follows the creator's instruction where rules can: "short"/"brief" keeps one sentence; "mention",
"tease", "about" or "promote" followed by words adds a sentence about them. The fan's standing
(whale, expiring…) adds its sentence; the persona's emoji use and sign-off apply. Deterministic for
a given run (choices are seeded by its id).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from ai.domain import DraftRequest, EmojiUse, first_name

MAX_CHARS = 400

_OPENINGS: dict[str, tuple[str, ...]] = {
    "welcome": ("Hey {name}, welcome! So happy you're here.", "Welcome {name}! I'm so glad you joined me."),
    "thank_you": ("Thank you so much {name}, you made my day!", "{name}, thank you, that means a lot to me!"),
    "ppv_follow_up": (
        "Hey {name}, did you get a chance to open what I sent you?",
        "{name}, I'm curious what you'll think of what I sent you.",
    ),
    "win_back": (
        "{name}, your sub ends {ends} and I'd really miss you, stay a little longer?",
        "Hey {name}, I noticed your sub runs out {ends}, don't go yet!",
    ),
    "re_engage": ("Hey {name}, it's been a while! I've missed you around here.", "{name}! Long time, I missed you."),
}
_GENERIC = ("Hey {name}!",)
_CLOSINGS: dict[str, tuple[str, ...]] = {
    "welcome": ("Tell me what you'd love to see.", "What made you subscribe?"),
    "thank_you": ("I hope you love it as much as I do.", "Let me know what you think."),
    "ppv_follow_up": ("I think you'll love it.", "It's one of my favourites."),
    "win_back": ("I have so much coming for you.", "The best is still to come."),
    "re_engage": ("I've posted a lot since, come say hi.", "Come see what's new."),
}
_WHALE = "You're one of my absolute favourites, you know that?"
_SHORTER = re.compile(r"\b(short|shorter|brief)\b", re.IGNORECASE)
_TOPIC = re.compile(r"\b(?:mention|tease|about|promote)\s+(?:the\s+|my\s+|our\s+)?([^,.;!?]{3,60})", re.IGNORECASE)
_EMOJIS = ("💕", "😘", "🥰", "✨")


def _pick(seed: str, options: Sequence[str], salt: str) -> str:
    digest = hashlib.sha256(f"{seed}:{salt}".encode()).digest()
    return options[int.from_bytes(digest[:8], "big") % len(options)]


def compose_occasion(request: DraftRequest) -> str:
    """The automation's message for ``request`` (``request.occasion`` names the automation)."""
    occasion = request.occasion or ""
    seed = str(request.message_id)
    name = first_name(request.fan_name)[:24]
    ends = request.ends or "soon"
    sentences = [_pick(seed, _OPENINGS.get(occasion, _GENERIC), "opening").format(name=name, ends=ends)]
    instruction = request.instruction or ""
    if topic := _TOPIC.search(instruction):
        sentences.append(f"Have you seen my {topic.group(1).strip()}? I think you'll love it.")
    elif occasion in _CLOSINGS:
        sentences.append(_pick(seed, _CLOSINGS[occasion], "closing"))
    if "whale" in request.standing and occasion != "win_back":
        sentences.append(_WHALE)
    if _SHORTER.search(instruction):
        sentences = sentences[:1]
    text = " ".join(sentences)
    use = request.persona.emoji_use
    if use is not EmojiUse.NONE:
        count = 1 if use is EmojiUse.LIGHT else 2
        start = _EMOJIS.index(_pick(seed, _EMOJIS, "emoji"))
        text += " " + "".join(_EMOJIS[(start + i) % len(_EMOJIS)] for i in range(count))
    signature = (request.persona.signature or "").strip()
    if signature:
        text = f"{text}\n{signature}"
    return text[:MAX_CHARS]
