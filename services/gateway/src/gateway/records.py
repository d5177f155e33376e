"""What the gateway stores besides people and organisations: credentials, invitations, shifts, audit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RefreshToken:
    digest: str
    session_id: uuid.UUID
    user_id: uuid.UUID
    issued_at: datetime
    expires_at: datetime
    rotated_at: datetime | None = None
    """Set when it was exchanged: presenting it again is a reuse (the session is then revoked)."""
    session_revoked_at: datetime | None = None


@dataclass(frozen=True)
class ConnectorKey:
    id: uuid.UUID
    org_id: uuid.UUID
    creator_id: uuid.UUID
    name: str
    digest: str
    created_by: uuid.UUID
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Invitation:
    id: uuid.UUID
    org_id: uuid.UUID
    email: str
    role: str
    creator_ids: tuple[uuid.UUID, ...] | None
    token_digest: str
    invited_by: uuid.UUID
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None = None
    accepted_by: uuid.UUID | None = None
    revoked_at: datetime | None = None

    def status(self, now: datetime) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= self.expires_at else "pending"


@dataclass(frozen=True)
class Shift:
    id: uuid.UUID
    org_id: uuid.UUID
    user_id: uuid.UUID
    creator_ids: tuple[uuid.UUID, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: uuid.UUID
    created_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    org_id: uuid.UUID
    at: datetime
    actor_user_id: uuid.UUID | None
    actor_key_id: uuid.UUID | None
    actor_role: str
    creator_id: uuid.UUID | None
    action: str
    """The route: ``POST /v1/inbox/drafts/{draft_id}/approve``."""
    target: str
    """The concrete path acted on."""
    request_id: uuid.UUID | None
    status: int | None = None
    """The answer's status; None while unknown (the gateway stopped before the answer)."""
    id: int | None = None
