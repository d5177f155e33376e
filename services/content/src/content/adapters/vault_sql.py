"""The vault tables on PostgreSQL (plain SQL on the unit of work's connection). Every read is
scoped to the creator: another creator's id is not found."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from huntaze_service.db import PlainSql

from ..plans import PlanChange
from ..vault import Media, MediaQuery, Upload
from .usage_sql import sold_condition

_UPLOAD = (
    "id, creator_id, filename, declared_type, size_bytes, part_bytes, created_at, expires_at, multipart_id, "
    "status, media_id, duplicate, refusal_code, refusal, completed_at"
)
_MEDIA = (
    "id, creator_id, kind, title, created_at, updated_at, tags, content_type, size_bytes, sha256, object_key, "
    "thumb_key, filename, suggested_price_cents, currency, revision, deleted_at, upload_id"
)


_BUNDLE_THUMB = (
    "CASE WHEN m.kind = 'bundle' THEN (SELECT i.thumb_key FROM media_bundle_items b JOIN media i ON i.id = b.media_id "
    "WHERE b.bundle_id = m.id AND i.deleted_at IS NULL AND i.thumb_key IS NOT NULL ORDER BY b.position LIMIT 1) "
    "ELSE m.thumb_key END"
)
_READ = ", ".join(_BUNDLE_THUMB if c.strip() == "thumb_key" else f"m.{c.strip()}" for c in _MEDIA.split(","))
"""The columns read: a bundle shows the thumbnail of its first live item that has one."""


def _upload(row: Any) -> Upload:
    return Upload(*row)


def _media(row: Any) -> Media:
    values = list(row)
    values[6] = tuple(values[6] or ())
    return Media(*values)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class SqlVaultRepository(PlainSql):
    # uploads ------------------------------------------------------------------------------------------
    async def add_upload(self, upload: Upload) -> None:
        u = upload
        await self._rows(
            f"INSERT INTO media_uploads ({_UPLOAD}) VALUES ({', '.join(['%s'] * 15)})",
            (u.id, u.creator_id, u.filename, u.declared_type, u.size_bytes, u.part_bytes, u.created_at,
             u.expires_at, u.multipart_id, u.status, u.media_id, u.duplicate, u.refusal_code, u.refusal,
             u.completed_at),
        )  # fmt: skip

    async def upload(self, creator_id: uuid.UUID, upload_id: uuid.UUID, *, lock: bool = False) -> Upload | None:
        rows = await self._rows(
            f"SELECT {_UPLOAD} FROM media_uploads WHERE id = %s AND creator_id = %s" + (" FOR UPDATE" if lock else ""),
            (upload_id, creator_id),
        )
        return _upload(rows[0]) if rows else None

    async def set_multipart(self, upload_id: uuid.UUID, multipart_id: str) -> None:
        await self._rows("UPDATE media_uploads SET multipart_id = %s WHERE id = %s", (multipart_id, upload_id))

    async def close_upload(self, upload: Upload) -> None:
        u = upload
        await self._rows(
            "UPDATE media_uploads SET status = %s, media_id = %s, duplicate = %s, refusal_code = %s, refusal = %s, "
            "completed_at = %s WHERE id = %s",
            (u.status, u.media_id, u.duplicate, u.refusal_code, u.refusal, u.completed_at, u.id),
        )

    # media ----------------------------------------------------------------------------------------------
    async def add_media(self, media: Media) -> bool:
        """False (nothing stored) for the same bytes as a live item of the creator's, or a taken id."""
        m = media
        rows = await self._rows(
            f"INSERT INTO media ({_MEDIA}) VALUES ({', '.join(['%s'] * 18)}) "
            "ON CONFLICT DO NOTHING RETURNING id",  # the same bytes (a live item), or the same id
            (m.id, m.creator_id, m.kind, m.title, m.created_at, m.updated_at, list(m.tags), m.content_type,
             m.size_bytes, m.sha256, m.object_key, m.thumb_key, m.filename, m.suggested_price_cents, m.currency,
             m.revision, m.deleted_at, m.upload_id),
        )  # fmt: skip
        return bool(rows)

    async def media(self, creator_id: uuid.UUID, media_id: uuid.UUID, *, lock: bool = False) -> Media | None:
        rows = await self._rows(
            f"SELECT {_READ} FROM media m WHERE id = %s AND creator_id = %s AND deleted_at IS NULL"
            + (" FOR UPDATE OF m" if lock else ""),
            (media_id, creator_id),
        )
        return _media(rows[0]) if rows else None

    async def media_by_sha(self, creator_id: uuid.UUID, sha256: str) -> Media | None:
        rows = await self._rows(
            f"SELECT {_READ} FROM media m WHERE creator_id = %s AND sha256 = %s AND deleted_at IS NULL",
            (creator_id, sha256),
        )
        return _media(rows[0]) if rows else None

    async def media_many(self, creator_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[Media]:
        rows = await self._rows(
            f"SELECT {_READ} FROM media m WHERE creator_id = %s AND id = ANY(%s) AND deleted_at IS NULL",
            (creator_id, list(ids)),
        )
        return [_media(r) for r in rows]

    async def save_media(self, media: Media) -> None:
        m = media
        await self._rows(
            "UPDATE media SET title = %s, tags = %s, suggested_price_cents = %s, currency = %s, revision = %s, "
            "updated_at = %s, deleted_at = %s WHERE id = %s AND creator_id = %s",
            (m.title, list(m.tags), m.suggested_price_cents, m.currency, m.revision, m.updated_at, m.deleted_at,
             m.id, m.creator_id),
        )  # fmt: skip

    async def list_media(self, creator_id: uuid.UUID, query: MediaQuery) -> list[Media]:
        where = ["creator_id = %s", "deleted_at IS NULL"]
        params: list[Any] = [creator_id]
        if query.tag is not None:
            where.append("tags @> ARRAY[%s]::text[]")
            params.append(query.tag)
        if query.kind is not None:
            where.append("kind = %s")
            params.append(query.kind)
        if query.q:
            where.append("(title ILIKE %s OR array_to_string(tags, ' ') ILIKE %s)")
            params += [_like(query.q)] * 2
        if query.after is not None:
            where.append("(created_at, id) < (%s, %s)")
            params += list(query.after)
        if query.sold is not None:  # the usage part's view of media sold (an unlock not fully refunded)
            where.append(sold_condition(query.sold, "m"))
        rows = await self._rows(
            f"SELECT {_READ} FROM media m WHERE {' AND '.join(where)} ORDER BY created_at DESC, id DESC LIMIT %s",
            (*params, query.limit),
        )
        return [_media(r) for r in rows]

    async def add_bundle_items(self, bundle_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> None:
        await self._rows(
            "INSERT INTO media_bundle_items (bundle_id, media_id, position) "
            "SELECT %s, m, p - 1 FROM unnest(%s::uuid[]) WITH ORDINALITY AS t (m, p)",
            (bundle_id, list(media_ids)),
        )

    async def bundle_items(self, creator_id: uuid.UUID, bundle_id: uuid.UUID) -> list[Media]:
        cols = ", ".join(f"m.{c.strip()}" for c in _MEDIA.split(","))
        rows = await self._rows(
            f"SELECT {cols} FROM media_bundle_items b JOIN media m ON m.id = b.media_id "
            "WHERE b.bundle_id = %s AND m.creator_id = %s AND m.deleted_at IS NULL ORDER BY b.position",
            (bundle_id, creator_id),
        )
        return [_media(r) for r in rows]

    async def bundles_of(self, creator_id: uuid.UUID, media_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self._rows(
            "SELECT b.bundle_id FROM media_bundle_items b JOIN media m ON m.id = b.bundle_id "
            "WHERE b.media_id = %s AND m.creator_id = %s AND m.deleted_at IS NULL",
            (media_id, creator_id),
        )
        return [r[0] for r in rows]

    # plans --------------------------------------------------------------------------------------------
    async def apply_plan(self, change: PlanChange) -> None:
        """The rule of :func:`content.plans.supersedes`, in one statement."""
        c = change
        await self._rows(
            "INSERT INTO media_plans (plan_kind, plan_id, creator_id, revision, status, media_ids) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (plan_kind, plan_id) DO UPDATE SET "
            "status = EXCLUDED.status, revision = GREATEST(media_plans.revision, EXCLUDED.revision), "
            "media_ids = CASE WHEN %s AND cardinality(EXCLUDED.media_ids) = 0 THEN media_plans.media_ids "
            "ELSE EXCLUDED.media_ids END "
            "WHERE media_plans.status IN ('scheduled', 'cancelled') AND (%s OR EXCLUDED.revision > media_plans.revision)",
            (c.kind, c.plan_id, c.creator_id, c.revision, c.status, list(c.media_ids), c.final, c.final),
        )

    async def plans_using(self, creator_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> list[tuple[str, uuid.UUID]]:
        rows = await self._rows(
            "SELECT plan_kind, plan_id FROM media_plans WHERE creator_id = %s AND status = 'scheduled' "
            "AND media_ids && %s::uuid[] ORDER BY plan_kind, plan_id LIMIT 20",
            (creator_id, list(media_ids)),
        )
        return [(r[0], r[1]) for r in rows]
