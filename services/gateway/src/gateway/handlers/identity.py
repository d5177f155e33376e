"""Sign-up, log-in, refresh-token rotation, log-out, password change, accepting an invitation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from huntaze_service import UnitOfWork

from ..domain import OWNER, Conflict, Creator, Membership, NotFound, Organization, User, normal_email
from ..ports import GatewayRepository
from ..records import RefreshToken
from ..security import Principal, digest, hash_password, new_secret, same_digest, verify_password
from .billing import announce, check_seats

Uow = UnitOfWork[GatewayRepository]


@dataclass(frozen=True)
class SignedUp:
    user_id: uuid.UUID
    org_id: uuid.UUID
    creator_id: uuid.UUID
    email: str
    display_name: str


@dataclass(frozen=True)
class Issued:
    """A new session's (or a rotation's) credentials: the access token is made from ``principal``."""

    principal: Principal
    refresh_token: str


class InvalidRefresh(Exception):
    """Unknown, expired, revoked or reused (the last one also revokes the whole session)."""

    def __init__(self, reason: str, session_id: uuid.UUID | None = None) -> None:
        super().__init__(reason)
        self.session_id = session_id


async def sign_up(
    uow: Uow, *, email: str, password: str, display_name: str, organization: str | None = None
) -> SignedUp:
    """Creates the user, their organisation and its first creator account; the user owns both."""
    email = normal_email(email)
    now = uow.now()
    user = User(uuid.uuid4(), email, await hash_password(password), display_name, now)
    org = Organization(uuid.uuid4(), organization or display_name, now)
    creator = Creator(uuid.uuid4(), display_name, now, org.id)
    await uow.repo.add_account(user, org, creator, Membership(user.id, org.id, OWNER, now))
    await announce(uow, org.id)
    await uow.commit()
    return SignedUp(user.id, org.id, creator.id, email, display_name)


async def _new_session(uow: Uow, user_id: uuid.UUID, refresh_ttl: timedelta) -> Issued:
    now = uow.now()
    session_id = uuid.uuid4()
    secret = new_secret()
    await uow.repo.add_session(session_id, user_id, now)
    await uow.repo.add_refresh_token(RefreshToken(digest(secret), session_id, user_id, now, now + refresh_ttl))
    return Issued(Principal(user_id, session_id), secret)


async def log_in(uow: Uow, email: str, password: str, *, refresh_ttl: timedelta) -> Issued | None:
    """A new session for these credentials, or None. An unknown email costs the same password check
    as a wrong password, and a user who belongs to no organisation any more gets nothing either."""
    user = await uow.repo.user_by_email(normal_email(email))
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if not await uow.repo.memberships(user.id):
        return None
    issued = await _new_session(uow, user.id, refresh_ttl)
    await uow.commit()
    return issued


async def refresh(uow: Uow, refresh_token: str, *, refresh_ttl: timedelta) -> Issued:
    """Rotates: the presented token is spent, a new one of the same session is returned. Presenting a
    spent token again means it leaked (or a client raced itself): the whole session is revoked."""
    now = uow.now()
    found = await uow.repo.refresh_token(digest(refresh_token))
    if found is None or not same_digest(refresh_token, found.digest):
        raise InvalidRefresh("unknown refresh token")
    if found.session_revoked_at is not None:
        raise InvalidRefresh("this session has ended")
    if found.rotated_at is not None:
        await uow.repo.revoke_session(found.session_id, now, "refresh_token_reused")
        await uow.commit()
        raise InvalidRefresh("refresh token already used: the session is revoked", found.session_id)
    if now >= found.expires_at:
        raise InvalidRefresh("refresh token expired")
    if not await uow.repo.memberships(found.user_id):
        raise InvalidRefresh("this account belongs to no organisation")
    await uow.repo.mark_rotated(found.digest, now)
    secret = new_secret()
    await uow.repo.add_refresh_token(
        RefreshToken(digest(secret), found.session_id, found.user_id, now, now + refresh_ttl)
    )
    await uow.commit()
    return Issued(Principal(found.user_id, found.session_id), secret)


async def log_out(uow: Uow, principal: Principal) -> None:
    await uow.repo.revoke_session(principal.session_id, uow.now(), "logout")
    await uow.commit()


async def change_password(uow: Uow, principal: Principal, current: str, new: str) -> list[uuid.UUID]:
    """Changes the password and ends every other session of the user; returns the ended sessions."""
    user = await uow.repo.user(principal.user_id)
    if user is None or not await verify_password(user.password_hash, current):
        raise PermissionError("the current password is not correct")
    await uow.repo.set_password(user.id, await hash_password(new))
    ended = await uow.repo.revoke_sessions(user.id, uow.now(), "password_changed", keep=principal.session_id)
    await uow.commit()
    return ended


async def accept_invitation(
    uow: Uow, token: str, *, password: str, display_name: str | None
) -> tuple[uuid.UUID, uuid.UUID, str]:
    """Joins the invitation's organisation with its role: as a new user (the invitation's email, this
    password) or, when the email already has an account, as that user (this must be its password).
    Returns (user id, organisation id, role). Single use; an expired or revoked one is refused, and
    so is a seat beyond the organisation's plan (:class:`gateway.plans.PlanLimit`)."""
    now = uow.now()
    invitation = await uow.repo.invitation_by_digest(digest(token))
    if invitation is None or invitation.status(now) != "pending":
        raise NotFound("this invitation does not exist, has expired or was already used")
    user = await uow.repo.user_by_email(invitation.email)
    if user is None:
        user = User(
            uuid.uuid4(), invitation.email, await hash_password(password), display_name or invitation.email, now
        )
        await uow.repo.add_user(user)
    elif not await verify_password(user.password_hash, password):
        raise PermissionError("an account with this email exists: give its password to join")
    if await uow.repo.membership(invitation.org_id, user.id) is not None:
        raise Conflict("already a member of this organisation")
    await check_seats(uow, invitation.org_id, inviting=False)  # PlanLimit: the plan shrank since
    await uow.repo.add_membership(Membership(user.id, invitation.org_id, invitation.role, now, invitation.creator_ids))
    await uow.repo.invitation_accepted(invitation.id, user.id, now)
    await announce(uow, invitation.org_id)
    await uow.commit()
    return user.id, invitation.org_id, invitation.role
