"""Sign-up, log-in (access + refresh tokens), refresh, log-out, password, invitations, the profile."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from huntaze_service import ApiError, NoNul, RuntimeDep

from .. import handlers
from ..domain import Conflict, EmailTaken, NotFound
from ..handlers.identity import InvalidRefresh, Issued
from ..plans import PlanLimit
from ..throttle import Throttled
from .access import CHALLENGE, cache, codec, principal_of
from .audit import AuditedRoute
from .deps import PAYMENT_REQUIRED, Authorized, refused

router = APIRouter(prefix="/v1", tags=["auth"], route_class=AuditedRoute)

TAKEN = {"description": "An account with this email already exists."}
THROTTLED = {"description": "Too many attempts from this address or on this account: see Retry-After."}
WRONG_CREDENTIALS = {"description": "Incorrect email or password (the same answer for an unknown email)."}
BAD_REFRESH = {"description": "Unknown, expired or revoked refresh token; a reused one also ends its session."}
WRONG_PASSWORD = {"description": "The password given is not the account's."}
BAD_INVITATION = {"description": "No such invitation, or it expired, was revoked or already used."}
ALREADY_MEMBER = {"description": "This account is already a member of the organisation."}


class SignupIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr
    password: str = Field(min_length=10, max_length=256)
    display_name: Annotated[str, NoNul] = Field(min_length=1, max_length=100)
    organization_name: Annotated[str, NoNul] | None = Field(default=None, min_length=1, max_length=100)
    """The agency's name; default: the display name (a solo creator's own organisation)."""


class SignupOut(BaseModel):
    user_id: uuid.UUID
    organization_id: uuid.UUID
    creator_id: uuid.UUID
    email: str
    display_name: str


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=200)


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=10, max_length=256)


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    token: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=10, max_length=256)
    """The new account's password, or the existing account's password when the email has one."""
    display_name: Annotated[str, NoNul] | None = Field(default=None, min_length=1, max_length=100)


class AcceptOut(BaseModel):
    user_id: uuid.UUID
    organization_id: uuid.UUID
    role: str


class MembershipOut(BaseModel):
    organization_id: uuid.UUID
    organization_name: str
    role: str
    creator_ids: list[uuid.UUID] | None
    """None: every creator account of the organisation."""


class CreatorRef(BaseModel):
    id: uuid.UUID
    display_name: str
    organization_id: uuid.UUID
    role: str


class MeOut(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str
    created_at: datetime
    memberships: list[MembershipOut]
    creators: list[CreatorRef]
    """Every creator account this user may act on (name one with X-Creator-Id when there are several)."""


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _tokens(request: Request, issued: Issued) -> TokenOut:
    settings = request.app.state.runtime.settings
    return TokenOut(
        access_token=codec(request).issue(issued.principal),
        expires_in=codec(request).ttl_s,
        refresh_token=issued.refresh_token,
        refresh_expires_in=settings.refresh_ttl_s,
    )


def _too_many(exc: Throttled) -> ApiError:
    return ApiError(429, str(exc), "too_many_attempts", headers={"Retry-After": str(exc.retry_after_s)})


@router.post("/auth/signup", status_code=201, response_model=SignupOut, responses={409: TAKEN, 429: THROTTLED})
async def signup(body: SignupIn, request: Request, runtime: RuntimeDep) -> SignupOut:
    """Creates a user, their organisation and its first creator account (the user owns both)."""
    try:
        await runtime.state["throttle"].sign_up(_address(request))
    except Throttled as exc:
        raise _too_many(exc) from None
    async with runtime.uow() as uow:
        try:
            created = await handlers.sign_up(
                uow,
                email=str(body.email),
                password=body.password,
                display_name=body.display_name,
                organization=body.organization_name,
            )
        except EmailTaken:
            raise ApiError(409, "an account with this email already exists", "email_taken") from None
    return SignupOut(
        user_id=created.user_id,
        organization_id=created.org_id,
        creator_id=created.creator_id,
        email=created.email,
        display_name=created.display_name,
    )


@router.post("/auth/token", response_model=TokenOut, responses={401: WRONG_CREDENTIALS, 429: THROTTLED})
async def token(
    request: Request,
    runtime: RuntimeDep,
    username: Annotated[str, Form(max_length=320, description="The account's email"), NoNul],
    password: Annotated[str, Form(max_length=256)],
) -> TokenOut:
    """OAuth2 password flow: form fields `username` (the email) and `password`. Answers an access
    token (15 min) and a refresh token (single use: POST /v1/auth/refresh)."""
    try:
        await runtime.state["throttle"].before_log_in(username.strip().lower(), _address(request))
    except Throttled as exc:
        raise _too_many(exc) from None
    async with runtime.uow() as uow:
        issued = await handlers.log_in(
            uow, username, password, refresh_ttl=timedelta(seconds=runtime.settings.refresh_ttl_s)
        )
    if issued is None:
        await runtime.state["throttle"].failed_log_in(username.strip().lower(), _address(request))
        raise ApiError(401, "incorrect email or password", "invalid_credentials", headers=CHALLENGE)
    return _tokens(request, issued)


@router.post("/auth/refresh", response_model=TokenOut, responses={401: BAD_REFRESH})
async def refresh(body: RefreshIn, request: Request, runtime: RuntimeDep) -> TokenOut:
    """Exchanges a refresh token for a new pair. Each refresh token works once: presenting a used one
    again ends the whole session (every token descended from the same log-in)."""
    async with runtime.uow() as uow:
        try:
            issued = await handlers.refresh(
                uow, body.refresh_token, refresh_ttl=timedelta(seconds=runtime.settings.refresh_ttl_s)
            )
        except InvalidRefresh as exc:
            if exc.session_id is not None:
                cache(request).forget_session(exc.session_id)
            raise ApiError(401, str(exc), "invalid_refresh_token", headers=CHALLENGE) from None
    cache(request).forget_session(issued.principal.session_id)
    return _tokens(request, issued)


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, runtime: RuntimeDep, access: Authorized) -> Response:
    """Ends this session: its access token and refresh tokens stop working."""
    principal = principal_of(request)
    async with runtime.uow() as uow:
        await handlers.log_out(uow, principal)
    cache(request).forget_session(principal.session_id)
    return Response(status_code=204)


@router.post("/auth/password", status_code=204, responses={403: WRONG_PASSWORD})
async def change_password(body: PasswordIn, request: Request, runtime: RuntimeDep, access: Authorized) -> Response:
    """Changes the password; every other session of the user ends."""
    principal = principal_of(request)
    async with runtime.uow() as uow:
        try:
            await handlers.change_password(uow, principal, body.current_password, body.new_password)
        except PermissionError as exc:
            raise ApiError(403, str(exc), "wrong_password") from None
    cache(request).forget_user(principal.user_id)
    return Response(status_code=204)


@router.post(
    "/auth/accept-invitation",
    status_code=201,
    response_model=AcceptOut,
    responses={403: WRONG_PASSWORD, 404: BAD_INVITATION, 409: ALREADY_MEMBER, 429: THROTTLED, **PAYMENT_REQUIRED},
)
async def accept_invitation(body: AcceptIn, request: Request, runtime: RuntimeDep) -> AcceptOut:
    """Joins an organisation with an invitation's token (single use, until it expires)."""
    try:
        await runtime.state["throttle"].sign_up(_address(request))
    except Throttled as exc:
        raise _too_many(exc) from None
    async with runtime.uow() as uow:
        try:
            user_id, org_id, role = await handlers.accept_invitation(
                uow, body.token, password=body.password, display_name=body.display_name
            )
        except NotFound as exc:
            raise ApiError(404, str(exc), "invalid_invitation") from None
        except PermissionError as exc:
            raise ApiError(403, str(exc), "wrong_password") from None
        except Conflict as exc:
            raise ApiError(409, str(exc), "already_member") from None
        except PlanLimit as exc:  # the organisation's plan has no seat left
            raise refused(exc) from None
    cache(request).forget_user(user_id)
    return AcceptOut(user_id=user_id, organization_id=org_id, role=role)


@router.get("/me", response_model=MeOut)
async def me(runtime: RuntimeDep, access: Authorized) -> MeOut:
    async with runtime.uow() as uow:
        user = await uow.repo.user(access.user_id)
        memberships = await uow.repo.memberships(access.user_id)
        orgs = {m.org_id: await uow.repo.organization(m.org_id) for m in memberships}
        creators = await uow.repo.creators(list(orgs))
    if user is None:
        raise ApiError(401, "this account no longer exists", "invalid_token")
    roles = {m.org_id: m for m in memberships}
    return MeOut(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        created_at=user.created_at,
        memberships=[
            MembershipOut(
                organization_id=m.org_id,
                organization_name=(o.name if (o := orgs[m.org_id]) else ""),
                role=m.role,
                creator_ids=None if m.creator_ids is None else list(m.creator_ids),
            )
            for m in memberships
        ],
        creators=[
            CreatorRef(id=c.id, display_name=c.display_name, organization_id=c.org_id, role=roles[c.org_id].role)
            for c in creators
            if c.org_id is not None and roles[c.org_id].covers(c.id)
        ],
    )
