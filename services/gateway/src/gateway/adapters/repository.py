"""The identity repository on PostgreSQL (the gateway's own database)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from huntaze_service.db import Transaction

from ..domain import Creator, EmailTaken, Membership, User
from .orm import CreatorRow, MembershipRow, UserRow


def _user(r: UserRow) -> User:
    return User(r.id, r.email, r.password_hash, r.display_name, r.created_at)


class SqlGatewayRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def add_account(self, user: User, creator: Creator, membership: Membership) -> None:
        self._tx.session.add_all([UserRow(**user.__dict__), CreatorRow(**creator.__dict__)])
        try:
            await self._tx.session.flush()  # users and creators first: memberships reference both
        except IntegrityError as exc:
            if getattr(getattr(exc.orig, "diag", None), "constraint_name", None) == "users_email_key":
                raise EmailTaken(user.email) from None
            raise
        self._tx.session.add(MembershipRow(**membership.__dict__))
        await self._tx.session.flush()

    async def user_by_email(self, email: str) -> User | None:
        row = await self._tx.session.scalar(select(UserRow).where(UserRow.email == email))
        return None if row is None else _user(row)

    async def first_membership(self, user_id: uuid.UUID) -> Membership | None:
        row = await self._tx.session.scalar(
            select(MembershipRow).where(MembershipRow.user_id == user_id).order_by(MembershipRow.created_at)
        )
        return None if row is None else Membership(row.user_id, row.creator_id, row.role, row.created_at)

    async def profile(self, user_id: uuid.UUID, creator_id: uuid.UUID) -> tuple[User, Creator, Membership] | None:
        row = (
            await self._tx.session.execute(
                select(UserRow, CreatorRow, MembershipRow)
                .join(MembershipRow, MembershipRow.user_id == UserRow.id)
                .join(CreatorRow, CreatorRow.id == MembershipRow.creator_id)
                .where(UserRow.id == user_id, CreatorRow.id == creator_id)
            )
        ).first()
        if row is None:
            return None
        u, c, m = row
        return (
            _user(u),
            Creator(c.id, c.display_name, c.created_at),
            Membership(m.user_id, m.creator_id, m.role, m.created_at),
        )
