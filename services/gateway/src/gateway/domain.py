"""Identity (pure): users, creator accounts (the tenants) and who works on which, as what."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

OWNER = "owner"


@dataclass(frozen=True)
class User:
    id: uuid.UUID
    email: str
    password_hash: str
    display_name: str
    created_at: datetime


@dataclass(frozen=True)
class Creator:
    """A creator account: the tenant every piece of data belongs to."""

    id: uuid.UUID
    display_name: str
    created_at: datetime


@dataclass(frozen=True)
class Membership:
    """Who works on which creator account, and as what (owner, manager, chatter, analyst)."""

    user_id: uuid.UUID
    creator_id: uuid.UUID
    role: str
    created_at: datetime


class EmailTaken(Exception):
    pass


def normal_email(email: str) -> str:
    return email.strip().lower()
