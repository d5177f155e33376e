"""Inbox rules (pure): draft lifecycle and message text."""

from __future__ import annotations

from enum import StrEnum

from huntaze_events import MAX_MESSAGE_CHARS


class DraftStatus(StrEnum):
    DRAFTED = "drafted"
    """Written by the AI; waiting for a person."""
    APPROVED = "approved"
    """Approved (maybe edited) by a person; being handed to the connector."""
    SENT = "sent"
    """Handed to the connector; part of the conversation."""


class Direction(StrEnum):
    IN = "in"
    """From the fan."""
    OUT = "out"
    """From the creator."""


class DraftNotApprovable(Exception):
    def __init__(self, status: DraftStatus) -> None:
        super().__init__(f"draft is already {status.value}; only a drafted reply can be approved")
        self.status = status


def check_approvable(status: DraftStatus) -> None:
    if status is not DraftStatus.DRAFTED:
        raise DraftNotApprovable(status)


def clean_text(text: str) -> str:
    """Trims surrounding whitespace; refuses empty or over-long text."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("text must not be empty")
    if len(cleaned) > MAX_MESSAGE_CHARS:
        raise ValueError(f"text must be at most {MAX_MESSAGE_CHARS} characters")
    return cleaned
