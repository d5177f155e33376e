"""The base of the marketing repository's SQL adapters: plain SQL on the unit of work's psycopg
connection (inside its transaction)."""

from __future__ import annotations

from huntaze_service.db import PlainSql as Sql

__all__ = ["Sql"]
