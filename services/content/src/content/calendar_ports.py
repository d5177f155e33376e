"""What the calendar use cases need from storage."""

from __future__ import annotations

from typing import Protocol


class CalendarRepository(Protocol):
    pass
