"""The one calendar's domain: an entry (anything planned or done, from any service), its kinds, where
it comes from, and the errors a person's change can meet."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

KINDS = ("drop", "note", "post", "mass_message", "campaign", "shift", "automation")
OWN_KINDS = frozenset({"drop", "note"})
"""Items of the calendar itself (content.planned): moved and edited here."""
COMMAND_KINDS = frozenset({"post", "mass_message"})
"""Items of another service that a move asks that service to change (a command event)."""
SOURCE_OF = {
    "drop": "content",
    "note": "content",
    "post": "marketing",
    "mass_message": "inbox",
    "campaign": "marketing",
    "shift": "gateway",
    "automation": "inbox",
}
MAX_TITLE = 200
MAX_MEDIA = 50
MAX_SPAN = timedelta(days=366)
"""The longest window one GET /v1/calendar reads."""


def link_of(kind: str, entry_id: uuid.UUID, *, conversation_id: uuid.UUID | None = None) -> str:
    """The API path of the item in the service that owns it."""
    if kind == "post":
        return f"/v1/marketing/posts/{entry_id}"
    if kind == "mass_message":
        return f"/v1/inbox/mass-messages/{entry_id}"
    if kind == "campaign":
        return f"/v1/marketing/campaigns/{entry_id}"
    if kind == "shift":
        return "/v1/org/shifts"
    if kind == "automation":
        return f"/v1/inbox/conversations/{conversation_id}" if conversation_id else "/v1/inbox/automations"
    return f"/v1/calendar/entries/{entry_id}"


@dataclass(frozen=True)
class Entry:
    """One row of the calendar (the table ``calendar_entries``)."""

    creator_id: uuid.UUID
    entry_id: uuid.UUID
    kind: str
    source: str
    title: str
    starts_at: datetime
    ends_at: datetime | None
    status: str
    link: str
    network: str | None = None
    segments: tuple[str, ...] = ()
    media_ids: tuple[uuid.UUID, ...] = ()
    result_cents: int | None = None
    currency: str | None = None
    revision: int = 0
    pending_command_id: uuid.UUID | None = None
    pending_starts_at: datetime | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    final: bool = False
    """The owner said it is over: plan events no longer change its status."""
    event_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.pending_command_id is not None

    @property
    def planned_at(self) -> datetime:
        """Where a person sees it: the asked time while a move is pending, else the confirmed one."""
        return self.pending_starts_at or self.starts_at

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Starts in [start, end), or is a span running at ``start``."""
        if start <= self.starts_at < end:
            return True
        return self.ends_at is not None and self.starts_at < start < self.ends_at

    def shown_status(self, now: datetime) -> str:
        """Campaigns have no status event: planned before they start, active while they run, done after."""
        if self.kind != "campaign":
            return self.status
        if now < self.starts_at:
            return "planned"
        return "active" if self.ends_at is None or now < self.ends_at else "done"


# what a person's change can meet ----------------------------------------------------------------------


class NotFound(Exception):
    """No such entry for this creator (another creator's id included)."""


class Refused(Exception):
    """The request cannot be applied as it is (422); ``code`` names why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Conflict(Refused):
    """The entry's state does not allow it now (409)."""
