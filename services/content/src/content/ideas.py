"""Content ideas (pure): a person's request for ideas (the ai service answers it asynchronously,
``ideas.requested`` → ``ideas.generated``) and the ideas it brought — ``new``, ``accepted`` into the
calendar, or ``dismissed``. An idea's id is fixed by its request and its place in the answer, so a
redelivered answer stores nothing twice."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal

Target = Literal["onlyfans", "instagram", "tiktok", "x", "reddit"]
TARGETS: tuple[Target, ...] = ("onlyfans", "instagram", "tiktok", "x", "reddit")
MAX_COUNT = 20
MAX_THEME = 200
MAX_TITLE = 200
MAX_BODY = 2000
MAX_HASHTAGS = 30
MAX_HASHTAG = 100

_IDEAS = uuid.UUID("6f1d3a57-1c1e-4c55-9d0e-1b0a5e1d7c13")


class IdeaStatus(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class RequestStatus(StrEnum):
    PENDING = "pending"
    """Asked of the ai, not answered yet."""
    DONE = "done"


@dataclass(frozen=True)
class IdeaRequest:
    id: uuid.UUID
    creator_id: uuid.UUID
    target: Target
    count: int
    theme: str | None
    requested_by: uuid.UUID
    requested_at: datetime
    status: RequestStatus = RequestStatus.PENDING
    provider: str | None = None
    model: str | None = None
    done_at: datetime | None = None


@dataclass(frozen=True)
class Idea:
    id: uuid.UUID
    creator_id: uuid.UUID
    request_id: uuid.UUID
    position: int
    """Its place in the ai's answer (0-based)."""
    target: Target
    title: str
    body: str
    created_at: datetime
    updated_at: datetime
    hashtags: tuple[str, ...] = ()
    grounded_on: tuple[str, ...] = field(default=())
    """The facts of the creator's data it starts from, in words (as the ai said them)."""
    status: IdeaStatus = IdeaStatus.NEW
    planned_for: datetime | None = None
    """When it was accepted: when it is planned in the calendar."""
    calendar_item_id: uuid.UUID | None = None


def idea_id(request_id: uuid.UUID, position: int) -> uuid.UUID:
    """The id of the ``position``-th idea of a request: the same on every delivery of the answer."""
    return uuid.uuid5(_IDEAS, f"{request_id}:{position}")


def calendar_item_id(idea: uuid.UUID) -> uuid.UUID:
    """The calendar item an accepted idea becomes (one per idea, whatever the retries)."""
    return uuid.uuid5(_IDEAS, f"calendar:{idea}")


class IdeaRefused(Exception):
    """A change the idea's state does not allow (HTTP 409 with ``code``)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def edited(
    idea: Idea,
    *,
    now: datetime,
    title: str | None = None,
    body: str | None = None,
    hashtags: tuple[str, ...] | None = None,
    status: IdeaStatus | None = None,
) -> Idea:
    """The idea with a person's edits: its text, or its status (``dismissed``, or ``new`` again).
    An accepted idea is in the calendar: its status changes there, not here."""
    if status is not None and status is not idea.status:
        if status is IdeaStatus.ACCEPTED:
            raise IdeaRefused("use_accept", "an idea is accepted with POST /v1/content/ideas/{idea_id}/accept")
        if idea.status is IdeaStatus.ACCEPTED:
            raise IdeaRefused("idea_accepted", "the idea is accepted (planned in the calendar); change it there")
    return replace(
        idea,
        title=idea.title if title is None else title,
        body=idea.body if body is None else body,
        hashtags=idea.hashtags if hashtags is None else hashtags,
        status=idea.status if status is None else status,
        updated_at=now,
    )


def accepted(idea: Idea, *, starts_at: datetime, now: datetime) -> Idea:
    """The idea accepted into the calendar at ``starts_at`` (once: accepting it again is refused)."""
    if idea.status is IdeaStatus.ACCEPTED:
        raise IdeaRefused("idea_accepted", "the idea is accepted already (planned in the calendar)")
    return replace(
        idea,
        status=IdeaStatus.ACCEPTED,
        planned_for=starts_at,
        calendar_item_id=calendar_item_id(idea.id),
        updated_at=now,
    )
