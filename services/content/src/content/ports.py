"""What the content use cases need from storage (the SQL adapter and the unit tests' fakes implement
it), one protocol per part of the service."""

from __future__ import annotations

from typing import Protocol

from .calendar_ports import CalendarRepository
from .feed_ports import FeedRepository
from .ideas_ports import IdeasRepository
from .usage_ports import UsageRepository
from .vault_ports import VaultRepository


class ContentRepository(VaultRepository, CalendarRepository, IdeasRepository, UsageRepository, FeedRepository, Protocol):
    pass
