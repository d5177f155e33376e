"""What the ideas use cases need from storage."""

from __future__ import annotations

from typing import Protocol


class IdeasRepository(Protocol):
    pass
