"""Identity use cases: each takes the unit of work (``uow.repo`` is a GatewayRepository)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from huntaze_service import UnitOfWork

from .domain import OWNER, Creator, EmailTaken, Membership, User, normal_email
from .ports import GatewayRepository
from .security import Principal, hash_password, verify_password

Uow = UnitOfWork[GatewayRepository]
__all__ = ["EmailTaken", "SignedUp", "authenticate", "me", "sign_up"]


@dataclass(frozen=True)
class SignedUp:
    user_id: uuid.UUID
    creator_id: uuid.UUID
    email: str
    display_name: str


async def sign_up(uow: Uow, *, email: str, password: str, display_name: str) -> SignedUp:
    """Creates the user, their creator account, and makes them its owner."""
    email = normal_email(email)
    now = uow.now()
    user = User(uuid.uuid4(), email, await hash_password(password), display_name, now)
    creator = Creator(uuid.uuid4(), display_name, now)
    await uow.repo.add_account(user, creator, Membership(user.id, creator.id, OWNER, now))
    await uow.commit()
    return SignedUp(user.id, creator.id, email, display_name)


async def authenticate(uow: Uow, email: str, password: str) -> Principal | None:
    """The principal for these credentials (the user's first creator account), or None. An unknown
    email costs the same password check as a wrong password."""
    user = await uow.repo.user_by_email(normal_email(email))
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        return None
    membership = await uow.repo.first_membership(user.id)
    if membership is None:
        return None
    return Principal(user.id, membership.creator_id, membership.role)


async def me(uow: Uow, principal: Principal) -> tuple[User, Creator, Membership] | None:
    return await uow.repo.profile(principal.user_id, principal.creator_id)
