"""What the notifications use cases need: storage (the SQL adapter and the unit tests' fake implement
it) and the webhook sender (HTTP, or the fakes)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from huntaze_service import UnitOfWork

from .domain import Attempt, Delivery, Endpoint, Notice


@dataclass(frozen=True)
class Sent:
    """One attempt's outcome: the answer's status (None: none came) and what went wrong, if anything."""

    status_code: int | None
    error: str | None
    duration_ms: int


class Sender(Protocol):
    async def send(self, url: str, headers: Mapping[str, str], body: bytes) -> Sent: ...


class NotificationsRepository(Protocol):
    # endpoints
    async def add_endpoint(self, endpoint: Endpoint) -> None: ...
    async def endpoint(self, creator_id: uuid.UUID, endpoint_id: uuid.UUID) -> Endpoint | None:
        """None when it does not exist or belongs to another creator."""
        ...

    async def endpoint_for_update(self, endpoint_id: uuid.UUID) -> Endpoint | None:
        """Locked until the transaction ends (outcomes of one endpoint are recorded one at a time)."""
        ...

    async def endpoints(self, creator_id: uuid.UUID) -> list[Endpoint]: ...
    async def subscribed(self, creator_id: uuid.UUID, event_type: str) -> list[Endpoint]:
        """The creator's active endpoints that chose this event type."""
        ...

    async def save_endpoint(self, endpoint: Endpoint) -> None: ...
    async def delete_endpoint(self, endpoint_id: uuid.UUID) -> None:
        """With its deliveries and their attempts."""
        ...

    # deliveries
    async def add_delivery(self, delivery: Delivery) -> bool:
        """False when it exists already (the event was consumed before)."""
        ...

    async def delivery(self, endpoint_id: uuid.UUID, delivery_id: uuid.UUID) -> Delivery | None: ...
    async def save_delivery(self, delivery: Delivery) -> None: ...
    async def deliveries(
        self, endpoint_id: uuid.UUID, *, status: str | None, limit: int, before: tuple[datetime, uuid.UUID] | None
    ) -> list[Delivery]:
        """Newest first."""
        ...

    async def add_attempt(self, attempt: Attempt) -> None: ...
    async def attempts(self, delivery_id: uuid.UUID) -> list[Attempt]: ...
    async def pending_of(self, endpoint_id: uuid.UUID) -> list[Delivery]: ...
    async def erase_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> int:
        """Empties the bodies of the deliveries about this fan; returns how many."""
        ...

    # in-app notices
    async def add_notice(self, notice: Notice) -> bool:
        """False when it exists already."""
        ...

    async def notices(
        self,
        creator_id: uuid.UUID,
        user_id: uuid.UUID,
        kinds: Sequence[str],
        *,
        unread_only: bool,
        limit: int,
        before: tuple[datetime, uuid.UUID] | None,
        only: uuid.UUID | None = None,
    ) -> list[Notice]:
        """What this user sees (theirs, and team-wide ones of ``kinds``), newest first, ``read`` filled."""
        ...

    async def unread_count(self, creator_id: uuid.UUID, user_id: uuid.UUID, kinds: Sequence[str]) -> int: ...
    async def mark_read(self, user_id: uuid.UUID, notice_ids: Sequence[uuid.UUID], at: datetime) -> None: ...
    async def muted(self, creator_id: uuid.UUID, user_id: uuid.UUID) -> set[str]: ...
    async def set_muted(self, creator_id: uuid.UUID, user_id: uuid.UUID, kind: str, muted: bool) -> None: ...


Uow = UnitOfWork[NotificationsRepository]
