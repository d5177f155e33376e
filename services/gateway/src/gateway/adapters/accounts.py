"""Users, organisations, creator accounts and memberships."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from huntaze_service.db import Transaction

from ..domain import Creator, EmailTaken, Membership, Organization, User
from .orm import CreatorRow, MembershipRow, OrganizationRow, UserRow


def user_of(r: UserRow) -> User:
    return User(r.id, r.email, r.password_hash, r.display_name, r.created_at)


def membership_of(r: MembershipRow) -> Membership:
    return Membership(
        r.user_id, r.org_id, r.role, r.created_at, None if r.creator_ids is None else tuple(r.creator_ids)
    )


def creator_of(r: CreatorRow) -> Creator:
    return Creator(r.id, r.display_name, r.created_at, r.org_id)


class AccountsSql:
    _tx: Transaction

    async def add_user(self, user: User) -> None:
        self._tx.session.add(UserRow(**user.__dict__))
        try:
            await self._tx.session.flush()
        except IntegrityError as exc:
            if getattr(getattr(exc.orig, "diag", None), "constraint_name", None) == "users_email_key":
                raise EmailTaken(user.email) from None
            raise

    async def add_account(self, user: User, org: Organization, creator: Creator, membership: Membership) -> None:
        await self.add_user(user)
        self._tx.session.add(OrganizationRow(**org.__dict__))
        await self._tx.session.flush()
        await self.add_creator(creator)
        await self.add_membership(membership)

    async def add_creator(self, creator: Creator) -> None:
        self._tx.session.add(CreatorRow(**creator.__dict__))
        await self._tx.session.flush()

    async def add_membership(self, m: Membership) -> None:
        self._tx.session.add(
            MembershipRow(
                user_id=m.user_id,
                org_id=m.org_id,
                role=m.role,
                creator_ids=None if m.creator_ids is None else list(m.creator_ids),
                created_at=m.created_at,
            )
        )
        await self._tx.session.flush()

    async def user_by_email(self, email: str) -> User | None:
        row = await self._tx.session.scalar(select(UserRow).where(UserRow.email == email))
        return None if row is None else user_of(row)

    async def user(self, user_id: uuid.UUID) -> User | None:
        row = await self._tx.session.get(UserRow, user_id)
        return None if row is None else user_of(row)

    async def set_password(self, user_id: uuid.UUID, password_hash: str) -> None:
        await self._tx.session.execute(update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash))

    async def memberships(self, user_id: uuid.UUID) -> list[Membership]:
        rows = await self._tx.session.scalars(
            select(MembershipRow).where(MembershipRow.user_id == user_id).order_by(MembershipRow.created_at)
        )
        return [membership_of(r) for r in rows]

    async def organization(self, org_id: uuid.UUID) -> Organization | None:
        row = await self._tx.session.get(OrganizationRow, org_id)
        return None if row is None else Organization(row.id, row.name, row.created_at)

    async def creators(self, org_ids: list[uuid.UUID]) -> list[Creator]:
        rows = await self._tx.session.scalars(
            select(CreatorRow).where(CreatorRow.org_id.in_(org_ids)).order_by(CreatorRow.created_at, CreatorRow.id)
        )
        return [creator_of(r) for r in rows]

    async def members(self, org_id: uuid.UUID) -> list[tuple[Membership, User]]:
        rows = await self._tx.session.execute(
            select(MembershipRow, UserRow)
            .join(UserRow, UserRow.id == MembershipRow.user_id)
            .where(MembershipRow.org_id == org_id)
            .order_by(MembershipRow.created_at, MembershipRow.user_id)
        )
        return [(membership_of(m), user_of(u)) for m, u in rows]

    async def membership(self, org_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False) -> Membership | None:
        query = select(MembershipRow).where(MembershipRow.org_id == org_id, MembershipRow.user_id == user_id)
        row = await self._tx.session.scalar(query.with_for_update() if lock else query)
        return None if row is None else membership_of(row)

    async def owners(self, org_id: uuid.UUID) -> int:
        """How many owners the organisation has (its rows locked until the end of the transaction)."""
        rows = await self._tx.session.scalars(
            select(MembershipRow.user_id)
            .where(MembershipRow.org_id == org_id, MembershipRow.role == "owner")
            .with_for_update()
        )
        return len(list(rows))

    async def update_membership(self, m: Membership) -> None:
        await self._tx.session.execute(
            update(MembershipRow)
            .where(MembershipRow.org_id == m.org_id, MembershipRow.user_id == m.user_id)
            .values(role=m.role, creator_ids=None if m.creator_ids is None else list(m.creator_ids))
        )

    async def remove_membership(self, org_id: uuid.UUID, user_id: uuid.UUID) -> None:
        await self._tx.session.execute(
            delete(MembershipRow).where(MembershipRow.org_id == org_id, MembershipRow.user_id == user_id)
        )

    async def count_creators(self, org_id: uuid.UUID) -> int:
        return int(
            await self._tx.session.scalar(
                select(func.count()).select_from(CreatorRow).where(CreatorRow.org_id == org_id)
            )
            or 0
        )
