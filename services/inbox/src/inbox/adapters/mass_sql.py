"""Mass messages and the fans read model they target, on PostgreSQL (the rules: :mod:`inbox.mass`).

The audience is one query over ``audience_fans`` (segments as a GIN-indexed array) with the
exclusions as anti-joins on the inbox's own offers and outbound messages; the expansion is that
query inside an ``INSERT … SELECT``, so 50,000 deliveries are one statement. The pump claims pending
deliveries with ``FOR UPDATE SKIP LOCKED``: two worker replicas never queue the same one."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from ..mass import Audience, Delivery, DeliveryStatus, MassMessage, MassStats, MassStatus, Recipient
from .sql_rows import SqlRows

_MASS_COLUMNS = (
    "id, creator_id, audience, text, price_cents, media_ids, send_at, status, created_at, created_by, "
    "recipients, started_at, finished_at, cancelled_at, cancelled_by, created_shift_id, revision, experiment_id, "
    "experiment_arms"
)


def _audience_sql(audience: Audience, media_ids: tuple[uuid.UUID, ...], now: datetime) -> tuple[str, list[Any]]:
    """FROM/WHERE over ``audience_fans a`` selecting the audience (parameters in order)."""
    sql = (
        " FROM audience_fans a WHERE a.creator_id = %s AND a.external_id IS NOT NULL AND a.segments && %s"
        " AND NOT EXISTS (SELECT 1 FROM erased_fans e WHERE e.fan_id = a.fan_id)"
    )
    params: list[Any] = [list(audience.segments)]
    if audience.exclude_segments:
        sql += " AND NOT (a.segments && %s)"
        params.append(list(audience.exclude_segments))
    if audience.exclude_bought_media and media_ids:
        sql += (
            " AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.creator_id = a.creator_id AND o.fan_id = a.fan_id"
            " AND o.unlocked_at IS NOT NULL AND o.media_ids && %s)"
        )
        params.append(list(media_ids))
    if audience.exclude_messaged_within_hours:
        sql += (
            " AND NOT EXISTS (SELECT 1 FROM conversations c JOIN messages m ON m.conversation_id = c.id"
            " WHERE c.creator_id = a.creator_id AND c.fan_id = a.fan_id AND m.direction = 'out' AND m.sent_at > %s)"
        )
        params.append(now - timedelta(hours=audience.exclude_messaged_within_hours))
    return sql, params


def _mass(row: Any) -> MassMessage:
    return MassMessage(
        id=row[0],
        creator_id=row[1],
        audience=Audience.of(row[2]),
        text=row[3],
        price_cents=row[4],
        media_ids=tuple(row[5] or ()),
        send_at=row[6],
        status=MassStatus(row[7]),
        created_at=row[8],
        created_by=row[9],
        recipients=row[10],
        started_at=row[11],
        finished_at=row[12],
        cancelled_at=row[13],
        cancelled_by=row[14],
        created_shift_id=row[15],
        revision=row[16],
        experiment_id=row[17],
        experiment_arms=tuple(int(a) for a in row[18] or ()),
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(row[0], row[1], row[2], row[3], DeliveryStatus(row[4]), row[5], row[6])


class MassMessages(SqlRows):
    """Mixed into the inbox repository: ``self._tx`` is the unit of work's transaction."""

    # the fans read model ------------------------------------------------------------------------------
    async def update_audience_profile(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, external_id: str, display_name: str, now: datetime
    ) -> None:
        await self._rows(
            "INSERT INTO audience_fans (fan_id, creator_id, external_id, display_name, updated_at) "
            "SELECT %s, %s, %s, %s, %s WHERE NOT EXISTS (SELECT 1 FROM erased_fans WHERE fan_id = %s) "
            "ON CONFLICT (fan_id) DO UPDATE SET external_id = EXCLUDED.external_id, "
            "display_name = EXCLUDED.display_name, updated_at = EXCLUDED.updated_at",
            (fan_id, creator_id, external_id, display_name, now, fan_id),
        )

    async def update_audience_segment(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, segment: str, entered: bool, now: datetime
    ) -> None:
        if entered:
            await self._rows(
                "INSERT INTO audience_fans (fan_id, creator_id, segments, updated_at) "
                "SELECT %s, %s, ARRAY[%s], %s WHERE NOT EXISTS (SELECT 1 FROM erased_fans WHERE fan_id = %s) "
                "ON CONFLICT (fan_id) DO UPDATE SET updated_at = EXCLUDED.updated_at, segments = "
                "CASE WHEN %s = ANY(audience_fans.segments) THEN audience_fans.segments "
                "ELSE array_append(audience_fans.segments, %s) END",
                (fan_id, creator_id, segment, now, fan_id, segment, segment),
            )
        else:
            await self._rows(
                "UPDATE audience_fans SET segments = array_remove(segments, %s), updated_at = %s WHERE fan_id = %s",
                (segment, now, fan_id),
            )

    async def known_custom_segments(self, creator_id: uuid.UUID, asked: list[str]) -> set[str]:
        rows = await self._rows(
            "SELECT s FROM unnest(%s::text[]) s WHERE EXISTS "
            "(SELECT 1 FROM audience_fans WHERE creator_id = %s AND segments @> ARRAY[s])",
            (asked, creator_id),
        )
        return {r[0] for r in rows}

    async def audience(
        self, creator_id: uuid.UUID, audience: Audience, media_ids: tuple[uuid.UUID, ...], now: datetime, sample: int
    ) -> tuple[int, list[Recipient]]:
        where, params = _audience_sql(audience, media_ids, now)
        count = (await self._rows("SELECT count(*)" + where, (creator_id, *params)))[0][0]
        rows = await self._rows(
            "SELECT a.fan_id, a.external_id, coalesce(a.display_name, a.external_id)"
            + where
            + " ORDER BY a.fan_id LIMIT %s",
            (creator_id, *params, sample),
        )
        return int(count), [Recipient(*r) for r in rows]

    # mass messages ----------------------------------------------------------------------------------
    async def add_mass_message(self, m: MassMessage, currency: str) -> None:
        await self._rows(
            "INSERT INTO mass_messages (id, creator_id, audience, text, price_cents, currency, media_ids, send_at, "
            "status, created_at, created_by, created_shift_id, revision, experiment_id, experiment_arms) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                m.id,
                m.creator_id,
                json.dumps(m.audience.as_json()),
                m.text,
                m.price_cents,
                currency,
                list(m.media_ids),
                m.send_at,
                m.status.value,
                m.created_at,
                m.created_by,
                m.created_shift_id,
                m.revision,
                m.experiment_id,
                list(m.experiment_arms) or None,
            ),
        )

    async def mass_message(
        self, creator_id: uuid.UUID, mass_id: uuid.UUID, *, lock: bool = False
    ) -> MassMessage | None:
        rows = await self._rows(
            f"SELECT {_MASS_COLUMNS} FROM mass_messages WHERE id = %s AND creator_id = %s"
            + (" FOR UPDATE" if lock else ""),
            (mass_id, creator_id),
        )
        return _mass(rows[0]) if rows else None

    async def mass_messages(
        self, creator_id: uuid.UUID, *, limit: int, after: tuple[datetime, uuid.UUID] | None
    ) -> list[MassMessage]:
        if after is None:
            rows = await self._rows(
                f"SELECT {_MASS_COLUMNS} FROM mass_messages WHERE creator_id = %s ORDER BY created_at DESC, id DESC LIMIT %s",
                (creator_id, limit),
            )
        else:
            rows = await self._rows(
                f"SELECT {_MASS_COLUMNS} FROM mass_messages WHERE creator_id = %s AND (created_at, id) < (%s, %s) "
                "ORDER BY created_at DESC, id DESC LIMIT %s",
                (creator_id, after[0], after[1], limit),
            )
        return [_mass(r) for r in rows]

    async def save_mass_message(self, m: MassMessage) -> None:
        await self._rows(
            "UPDATE mass_messages SET status = %s, recipients = %s, started_at = %s, finished_at = %s, "
            "cancelled_at = %s, cancelled_by = %s, send_at = %s, revision = %s WHERE id = %s",
            (
                m.status.value,
                m.recipients,
                m.started_at,
                m.finished_at,
                m.cancelled_at,
                m.cancelled_by,
                m.send_at,
                m.revision,
                m.id,
            ),
        )

    async def claim_command(
        self, creator_id: uuid.UUID, command_id: uuid.UUID, mass_id: uuid.UUID, at: datetime
    ) -> bool:
        """Records that a calendar command is being answered; False when it was already."""
        rows = await self._rows(
            "INSERT INTO calendar_commands (creator_id, command_id, mass_message_id, answered_at) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING command_id",
            (creator_id, command_id, mass_id, at),
        )
        return bool(rows)

    async def expand(self, m: MassMessage, now: datetime) -> int:
        """One pending delivery per fan of the audience now (each with its future offer id when paid)."""
        where, params = _audience_sql(m.audience, m.media_ids, now)
        offer = "gen_random_uuid()" if m.paid else "NULL::uuid"
        rows = await self._rows(
            "INSERT INTO mass_deliveries (mass_message_id, fan_id, external_id, display_name, status, offer_id) "
            f"SELECT %s, a.fan_id, a.external_id, coalesce(a.display_name, a.external_id), 'pending', {offer}"
            + where
            + " ON CONFLICT DO NOTHING",
            (m.id, m.creator_id, *params),
        )
        del rows
        count = await self._rows("SELECT count(*) FROM mass_deliveries WHERE mass_message_id = %s", (m.id,))
        return int(count[0][0])

    async def claim_deliveries(self, mass_id: uuid.UUID, limit: int, now: datetime) -> list[Delivery]:
        rows = await self._rows(
            "UPDATE mass_deliveries d SET status = 'queued', handed_at = %s FROM ("
            "SELECT fan_id FROM mass_deliveries WHERE mass_message_id = %s AND status = 'pending' "
            "ORDER BY fan_id LIMIT %s FOR UPDATE SKIP LOCKED) picked "
            "WHERE d.mass_message_id = %s AND d.fan_id = picked.fan_id "
            "RETURNING d.mass_message_id, d.fan_id, d.external_id, d.display_name, d.status, d.offer_id, d.reason",
            (now, mass_id, limit, mass_id),
        )
        return [_delivery(r) for r in rows]

    async def bought_any(
        self, creator_id: uuid.UUID, fan_ids: list[uuid.UUID], media_ids: tuple[uuid.UUID, ...]
    ) -> set[uuid.UUID]:
        rows = await self._rows(
            "SELECT DISTINCT fan_id FROM offers WHERE creator_id = %s AND fan_id = ANY(%s) "
            "AND unlocked_at IS NOT NULL AND media_ids && %s",
            (creator_id, fan_ids, list(media_ids)),
        )
        return {r[0] for r in rows}

    async def delivery(self, mass_id: uuid.UUID, fan_id: uuid.UUID, *, lock: bool = False) -> Delivery | None:
        rows = await self._rows(
            "SELECT mass_message_id, fan_id, external_id, display_name, status, offer_id, reason FROM mass_deliveries "
            "WHERE mass_message_id = %s AND fan_id = %s" + (" FOR UPDATE" if lock else ""),
            (mass_id, fan_id),
        )
        return _delivery(rows[0]) if rows else None

    async def settle_delivery(
        self, mass_id: uuid.UUID, fan_id: uuid.UUID, status: DeliveryStatus, reason: str | None = None
    ) -> None:
        await self._rows(
            "UPDATE mass_deliveries SET status = %s, reason = %s WHERE mass_message_id = %s AND fan_id = %s",
            (status.value, reason, mass_id, fan_id),
        )

    async def cancel_deliveries(self, mass_id: uuid.UUID) -> list[uuid.UUID]:
        """Every delivery not handed over yet is cancelled; returns the fans of those that were queued."""
        rows = await self._rows(
            "UPDATE mass_deliveries d SET status = 'cancelled' FROM (SELECT fan_id, status FROM mass_deliveries "
            "WHERE mass_message_id = %s AND status IN ('pending', 'queued') FOR UPDATE) was "
            "WHERE d.mass_message_id = %s AND d.fan_id = was.fan_id RETURNING d.fan_id, was.status",
            (mass_id, mass_id),
        )
        return [r[0] for r in rows if r[1] == "queued"]

    async def unsettled(self, mass_id: uuid.UUID) -> dict[str, int]:
        rows = await self._rows(
            "SELECT status, count(*) FROM mass_deliveries WHERE mass_message_id = %s "
            "AND status IN ('pending', 'queued') GROUP BY status",
            (mass_id,),
        )
        return {r[0]: int(r[1]) for r in rows}

    async def mass_stats(self, m: MassMessage) -> MassStats:
        by_status = {
            r[0]: int(r[1])
            for r in await self._rows(
                "SELECT status, count(*) FROM mass_deliveries WHERE mass_message_id = %s GROUP BY status", (m.id,)
            )
        }
        failures = {
            r[0]: int(r[1])
            for r in await self._rows(
                "SELECT coalesce(reason, 'unknown'), count(*) FROM mass_deliveries WHERE mass_message_id = %s "
                "AND status IN ('failed', 'skipped') GROUP BY 1",
                (m.id,),
            )
        }
        sold = (
            await self._rows(
                "SELECT count(*) FILTER (WHERE unlocked_at IS NOT NULL), coalesce(sum(gross_cents), 0), "
                "coalesce(sum(net_cents), 0) FROM offers WHERE mass_message_id = %s AND creator_id = %s",
                (m.id, m.creator_id),
            )
        )[0]
        return MassStats(m.recipients, by_status, failures, int(sold[0]), int(sold[1]), int(sold[2]))

    async def outbound_conversation(
        self,
        creator_id: uuid.UUID,
        fan_id: uuid.UUID,
        external_id: str,
        display_name: str,
        now: datetime,
        conversation_id: uuid.UUID | None = None,
    ) -> uuid.UUID | None:
        """The fan's conversation, created (empty) when the first message to them is ours; None when
        the fan was erased."""
        rows = await self._rows(
            "INSERT INTO conversations (id, creator_id, fan_id, fan_external_id, fan_display_name, created_at, "
            "last_message_at, message_count) SELECT %s, %s, %s, %s, %s, %s, %s, 0 "
            "WHERE NOT EXISTS (SELECT 1 FROM erased_fans WHERE fan_id = %s) "
            "ON CONFLICT ON CONSTRAINT uq_conversations_creator_fan DO UPDATE SET "
            "fan_display_name = conversations.fan_display_name RETURNING id",
            (conversation_id or uuid.uuid4(), creator_id, fan_id, external_id, display_name[:100], now, now, fan_id),
        )
        return rows[0][0] if rows else None
