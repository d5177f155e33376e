"""The CRM's small domain objects: the creator's revenue settings, notes, sorting and errors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .segments import DEFAULT_WHALE_THRESHOLD_CENTS

FanSort = Literal["spend", "last_active", "expires_at"]
MAX_NOTE_CHARS = 2000
MAX_TAGS = 50
MAX_CUSTOM_SEGMENTS = 50


@dataclass(frozen=True)
class CreatorSettings:
    """Per creator: the account's currency (OnlyFans pays in one), the time zone of its statements,
    and the whale threshold (lifetime net spend)."""

    creator_id: uuid.UUID
    currency: str = "USD"
    timezone: str = "UTC"
    whale_threshold_cents: int = DEFAULT_WHALE_THRESHOLD_CENTS


@dataclass(frozen=True)
class Note:
    id: uuid.UUID
    creator_id: uuid.UUID
    fan_id: uuid.UUID
    author_id: uuid.UUID | None
    text: str
    created_at: datetime


class SegmentNameTaken(Exception):
    """A creator's custom segments have unique names."""


class CurrencyLocked(Exception):
    """The account's currency cannot change once transactions are recorded in it."""
