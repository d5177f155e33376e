"""The ideas tables on PostgreSQL (plain SQL on the unit of work's connection). Every read is scoped
to the creator: another creator's request or idea is not found."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from huntaze_service.db import PlainSql

from ..ideas import Idea, IdeaRequest, IdeaStatus, RequestStatus, Target
from ..ideas_ports import IdeasPosition

_REQUEST = "id, creator_id, target, count, theme, requested_by, requested_at, status, provider, model, done_at"
_IDEA = (
    "id, creator_id, request_id, position, target, title, body, created_at, updated_at, hashtags, grounded_on, "
    "status, planned_for, calendar_item_id"
)


def _request(r: Any) -> IdeaRequest:
    return IdeaRequest(r[0], r[1], r[2], int(r[3]), r[4], r[5], r[6], RequestStatus(r[7]), r[8], r[9], r[10])


def _idea(r: Any) -> Idea:
    return Idea(
        r[0], r[1], r[2], int(r[3]), r[4], r[5], r[6], r[7], r[8], tuple(r[9] or ()), tuple(r[10] or ()),
        IdeaStatus(r[11]), r[12], r[13],
    )  # fmt: skip


class SqlIdeasRepository(PlainSql):
    async def add_idea_request(self, request: IdeaRequest) -> None:
        r = request
        await self._rows(
            f"INSERT INTO idea_requests ({_REQUEST}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (r.id, r.creator_id, r.target, r.count, r.theme, r.requested_by, r.requested_at, r.status.value,
             r.provider, r.model, r.done_at),
        )  # fmt: skip

    async def idea_request(self, creator_id: uuid.UUID, request_id: uuid.UUID) -> IdeaRequest | None:
        rows = await self._rows(
            f"SELECT {_REQUEST} FROM idea_requests WHERE id = %s AND creator_id = %s", (request_id, creator_id)
        )
        return _request(rows[0]) if rows else None

    async def pending_idea_requests(self, creator_id: uuid.UUID, limit: int) -> list[IdeaRequest]:
        rows = await self._rows(
            f"SELECT {_REQUEST} FROM idea_requests WHERE creator_id = %s AND status = 'pending' "
            "ORDER BY requested_at DESC, id LIMIT %s",
            (creator_id, limit),
        )
        return [_request(r) for r in rows]

    async def finish_idea_request(
        self, creator_id: uuid.UUID, request_id: uuid.UUID, *, provider: str, model: str | None, at: datetime
    ) -> bool:
        rows = await self._rows(
            "UPDATE idea_requests SET status = 'done', provider = %s, model = %s, done_at = %s "
            "WHERE id = %s AND creator_id = %s AND status = 'pending' RETURNING id",
            (provider, model, at, request_id, creator_id),
        )
        return bool(rows)

    async def add_ideas(self, ideas: Sequence[Idea]) -> int:
        added = 0
        for i in ideas:
            rows = await self._rows(
                f"INSERT INTO ideas ({_IDEA}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT DO NOTHING RETURNING id",
                (i.id, i.creator_id, i.request_id, i.position, i.target, i.title, i.body, i.created_at, i.updated_at,
                 list(i.hashtags), list(i.grounded_on), i.status.value, i.planned_for, i.calendar_item_id),
            )  # fmt: skip
            added += len(rows)
        return added

    async def idea(self, creator_id: uuid.UUID, idea_id: uuid.UUID, *, for_update: bool = False) -> Idea | None:
        lock = " FOR UPDATE" if for_update else ""
        rows = await self._rows(
            f"SELECT {_IDEA} FROM ideas WHERE id = %s AND creator_id = %s{lock}", (idea_id, creator_id)
        )
        return _idea(rows[0]) if rows else None

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
        where, params = ["creator_id = %s"], [creator_id]
        if status is not None:
            where.append("status = %s")
            params.append(status.value)
        if target is not None:
            where.append("target = %s")
            params.append(target)
        if request_id is not None:
            where.append("request_id = %s")
            params.append(request_id)
        if after is not None:
            at, request, position = after
            where.append(
                "(created_at < %s OR (created_at = %s AND request_id < %s)"
                " OR (created_at = %s AND request_id = %s AND position > %s))"
            )
            params += [at, at, request, at, request, position]
        rows = await self._rows(
            f"SELECT {_IDEA} FROM ideas WHERE {' AND '.join(where)} "
            "ORDER BY created_at DESC, request_id DESC, position LIMIT %s",
            (*params, limit),
        )
        return [_idea(r) for r in rows]

    async def save_idea(self, idea: Idea) -> None:
        i = idea
        await self._rows(
            "UPDATE ideas SET title = %s, body = %s, hashtags = %s, status = %s, planned_for = %s, "
            "calendar_item_id = %s, updated_at = %s WHERE id = %s AND creator_id = %s",
            (i.title, i.body, list(i.hashtags), i.status.value, i.planned_for, i.calendar_item_id, i.updated_at,
             i.id, i.creator_id),
        )  # fmt: skip
