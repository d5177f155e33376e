"""The notifications repository on PostgreSQL (its own database): plain SQL on the unit of work's
connection. An endpoint is read ``FOR UPDATE`` when an attempt's outcome is recorded, so the outcomes
of one endpoint (its failure clock, its disabling) are decided one at a time."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from psycopg.types.json import Jsonb

from huntaze_service.db import PlainSql

from ..domain import TOLD_PERSONALLY, Attempt, Delivery, Endpoint, Notice

_ENDPOINT = (
    "id, creator_id, url, events, description, status, sealed_secret, created_by, created_at, updated_at, "
    "disabled_reason, failing_since"
)
_DELIVERY = (
    "id, endpoint_id, creator_id, event_id, event_type, body, created_at, status, attempts, last_status_code, "
    "last_error, delivered_at, next_attempt_at, fan_id"
)


def _endpoint(r: tuple) -> Endpoint:
    return Endpoint(r[0], r[1], r[2], tuple(r[3]), r[4], r[5], bytes(r[6]), r[7], r[8], r[9], r[10], r[11])


def _delivery(r: tuple) -> Delivery:
    return Delivery(r[0], r[1], r[2], r[3], r[4], bytes(r[5]), r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13])


def _notice(r: tuple) -> Notice:
    return Notice(id=r[0], creator_id=r[1], kind=r[2], title=r[3], body=r[4], created_at=r[5], user_id=r[6],
                  data=dict(r[7]), read=bool(r[8]))  # fmt: skip


class SqlNotificationsRepository(PlainSql):
    # endpoints -----------------------------------------------------------------------------------------
    async def add_endpoint(self, e: Endpoint) -> None:
        await self._rows(
            f"INSERT INTO webhook_endpoints ({_ENDPOINT}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
            (e.id, e.creator_id, e.url, list(e.events), e.description, e.status, e.sealed_secret, e.created_by,
             e.created_at, e.updated_at, e.disabled_reason, e.failing_since),
        )  # fmt: skip

    async def endpoint(self, creator_id: uuid.UUID, endpoint_id: uuid.UUID) -> Endpoint | None:
        rows = await self._rows(
            f"SELECT {_ENDPOINT} FROM webhook_endpoints WHERE id = %s AND creator_id = %s", (endpoint_id, creator_id)
        )
        return _endpoint(rows[0]) if rows else None

    async def endpoint_for_update(self, endpoint_id: uuid.UUID) -> Endpoint | None:
        rows = await self._rows(f"SELECT {_ENDPOINT} FROM webhook_endpoints WHERE id = %s FOR UPDATE", (endpoint_id,))
        return _endpoint(rows[0]) if rows else None

    async def endpoints(self, creator_id: uuid.UUID) -> list[Endpoint]:
        rows = await self._rows(
            f"SELECT {_ENDPOINT} FROM webhook_endpoints WHERE creator_id = %s ORDER BY created_at, id", (creator_id,)
        )
        return [_endpoint(r) for r in rows]

    async def subscribed(self, creator_id: uuid.UUID, event_type: str) -> list[Endpoint]:
        rows = await self._rows(
            f"SELECT {_ENDPOINT} FROM webhook_endpoints WHERE creator_id = %s AND status = 'active' "
            "AND %s = ANY(events) ORDER BY id",
            (creator_id, event_type),
        )
        return [_endpoint(r) for r in rows]

    async def save_endpoint(self, e: Endpoint) -> None:
        await self._rows(
            "UPDATE webhook_endpoints SET url = %s, events = %s, description = %s, status = %s, sealed_secret = %s, "
            "updated_at = %s, disabled_reason = %s, failing_since = %s WHERE id = %s",
            (e.url, list(e.events), e.description, e.status, e.sealed_secret, e.updated_at, e.disabled_reason,
             e.failing_since, e.id),
        )  # fmt: skip

    async def delete_endpoint(self, endpoint_id: uuid.UUID) -> None:
        await self._rows("DELETE FROM webhook_endpoints WHERE id = %s", (endpoint_id,))

    # deliveries ----------------------------------------------------------------------------------------
    async def add_delivery(self, d: Delivery) -> bool:
        rows = await self._rows(
            f"INSERT INTO webhook_deliveries ({_DELIVERY}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
            "ON CONFLICT (id) DO NOTHING RETURNING id",
            (d.id, d.endpoint_id, d.creator_id, d.event_id, d.event_type, d.body, d.created_at, d.status, d.attempts,
             d.last_status_code, d.last_error, d.delivered_at, d.next_attempt_at, d.fan_id),
        )  # fmt: skip
        return bool(rows)

    async def delivery(self, endpoint_id: uuid.UUID, delivery_id: uuid.UUID) -> Delivery | None:
        rows = await self._rows(
            f"SELECT {_DELIVERY} FROM webhook_deliveries WHERE id = %s AND endpoint_id = %s", (delivery_id, endpoint_id)
        )
        return _delivery(rows[0]) if rows else None

    async def save_delivery(self, d: Delivery) -> None:
        await self._rows(
            "UPDATE webhook_deliveries SET status = %s, attempts = %s, last_status_code = %s, last_error = %s, "
            "delivered_at = %s, next_attempt_at = %s WHERE id = %s",
            (d.status, d.attempts, d.last_status_code, d.last_error, d.delivered_at, d.next_attempt_at, d.id),
        )

    async def deliveries(
        self, endpoint_id: uuid.UUID, *, status: str | None, limit: int, before: tuple[datetime, uuid.UUID] | None
    ) -> list[Delivery]:
        where, params = ["endpoint_id = %s"], [endpoint_id]
        if status is not None:
            where.append("status = %s")
            params.append(status)
        if before is not None:
            where.append("(created_at, id) < (%s, %s)")
            params.extend(before)
        rows = await self._rows(
            f"SELECT {_DELIVERY} FROM webhook_deliveries WHERE {' AND '.join(where)} "
            "ORDER BY created_at DESC, id DESC LIMIT %s",
            (*params, limit),
        )
        return [_delivery(r) for r in rows]

    async def add_attempt(self, a: Attempt) -> None:
        await self._rows(
            "INSERT INTO webhook_attempts (delivery_id, number, at, status_code, error, duration_ms) "
            "VALUES (%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
            (a.delivery_id, a.number, a.at, a.status_code, a.error, a.duration_ms),
        )

    async def attempts(self, delivery_id: uuid.UUID) -> list[Attempt]:
        rows = await self._rows(
            "SELECT delivery_id, number, at, status_code, error, duration_ms FROM webhook_attempts "
            "WHERE delivery_id = %s ORDER BY number",
            (delivery_id,),
        )
        return [Attempt(*r) for r in rows]

    async def pending_of(self, endpoint_id: uuid.UUID) -> list[Delivery]:
        rows = await self._rows(
            f"SELECT {_DELIVERY} FROM webhook_deliveries WHERE endpoint_id = %s AND status = 'pending'", (endpoint_id,)
        )
        return [_delivery(r) for r in rows]

    async def erase_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> int:
        rows = await self._rows(
            "UPDATE webhook_deliveries SET body = %s, fan_id = NULL WHERE creator_id = %s AND fan_id = %s RETURNING id",
            (b'{"erased":true}', creator_id, fan_id),
        )
        return len(rows)

    # in-app notices ------------------------------------------------------------------------------------
    async def add_notice(self, n: Notice) -> bool:
        rows = await self._rows(
            "INSERT INTO notices (id, creator_id, user_id, kind, title, body, data, created_at) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (id) DO NOTHING RETURNING id",
            (n.id, n.creator_id, n.user_id, n.kind, n.title, n.body, Jsonb(n.data), n.created_at),
        )
        return bool(rows)

    def _visible(self, creator_id: uuid.UUID, user_id: uuid.UUID, kinds: Sequence[str]) -> tuple[str, list[object]]:
        return (
            "n.creator_id = %s AND (n.user_id = %s OR (n.user_id IS NULL AND n.kind = ANY(%s) "
            f"AND NOT coalesce(n.data -> '{TOLD_PERSONALLY}' ? %s, false)))",
            [creator_id, user_id, list(kinds), str(user_id)],
        )

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
        where, params = self._visible(creator_id, user_id, kinds)
        clauses = [where]
        if unread_only:
            clauses.append("r.notice_id IS NULL")
        if before is not None:
            clauses.append("(n.created_at, n.id) < (%s, %s)")
            params.extend(before)
        if only is not None:
            clauses.append("n.id = %s")
            params.append(only)
        rows = await self._rows(
            "SELECT n.id, n.creator_id, n.kind, n.title, n.body, n.created_at, n.user_id, n.data, "
            "r.notice_id IS NOT NULL FROM notices n "
            "LEFT JOIN notice_reads r ON r.notice_id = n.id AND r.user_id = %s "
            f"WHERE {' AND '.join(clauses)} ORDER BY n.created_at DESC, n.id DESC LIMIT %s",
            (user_id, *params, limit),
        )
        return [_notice(r) for r in rows]

    async def unread_count(self, creator_id: uuid.UUID, user_id: uuid.UUID, kinds: Sequence[str]) -> int:
        where, params = self._visible(creator_id, user_id, kinds)
        rows = await self._rows(
            "SELECT count(*) FROM notices n LEFT JOIN notice_reads r ON r.notice_id = n.id AND r.user_id = %s "
            f"WHERE {where} AND r.notice_id IS NULL",
            (user_id, *params),
        )
        return int(rows[0][0])

    async def mark_read(self, user_id: uuid.UUID, notice_ids: Sequence[uuid.UUID], at: datetime) -> None:
        if notice_ids:
            await self._rows(
                "INSERT INTO notice_reads (notice_id, user_id, read_at) SELECT unnest(%s::uuid[]), %s, %s "
                "ON CONFLICT DO NOTHING",
                (list(notice_ids), user_id, at),
            )

    async def muted(self, creator_id: uuid.UUID, user_id: uuid.UUID) -> set[str]:
        rows = await self._rows(
            "SELECT kind FROM notice_mutes WHERE creator_id = %s AND user_id = %s", (creator_id, user_id)
        )
        return {r[0] for r in rows}

    async def set_muted(self, creator_id: uuid.UUID, user_id: uuid.UUID, kind: str, muted: bool) -> None:
        if muted:
            await self._rows(
                "INSERT INTO notice_mutes (creator_id, user_id, kind) VALUES (%s,%s,%s) ON CONFLICT DO NOTHING",
                (creator_id, user_id, kind),
            )
        else:
            await self._rows(
                "DELETE FROM notice_mutes WHERE creator_id = %s AND user_id = %s AND kind = %s",
                (creator_id, user_id, kind),
            )
