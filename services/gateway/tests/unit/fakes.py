"""An in-memory GatewayRepository with the SQL one's semantics, for unit tests of the use cases."""

from __future__ import annotations

import uuid

from gateway.domain import Creator, EmailTaken, Membership, User


class FakeGatewayRepository:
    def __init__(self) -> None:
        self.users: dict[uuid.UUID, User] = {}
        self.creators: dict[uuid.UUID, Creator] = {}
        self.memberships: list[Membership] = []

    async def add_account(self, user: User, creator: Creator, membership: Membership) -> None:
        if any(u.email == user.email for u in self.users.values()):
            raise EmailTaken(user.email)
        self.users[user.id] = user
        self.creators[creator.id] = creator
        self.memberships.append(membership)

    async def user_by_email(self, email: str) -> User | None:
        return next((u for u in self.users.values() if u.email == email), None)

    async def first_membership(self, user_id: uuid.UUID) -> Membership | None:
        mine = sorted((m for m in self.memberships if m.user_id == user_id), key=lambda m: m.created_at)
        return mine[0] if mine else None

    async def profile(self, user_id: uuid.UUID, creator_id: uuid.UUID) -> tuple[User, Creator, Membership] | None:
        for m in self.memberships:
            if m.user_id == user_id and m.creator_id == creator_id:
                return self.users[user_id], self.creators[creator_id], m
        return None
