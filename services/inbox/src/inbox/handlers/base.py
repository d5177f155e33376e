"""What every inbox use case shares: its unit of work, and the answer for another creator's ids."""

from __future__ import annotations

from huntaze_service import UnitOfWork

from ..ports import InboxRepository

Uow = UnitOfWork[InboxRepository]


class NotFound(Exception):
    """No such thing for this creator (another creator's id is not found either)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what
