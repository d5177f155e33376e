"""The vault tables on PostgreSQL (plain SQL on the unit of work's connection)."""

from __future__ import annotations

from huntaze_service.db import PlainSql


class SqlVaultRepository(PlainSql):
    pass
