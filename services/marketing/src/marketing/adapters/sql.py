"""The base of the marketing repository's SQL adapters: plain SQL on the unit of work's psycopg
connection (inside its transaction)."""

from __future__ import annotations

from typing import Any

from huntaze_service.db import Transaction


class Sql:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def _rows(self, sql: str, params: Any) -> list[Any]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)
            return list(await cursor.fetchall()) if cursor.description else []
