"""The content repository on PostgreSQL (its own database): one class made of the SQL adapters of
each part of the service (vault and usage, calendar, ideas). Every read is scoped to the creator:
another creator's id is not found."""

from __future__ import annotations

from .calendar_sql import SqlCalendarRepository
from .feed_sql import SqlFeedRepository
from .ideas_sql import SqlIdeasRepository
from .usage_sql import SqlUsageRepository
from .vault_sql import SqlVaultRepository


class SqlContentRepository(
    SqlVaultRepository, SqlCalendarRepository, SqlIdeasRepository, SqlUsageRepository, SqlFeedRepository
):
    pass
