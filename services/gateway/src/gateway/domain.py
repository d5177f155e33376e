"""Identity (pure): users, organisations, their creator accounts (the tenants), staff and their roles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from .permissions import Role

OWNER = Role.OWNER.value


@dataclass(frozen=True)
class User:
    id: uuid.UUID
    email: str
    password_hash: str
    display_name: str
    created_at: datetime


@dataclass(frozen=True)
class Organization:
    """An agency, or a solo creator's own: owns creator accounts, employs staff."""

    id: uuid.UUID
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Creator:
    """A creator account: the tenant every piece of data belongs to."""

    id: uuid.UUID
    display_name: str
    created_at: datetime
    org_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Membership:
    """A user's role in an organisation, on all its creator accounts or only on ``creator_ids``."""

    user_id: uuid.UUID
    org_id: uuid.UUID
    role: str
    created_at: datetime
    creator_ids: tuple[uuid.UUID, ...] | None = None
    """None: every creator account of the organisation (now and later)."""

    def covers(self, creator_id: uuid.UUID) -> bool:
        return self.creator_ids is None or creator_id in self.creator_ids


@dataclass(frozen=True)
class Access:
    """What one request may act on: resolved from the credentials and the creator in scope."""

    user_id: uuid.UUID
    org_id: uuid.UUID | None
    role: str
    creator_id: uuid.UUID | None
    session_id: uuid.UUID | None = None
    """The refresh-token family of the access token (None for a connector key)."""
    key_id: uuid.UUID | None = None
    """The connector key (None for a person)."""
    creator_ids: tuple[uuid.UUID, ...] = field(default=())
    """Every creator account the caller may access in this organisation."""


class EmailTaken(Exception):
    pass


class NotFound(Exception):
    """Unknown, or belonging to another organisation: answered 404 either way."""


class ScopeRequired(Exception):
    """The caller can act on several creator accounts (or organisations) and did not say which one."""


class Conflict(Exception):
    """A valid request the current state refuses (the last owner, an invitation already used…)."""


def normal_email(email: str) -> str:
    return email.strip().lower()
