"""Identity use cases."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from huntaze_events import utcnow
from huntaze_service import UnitOfWork

from .adapters.orm import Creator, Membership, User
from .security import Principal, hash_password, verify_password

OWNER = "owner"


class EmailTaken(Exception):
    pass


@dataclass(frozen=True)
class SignedUp:
    user_id: uuid.UUID
    creator_id: uuid.UUID
    email: str
    display_name: str


async def sign_up(uow: UnitOfWork, *, email: str, password: str, display_name: str) -> SignedUp:
    """Creates the user, their creator account, and makes them its owner."""
    email = email.strip().lower()
    now = utcnow()
    user = User(
        id=uuid.uuid4(),
        email=email,
        password_hash=await hash_password(password),
        display_name=display_name,
        created_at=now,
    )
    creator = Creator(id=uuid.uuid4(), display_name=display_name, created_at=now)
    uow.session.add_all([user, creator])
    try:
        await uow.session.flush()  # users and creators first: memberships reference both
        uow.session.add(Membership(user_id=user.id, creator_id=creator.id, role=OWNER, created_at=now))
        await uow.commit()
    except IntegrityError as exc:
        if getattr(getattr(exc.orig, "diag", None), "constraint_name", None) == "users_email_key":
            raise EmailTaken(email) from None
        raise
    return SignedUp(user.id, creator.id, email, display_name)


async def authenticate(session: AsyncSession, email: str, password: str) -> Principal | None:
    """The principal for these credentials (the user's first creator account), or None."""
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        return None
    membership = await session.scalar(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.created_at)
    )
    if membership is None:
        return None
    return Principal(user.id, membership.creator_id, membership.role)


async def me(session: AsyncSession, principal: Principal) -> tuple[User, Creator, Membership] | None:
    row = (
        await session.execute(
            select(User, Creator, Membership)
            .join(Membership, Membership.user_id == User.id)
            .join(Creator, Creator.id == Membership.creator_id)
            .where(User.id == principal.user_id, Creator.id == principal.creator_id)
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])
