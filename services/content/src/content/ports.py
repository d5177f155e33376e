"""What the content use cases need from storage (the SQL adapter and the unit tests' fakes implement
it), one protocol per part of the service."""

from __future__ import annotations

from typing import Protocol

from .calendar_ports import CalendarRepository
from .ideas_ports import IdeasRepository
from .vault_ports import VaultRepository


class ContentRepository(VaultRepository, CalendarRepository, IdeasRepository, Protocol):
    pass
