"""Inbox rules and types (pure): conversations, messages, drafts and their lifecycle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from huntaze_events import MAX_MESSAGE_CHARS
from huntaze_service import refuse_nul


class DraftStatus(StrEnum):
    DRAFTED = "drafted"
    """Written by the AI; waiting for a person."""
    APPROVED = "approved"
    """Approved (maybe edited) by a person; being handed to the connector."""
    SENT = "sent"
    """Handed to the connector; part of the conversation."""
    FAILED = "failed"
    """The connector refused it, or kept failing past the attempts; a person may approve it again."""
    SUPERSEDED = "superseded"
    """A person asked for another draft, and it came: this one can no longer be approved."""


class Direction(StrEnum):
    IN = "in"
    """From the fan."""
    OUT = "out"
    """From the creator."""


@dataclass
class Conversation:
    id: uuid.UUID
    creator_id: uuid.UUID
    fan_id: uuid.UUID
    fan_external_id: str
    fan_display_name: str
    created_at: datetime
    last_message_at: datetime
    message_count: int


@dataclass
class Message:
    id: uuid.UUID
    creator_id: uuid.UUID
    conversation_id: uuid.UUID
    direction: Direction
    text: str
    sent_at: datetime
    received_at: datetime
    external_id: str | None = None
    draft_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = None
    """Set on the outbound message that carried a paid offer."""
    automation: str | None = None
    """Set on an outbound message an automation wrote (``welcome``, ``thank_you``…)."""


@dataclass
class Draft:
    id: uuid.UUID
    creator_id: uuid.UUID
    conversation_id: uuid.UUID
    in_reply_to_message_id: uuid.UUID | None
    """The fan message it answers; None for an automation's draft (its trigger is not a message)."""
    status: DraftStatus
    text: str
    original_text: str
    provider: str
    model: str | None
    created_at: datetime
    approved_at: datetime | None = None
    approved_by: uuid.UUID | None = None
    approved_shift_id: uuid.UUID | None = None
    """The approver's shift when they approved it (from the gateway), if they were on one."""
    sent_at: datetime | None = None
    sent_message_id: uuid.UUID | None = None
    delivery: str | None = None
    send_error: str | None = None
    review_reasons: tuple[str, ...] = ()
    """Why the fan's message must be read by a person (it tried to steer the AI): never autosent."""
    supersedes: uuid.UUID | None = None
    """The draft this one replaces (a person asked for another)."""
    superseded_by: uuid.UUID | None = None
    automation: str | None = None
    """The automation that wrote it, if any (then ``automation_run_id`` is its run)."""
    automation_run_id: uuid.UUID | None = None

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons)

    @property
    def edited(self) -> bool:
        return self.text != self.original_text


@dataclass(frozen=True)
class ConversationSummary:
    conversation: Conversation
    last_message: Message | None
    pending_drafts: int


class DraftNotApprovable(Exception):
    def __init__(self, status: DraftStatus) -> None:
        super().__init__(f"draft is already {status.value}; only a drafted or failed reply can be approved")
        self.status = status


class DraftNotRegenerable(Exception):
    def __init__(self, status: DraftStatus) -> None:
        super().__init__(f"draft is {status.value}; only a drafted or failed reply can be drafted again")
        self.status = status


class AutomatedDraftNotRegenerable(DraftNotRegenerable):
    def __init__(self) -> None:
        Exception.__init__(
            self, "an automation's draft answers no fan message: edit its text, or switch the automation's text"
        )
        self.status = DraftStatus.DRAFTED


def check_regenerable(status: DraftStatus) -> None:
    if status not in (DraftStatus.DRAFTED, DraftStatus.FAILED):
        raise DraftNotRegenerable(status)


def check_approvable(status: DraftStatus) -> None:
    if status not in (DraftStatus.DRAFTED, DraftStatus.FAILED):
        raise DraftNotApprovable(status)


def storable(value: str) -> str:
    """Refuses a NUL character, which PostgreSQL text cannot hold (JSON may carry one): the request
    answers 422 instead of failing at the INSERT (a 500), and no event downstream carries it. (A
    lone surrogate never gets here: pydantic refuses it as a string.)"""
    return refuse_nul(value)


def clean_text(text: str) -> str:
    """Trims surrounding whitespace; refuses empty, over-long or unstorable text."""
    cleaned = storable(text).strip()
    if not cleaned:
        raise ValueError("text must not be empty")
    if len(cleaned) > MAX_MESSAGE_CHARS:
        raise ValueError(f"text must be at most {MAX_MESSAGE_CHARS} characters")
    return cleaned


class SendReply(BaseModel):
    """The ``send_reply`` external call: the approved text as stored in the inbox's own database
    (never the text of an event, which anyone able to write to the topic could forge)."""

    model_config = ConfigDict(frozen=True)

    draft_id: uuid.UUID
    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    fan_external_id: str
    text: str
