"""An in-memory NotificationsRepository and a recording webhook sender, for unit tests."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from notifications.domain import TOLD_PERSONALLY, Attempt, Delivery, Endpoint, Notice
from notifications.ports import Sent


class FakeNotificationsRepository:
    def __init__(self) -> None:
        self.endpoints_by_id: dict[uuid.UUID, Endpoint] = {}
        self.deliveries_by_id: dict[uuid.UUID, Delivery] = {}
        self.attempt_rows: list[Attempt] = []
        self.notice_rows: dict[uuid.UUID, Notice] = {}
        self.reads: set[tuple[uuid.UUID, uuid.UUID]] = set()
        self.mutes: set[tuple[uuid.UUID, uuid.UUID, str]] = set()

    async def add_endpoint(self, endpoint: Endpoint) -> None:
        self.endpoints_by_id[endpoint.id] = endpoint

    async def endpoint(self, creator_id: uuid.UUID, endpoint_id: uuid.UUID) -> Endpoint | None:
        e = self.endpoints_by_id.get(endpoint_id)
        return e if e is not None and e.creator_id == creator_id else None

    async def endpoint_for_update(self, endpoint_id: uuid.UUID) -> Endpoint | None:
        return self.endpoints_by_id.get(endpoint_id)

    async def endpoints(self, creator_id: uuid.UUID) -> list[Endpoint]:
        return sorted(
            (e for e in self.endpoints_by_id.values() if e.creator_id == creator_id), key=lambda e: e.created_at
        )

    async def subscribed(self, creator_id: uuid.UUID, event_type: str) -> list[Endpoint]:
        return [e for e in await self.endpoints(creator_id) if e.wants(event_type)]

    async def save_endpoint(self, endpoint: Endpoint) -> None:
        self.endpoints_by_id[endpoint.id] = endpoint

    async def delete_endpoint(self, endpoint_id: uuid.UUID) -> None:
        self.endpoints_by_id.pop(endpoint_id, None)
        for d in [d for d in self.deliveries_by_id.values() if d.endpoint_id == endpoint_id]:
            del self.deliveries_by_id[d.id]

    async def add_delivery(self, delivery: Delivery) -> bool:
        if delivery.id in self.deliveries_by_id:
            return False
        self.deliveries_by_id[delivery.id] = delivery
        return True

    async def delivery(self, endpoint_id: uuid.UUID, delivery_id: uuid.UUID) -> Delivery | None:
        d = self.deliveries_by_id.get(delivery_id)
        return d if d is not None and d.endpoint_id == endpoint_id else None

    async def save_delivery(self, delivery: Delivery) -> None:
        self.deliveries_by_id[delivery.id] = delivery

    async def deliveries(
        self, endpoint_id: uuid.UUID, *, status: str | None, limit: int, before: tuple[datetime, uuid.UUID] | None
    ) -> list[Delivery]:
        rows = [d for d in self.deliveries_by_id.values() if d.endpoint_id == endpoint_id]
        rows = [d for d in rows if status is None or d.status == status]
        rows = [d for d in rows if before is None or (d.created_at, d.id) < before]
        return sorted(rows, key=lambda d: (d.created_at, d.id), reverse=True)[:limit]

    async def add_attempt(self, attempt: Attempt) -> None:
        self.attempt_rows.append(attempt)

    async def attempts(self, delivery_id: uuid.UUID) -> list[Attempt]:
        return [a for a in self.attempt_rows if a.delivery_id == delivery_id]

    async def pending_of(self, endpoint_id: uuid.UUID) -> list[Delivery]:
        return [d for d in self.deliveries_by_id.values() if d.endpoint_id == endpoint_id and d.status == "pending"]

    async def erase_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> int:
        hits = [d for d in self.deliveries_by_id.values() if d.creator_id == creator_id and d.fan_id == fan_id]
        for d in hits:
            self.deliveries_by_id[d.id] = replace(d, body=b'{"erased":true}', fan_id=None)
        return len(hits)

    async def add_notice(self, notice: Notice) -> bool:
        if notice.id in self.notice_rows:
            return False
        self.notice_rows[notice.id] = notice
        return True

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
        rows = [
            replace(n, read=(n.id, user_id) in self.reads)
            for n in self.notice_rows.values()
            if n.creator_id == creator_id
            and (n.user_id == user_id or (n.user_id is None and n.kind in kinds
                                          and str(user_id) not in n.data.get(TOLD_PERSONALLY, [])))  # fmt: skip
        ]
        rows = [n for n in rows if not (unread_only and n.read)]
        rows = [n for n in rows if before is None or (n.created_at, n.id) < before]
        rows = [n for n in rows if only is None or n.id == only]
        return sorted(rows, key=lambda n: (n.created_at, n.id), reverse=True)[:limit]

    async def unread_count(self, creator_id: uuid.UUID, user_id: uuid.UUID, kinds: Sequence[str]) -> int:
        return len(await self.notices(creator_id, user_id, kinds, unread_only=True, limit=10**9, before=None))

    async def mark_read(self, user_id: uuid.UUID, notice_ids: Sequence[uuid.UUID], at: datetime) -> None:
        self.reads.update((n, user_id) for n in notice_ids)

    async def muted(self, creator_id: uuid.UUID, user_id: uuid.UUID) -> set[str]:
        return {k for c, u, k in self.mutes if (c, u) == (creator_id, user_id)}

    async def set_muted(self, creator_id: uuid.UUID, user_id: uuid.UUID, kind: str, muted: bool) -> None:
        (self.mutes.add if muted else self.mutes.discard)((creator_id, user_id, kind))


@dataclass
class RecordingSender:
    """Answers each attempt with the next of ``answers`` (the last one repeats) and records the request."""

    answers: list[Sent] = field(default_factory=lambda: [Sent(200, None, 3)])
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    async def send(self, url: str, headers: Mapping[str, str], body: bytes) -> Sent:
        self.requests.append((url, dict(headers), body))
        return self.answers[min(len(self.requests) - 1, len(self.answers) - 1)]
