"""Public HTTP API: sign-up and tokens, then every service under /v1/<service>/..., authenticated.

The gateway verifies the bearer token and forwards the request to the service that owns the path,
adding the verified ``X-Creator-Id`` and ``X-User-Id`` (and dropping any the client sent). It adds
no business logic: the service's answer, status and body, is returned as is.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import aiohttp
import yarl
from fastapi import APIRouter, Form, Request, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from huntaze_service import ApiError, RuntimeDep, context

from . import handlers
from .auth import CurrentPrincipal, codec
from .domain import EmailTaken
from .routing import STREAMED_BODY_BYTES, UnsafePath, upstream_path

auth_router = APIRouter(prefix="/v1", tags=["auth"])
proxy_router = APIRouter(tags=["services"])


class SignupIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr
    password: str = Field(min_length=10, max_length=256)
    display_name: str = Field(min_length=1, max_length=100)


class SignupOut(BaseModel):
    user_id: uuid.UUID
    creator_id: uuid.UUID
    email: str
    display_name: str


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    user_id: uuid.UUID
    email: str
    display_name: str
    creator_id: uuid.UUID
    creator_display_name: str
    role: str
    created_at: datetime


@auth_router.post("/auth/signup", status_code=201, response_model=SignupOut)
async def signup(body: SignupIn, runtime: RuntimeDep) -> SignupOut:
    """Creates a user and their creator account (the user owns it)."""
    async with runtime.uow() as uow:
        try:
            created = await handlers.sign_up(
                uow, email=str(body.email), password=body.password, display_name=body.display_name
            )
        except EmailTaken:
            raise ApiError(409, "an account with this email already exists", "email_taken") from None
    return SignupOut(**created.__dict__)


@auth_router.post("/auth/token", response_model=TokenOut)
async def token(
    request: Request,
    runtime: RuntimeDep,
    username: Annotated[str, Form(max_length=320, description="The account's email")],
    password: Annotated[str, Form(max_length=256)],
) -> TokenOut:
    """OAuth2 password flow: form fields `username` (the email) and `password`."""
    async with runtime.uow() as uow:
        principal = await handlers.authenticate(uow, username, password)
    if principal is None:
        raise ApiError(
            401, "incorrect email or password", "invalid_credentials", headers={"WWW-Authenticate": "Bearer"}
        )
    tokens = codec(request)
    return TokenOut(access_token=tokens.issue(principal), expires_in=tokens.ttl_s)


@auth_router.get("/me", response_model=MeOut)
async def me(principal: CurrentPrincipal, runtime: RuntimeDep) -> MeOut:
    async with runtime.uow() as uow:
        found = await handlers.me(uow, principal)
    if found is None:
        raise ApiError(401, "this account no longer exists", "invalid_token")
    user, creator, membership = found
    return MeOut(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        creator_id=creator.id,
        creator_display_name=creator.display_name,
        role=membership.role,
        created_at=user.created_at,
    )


_FORWARDED_REQUEST_HEADERS = ("content-type", "accept", "idempotency-key", "tracestate")
_FORWARDED_RESPONSE_HEADERS = ("content-type", "retry-after", "location")
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@proxy_router.api_route("/v1/{service}", methods=_METHODS)
@proxy_router.api_route("/v1/{service}/{path:path}", methods=_METHODS)
async def forward(service: str, request: Request, principal: CurrentPrincipal, path: str = "") -> Response:
    runtime = request.app.state.runtime
    base = runtime.settings.upstreams().get(service)
    if base is None:
        raise ApiError(404, f"no API under /v1/{service}")
    try:
        target = upstream_path(service, path, request.scope.get("raw_path") or request.url.path.encode())
    except UnsafePath as exc:
        raise ApiError(400, str(exc)) from None
    upstream: aiohttp.ClientSession = runtime.state["upstream"]
    headers = {k: v for k in _FORWARDED_REQUEST_HEADERS if (v := request.headers.get(k)) is not None}
    headers["x-creator-id"] = str(principal.creator_id)
    headers["x-user-id"] = str(principal.user_id)
    ctx = context.current()
    if ctx is not None:
        headers["x-correlation-id"] = str(ctx.correlation_id)
    # traceparent: added by the aiohttp client instrumentation, naming the gateway's client span
    # already encoded segment by segment: yarl must neither re-encode nor normalise it
    url = yarl.URL(f"{base.rstrip('/')}{target}", encoded=True)
    length = request.headers.get("content-length")
    streamed = length is None or not length.isdigit() or int(length) > STREAMED_BODY_BYTES
    try:
        async with upstream.request(
            request.method,
            url,
            params=request.query_params.multi_items(),
            # uploads go through in chunks as they arrive (bounded memory); small bodies in one piece
            data=request.stream() if streamed and request.method != "GET" else await request.body(),
            headers=headers,
            allow_redirects=False,
        ) as answer:
            body = await answer.read()
    except TimeoutError:
        raise ApiError(504, f"the {service} service did not answer in time") from None
    except aiohttp.ClientError:
        raise ApiError(503, f"the {service} service is unavailable", headers={"Retry-After": "2"}) from None
    return Response(
        content=body,
        status_code=answer.status,
        headers={k: v for k in _FORWARDED_RESPONSE_HEADERS if (v := answer.headers.get(k)) is not None},
    )
