"""What every mixin of the inbox repository shares: ``self._tx`` (the unit of work's transaction)
and one way to run a statement on its psycopg connection."""

from __future__ import annotations

from typing import Any

from huntaze_service.db import Transaction


class SqlRows:
    _tx: Transaction

    async def _rows(self, sql: str, params: Any) -> list[Any]:
        """Runs ``sql``; its rows (none for a statement that returns nothing)."""
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)
            return list(await cursor.fetchall()) if cursor.description else []
