"""What a draft is made from: the fan's message, the conversation so far, the creator's persona.

Pure data and rules; no I/O. Providers (adapters/) turn a DraftRequest into text.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict

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
    standing: tuple[str, ...] = ()
    """Who the fan is to the creator when the message arrived (:class:`ai.fan_facts.Standing`)."""
    ends: str | None = None
    """When their subscription ends, in words ("tomorrow"), if it is ending."""
    instruction: str | None = None
    """A person's instruction for this draft ("shorter, tease the new set"), when they asked for
    another; or the creator's instruction for an automation's message."""
    occasion: str | None = None
    """Set for an automation's message (``welcome``, ``thank_you``…): a first message for that
    occasion, not a reply; ``message`` is then the fan's latest words, if any (context only)."""


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


@dataclass(frozen=True)
class Line:
    """One line of a conversation as the ai service remembers it (its read model of the inbox)."""

    id: uuid.UUID
    creator_id: uuid.UUID
    conversation_id: uuid.UUID
    speaker: Speaker
    text: str
    at: datetime
    fan_id: uuid.UUID | None = None
    """The fan of the conversation (None on lines stored before erasure existed)."""


@dataclass(frozen=True)
class Generation:
    """A draft written for a fan's message (one per message) or an automation's text (one per run:
    ``message_id`` then holds the run id), with who wrote it and how fast."""

    draft_id: uuid.UUID
    message_id: uuid.UUID
    creator_id: uuid.UUID
    conversation_id: uuid.UUID
    provider: str
    model: str | None
    text: str
    latency_ms: int
    created_at: datetime
    fan_id: uuid.UUID | None = None
    supersedes: uuid.UUID | None = None
    instruction: str | None = None


DRAFT_NAMESPACE = uuid.UUID("3d1f8a42-7c55-4e0b-b1a9-6a0e2f4c9d17")


def draft_id_for(message_id: uuid.UUID) -> uuid.UUID:
    """The automatic draft of a message has a stable id: a repeat can never make a second one."""
    return uuid.uuid5(DRAFT_NAMESPACE, str(message_id))


def regenerated_draft_id(request_event_id: uuid.UUID) -> uuid.UUID:
    """A regeneration's draft id, stable per request: a repeat of the request makes no second one."""
    return uuid.uuid5(DRAFT_NAMESPACE, f"regeneration:{request_event_id}")


def earlier_lines(lines: list[Line], message_id: uuid.UUID, sent_at: datetime) -> tuple[HistoryLine, ...]:
    """The conversation before a message (oldest first, at most HISTORY_LIMIT lines)."""
    earlier = [line for line in lines if line.id != message_id and line.at <= sent_at]
    return tuple(HistoryLine(line.speaker, line.text, line.at) for line in earlier[-HISTORY_LIMIT:])


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PersonaModel(_Frozen):
    tone: Tone
    emoji_use: EmojiUse
    boundaries: tuple[str, ...] = ()
    signature: str | None = None
    language: str = "en"


class HistoryModel(_Frozen):
    speaker: Speaker
    text: str
    at: AwareDatetime


class DraftCall(_Frozen):
    """What the ``draft_reply`` external call needs, fixed when it is recorded: the prompt is the
    conversation as it was when the fan's message arrived, whenever the call is made."""

    conversation_id: uuid.UUID
    message_id: uuid.UUID
    fan_id: uuid.UUID
    fan_name: str
    message: str
    history: tuple[HistoryModel, ...]
    persona: PersonaModel
    standing: tuple[str, ...] = ()
    ends: str | None = None
    instruction: str | None = None
    supersedes: uuid.UUID | None = None
    """Set when a person asked for another draft: the draft this one replaces."""
    draft_id: uuid.UUID | None = None
    """The new draft's id when it is a regeneration or an automation's (else the message's automatic draft id)."""
    occasion: str | None = None
    """An automation's message: the automation (then ``message_id`` is its run's id)."""
    quota_period: str | None = None
    """The month (``YYYY-MM``) one of the organisation's AI drafts was counted in for this call, given
    back if the call fails for good; None: nothing was counted (organisation not known yet)."""

    @classmethod
    def of(
        cls,
        request: DraftRequest,
        fan_id: uuid.UUID,
        supersedes: uuid.UUID | None = None,
        draft_id: uuid.UUID | None = None,
        quota_period: str | None = None,
    ) -> DraftCall:
        p = request.persona
        return cls(
            quota_period=quota_period,
            occasion=request.occasion,
            standing=request.standing,
            ends=request.ends,
            instruction=request.instruction,
            supersedes=supersedes,
            draft_id=draft_id,
            conversation_id=request.conversation_id,
            message_id=request.message_id,
            fan_id=fan_id,
            fan_name=request.fan_name,
            message=request.message,
            history=tuple(HistoryModel(speaker=h.speaker, text=h.text, at=h.at) for h in request.history),
            persona=PersonaModel(
                tone=p.tone, emoji_use=p.emoji_use, boundaries=p.boundaries, signature=p.signature, language=p.language
            ),
        )

    def request(self, creator_id: uuid.UUID) -> DraftRequest:
        p = self.persona
        return DraftRequest(
            creator_id=creator_id,
            conversation_id=self.conversation_id,
            message_id=self.message_id,
            fan_name=self.fan_name,
            message=self.message,
            history=tuple(HistoryLine(h.speaker, h.text, h.at) for h in self.history),
            persona=Persona(p.tone, p.emoji_use, tuple(p.boundaries), p.signature, p.language),
            standing=self.standing,
            ends=self.ends,
            instruction=self.instruction,
            occasion=self.occasion,
        )


@dataclass(frozen=True)
class Drafted:
    """What a provider answered for a DraftCall, and how long it took."""

    draft: Draft
    latency_ms: int
