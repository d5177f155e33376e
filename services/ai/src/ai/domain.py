"""What a draft is made from: the fan's message, the conversation so far, the creator's persona.

Pure data and rules; no I/O. Providers (adapters/) turn a DraftRequest into text.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

HISTORY_LIMIT = 12
"""How many earlier messages of the conversation a draft is written with."""


class Tone(StrEnum):
    FRIENDLY = "friendly"
    FLIRTY = "flirty"
    PLAYFUL = "playful"
    PROFESSIONAL = "professional"


class EmojiUse(StrEnum):
    NONE = "none"
    LIGHT = "light"
    HEAVY = "heavy"


@dataclass(frozen=True)
class Persona:
    """How the creator talks to fans. Every field has a default, used when the creator set none."""

    tone: Tone = Tone.FRIENDLY
    emoji_use: EmojiUse = EmojiUse.LIGHT
    boundaries: tuple[str, ...] = ()
    """Things the creator never does, in their words ("no meetups", "no face pics")."""
    signature: str | None = None
    """Optional sign-off, e.g. "xx Mia"."""
    language: str = "en"


DEFAULT_PERSONA = Persona()


class Speaker(StrEnum):
    FAN = "fan"
    CREATOR = "creator"


@dataclass(frozen=True)
class HistoryLine:
    speaker: Speaker
    text: str
    at: datetime


@dataclass(frozen=True)
class DraftRequest:
    creator_id: uuid.UUID
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    fan_name: str
    message: str
    history: tuple[HistoryLine, ...] = field(default_factory=tuple)
    """Earlier messages, oldest first, not including ``message``."""
    persona: Persona = DEFAULT_PERSONA


@dataclass(frozen=True)
class Draft:
    text: str
    provider: str
    model: str | None


class DraftingProvider(Protocol):
    """Port: writes a reply for a person to approve. Never sends anything."""

    name: str

    async def draft(self, request: DraftRequest) -> Draft: ...


def first_name(display_name: str) -> str:
    """ "jake_88" → "Jake", "Mary Ann" → "Mary"; falls back to the raw name."""
    cleaned = display_name.strip().replace("_", " ").replace(".", " ")
    token = next((part for part in cleaned.split() if any(ch.isalpha() for ch in part)), "")
    letters = "".join(ch for ch in token if ch.isalpha() or ch in "-'")
    return letters[:1].upper() + letters[1:].lower() if letters else display_name.strip() or "there"
