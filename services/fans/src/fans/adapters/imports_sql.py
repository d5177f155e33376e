"""Statement imports on PostgreSQL: the import record, its parsed rows waiting to be applied (oldest
sale first) and its rejected lines."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg.rows import dict_row

from huntaze_service.db import Transaction

from ..imports import ImportRecord, StagedRow

_COLUMNS = (
    "id, creator_id, filename, timezone, currency, status, rows_total, rows_processed, imported, duplicate, "
    "rejected, error, created_at, updated_at, finished_at"
)

# The n of each row among the rows of this file with the same match key, in file order (see fans.ledger).
_NUMBER_MATCHES = """
UPDATE statement_rows r SET match_n = v.n
FROM (
    SELECT seq, row_number() OVER (
        PARTITION BY fan_external_id, type, gross_cents, date_trunc('minute', occurred_at) ORDER BY line_no
    ) AS n
    FROM statement_rows WHERE import_id = %(id)s
) v
WHERE r.import_id = %(id)s AND r.seq = v.seq
"""


class Imports:
    """Mixed into the fans repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def add_import(self, record: ImportRecord, created_by: uuid.UUID | None) -> None:
        conn = await self._tx.driver()
        await conn.execute(
            "INSERT INTO statement_imports (id, creator_id, filename, timezone, currency, status, created_by, "
            "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                record.id,
                record.creator_id,
                record.filename,
                record.timezone,
                record.currency,
                record.status,
                created_by,
                record.created_at,
                record.created_at,
            ),
        )

    async def stage_rows(self, import_id: uuid.UUID, rows: Sequence[StagedRow]) -> None:
        """Appends parsed rows (COPY: a 200,000-row statement stages in seconds)."""
        if not rows:
            return
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            async with cursor.copy(
                "COPY statement_rows (import_id, seq, line_no, type, fan_external_id, fan_display_name, gross_cents, "
                "fee_cents, net_cents, occurred_at) FROM STDIN"
            ) as copy:
                for r in rows:
                    await copy.write_row(
                        (
                            import_id,
                            r.line_no,
                            r.line_no,
                            r.type,
                            r.fan_external_id,
                            r.fan_display_name,
                            r.gross_cents,
                            r.fee_cents,
                            r.net_cents,
                            r.occurred_at,
                        )
                    )

    async def add_rejections(self, import_id: uuid.UUID, rejections: Sequence[tuple[int, str]]) -> None:
        if not rejections:
            return
        conn = await self._tx.driver()
        await conn.execute(
            "INSERT INTO statement_rejections (import_id, line_no, reason) "
            "SELECT %s, l, r FROM unnest(%s::int[], %s::text[]) AS v(l, r) ON CONFLICT DO NOTHING",
            (import_id, [r[0] for r in rejections], [r[1][:500] for r in rejections]),
        )

    async def finish_staging(self, import_id: uuid.UUID, rows_total: int, rejected: int, now: datetime) -> None:
        conn = await self._tx.driver()
        # Statistics first: planned on an empty table's statistics, the numbering below is a nested
        # loop that takes minutes for 20,000 rows; with them, a hash join (3 s for 200,000 rows).
        await conn.execute("ANALYZE statement_rows")
        await conn.execute(_NUMBER_MATCHES, {"id": import_id})
        await conn.execute(
            "UPDATE statement_imports SET rows_total = %s, rejected = %s, rows_processed = %s, updated_at = %s "
            "WHERE id = %s",
            (rows_total, rejected, rejected, now, import_id),
        )

    async def next_rows(self, import_id: uuid.UUID, limit: int) -> list[StagedRow]:
        """The next rows to apply, oldest sale first (a subscription's payments in the order they happened)."""
        conn = await self._tx.driver()
        async with conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(
                "SELECT line_no, type, fan_external_id, fan_display_name, gross_cents, fee_cents, net_cents, "
                "occurred_at, match_n FROM statement_rows WHERE import_id = %s "
                "ORDER BY occurred_at, line_no LIMIT %s",
                (import_id, limit),
            )
            return [StagedRow(**r) for r in await cursor.fetchall()]

    async def drop_rows(self, import_id: uuid.UUID, line_nos: Sequence[int]) -> None:
        conn = await self._tx.driver()
        await conn.execute(
            "DELETE FROM statement_rows WHERE import_id = %s AND seq = ANY(%s)", (import_id, list(line_nos))
        )

    async def progress(
        self, import_id: uuid.UUID, *, processed: int, imported: int, duplicate: int, done: bool, now: datetime
    ) -> None:
        conn = await self._tx.driver()
        await conn.execute(
            "UPDATE statement_imports SET rows_processed = rows_processed + %s, imported = imported + %s, "
            "duplicate = duplicate + %s, status = CASE WHEN %s THEN 'done' ELSE status END, "
            "finished_at = CASE WHEN %s THEN %s ELSE finished_at END, updated_at = %s WHERE id = %s",
            (processed, imported, duplicate, done, done, now, now, import_id),
        )

    async def get_import(self, creator_id: uuid.UUID, import_id: uuid.UUID) -> ImportRecord | None:
        conn = await self._tx.driver()
        async with conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(
                f"SELECT {_COLUMNS} FROM statement_imports WHERE id = %s AND creator_id = %s", (import_id, creator_id)
            )
            row = await cursor.fetchone()
        return None if row is None else ImportRecord(**row)

    async def rejections(self, import_id: uuid.UUID, limit: int) -> list[dict[str, Any]]:
        conn = await self._tx.driver()
        async with conn.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(
                "SELECT line_no AS line, reason FROM statement_rejections WHERE import_id = %s ORDER BY line_no LIMIT %s",
                (import_id, limit),
            )
            return list(await cursor.fetchall())

    async def fail_import(self, import_id: uuid.UUID, error: str, now: datetime) -> None:
        conn = await self._tx.driver()
        await conn.execute(
            "UPDATE statement_imports SET status = 'failed', error = %s, finished_at = %s, updated_at = %s "
            "WHERE id = %s AND status = 'running'",
            (error[:500], now, now, import_id),
        )
        await conn.execute("DELETE FROM statement_rows WHERE import_id = %s", (import_id,))
