"""What the vault use cases need from storage."""

from __future__ import annotations

from typing import Protocol


class VaultRepository(Protocol):
    pass
