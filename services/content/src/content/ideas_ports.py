"""What the ideas use cases need from storage."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from .ideas import Idea, IdeaRequest, IdeaStatus, Target

IdeasPosition = tuple[datetime, uuid.UUID, int]
"""Where a page of ideas ends: (created_at, request_id, position) of its last idea."""


class IdeasRepository(Protocol):
    async def add_idea_request(self, request: IdeaRequest) -> None: ...

    async def idea_request(self, creator_id: uuid.UUID, request_id: uuid.UUID) -> IdeaRequest | None:
        """The creator's request (another creator's is None)."""
        ...

    async def pending_idea_requests(self, creator_id: uuid.UUID, limit: int) -> list[IdeaRequest]:
        """The creator's requests the ai has not answered yet, newest first."""
        ...

    async def finish_idea_request(
        self, creator_id: uuid.UUID, request_id: uuid.UUID, *, provider: str, model: str | None, at: datetime
    ) -> bool:
        """Marks a pending request done; False when it was done already (a redelivered answer)."""
        ...

    async def add_ideas(self, ideas: Sequence[Idea]) -> int:
        """Stores the ideas; one already stored (same id) is left as it is. Returns how many were new."""
        ...

    async def idea(self, creator_id: uuid.UUID, idea_id: uuid.UUID, *, for_update: bool = False) -> Idea | None:
        """The creator's idea (another creator's is None); ``for_update`` locks it until the commit."""
        ...

    async def ideas(
        self,
        creator_id: uuid.UUID,
        *,
        status: IdeaStatus | None,
        target: Target | None,
        request_id: uuid.UUID | None,
        after: IdeasPosition | None,
        limit: int,
    ) -> list[Idea]:
        """Newest requests first, each request's ideas in their order."""
        ...

    async def save_idea(self, idea: Idea) -> None:
        """Writes a person's changes: text, hashtags, status, planned_for, calendar item."""
        ...
