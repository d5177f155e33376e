"""What the identity use cases need from storage (the SQL adapter and the unit tests' fake implement it)."""

from __future__ import annotations

import uuid
from typing import Protocol

from .domain import Creator, Membership, User


class GatewayRepository(Protocol):
    async def add_account(self, user: User, creator: Creator, membership: Membership) -> None:
        """Stores a new user with their creator account; raises EmailTaken for a known email."""
        ...

    async def user_by_email(self, email: str) -> User | None: ...

    async def first_membership(self, user_id: uuid.UUID) -> Membership | None:
        """The user's oldest membership (the creator account their tokens are for)."""
        ...

    async def profile(self, user_id: uuid.UUID, creator_id: uuid.UUID) -> tuple[User, Creator, Membership] | None: ...
