"""The wall: no request reaches a service route without the gateway's internal token.

:class:`InternalWallMiddleware` verifies ``X-Internal-Token`` (:mod:`.internal_token`) on every HTTP
request but the probes (``/health``, ``/ready``, ``/metrics``), answers 401 in the usual error shape
otherwise, stores the verified :class:`Caller` in the request scope (``request.state.caller``) and
binds its creator into the request's :class:`~.context.EventContext`. Routes read the caller through
:data:`CurrentCaller`, :data:`CreatorId` and :data:`UserId`; no header a client could set is trusted.

Without keys (``HUNTAZE_INTERNAL_TOKEN_KEYS`` unset, local runs only: production refuses to start)
the wall stays closed: every route but the probes answers 401 saying so.
"""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from . import context
from .http import ApiError, error_body
from .internal_token import INTERNAL_TOKEN_HEADER, VISITOR, Caller, InternalTokenVerifier, InvalidInternalToken

log = logging.getLogger("huntaze.wall")

OPEN_PATHS = frozenset({"/health", "/ready", "/metrics"})
"""Probes and metrics: Kubernetes and Prometheus call them without a token (the network policies
keep them to the cluster)."""
NO_KEYS = "HUNTAZE_INTERNAL_TOKEN_KEYS is not set: this service accepts no request but its probes"
_HEADER = INTERNAL_TOKEN_HEADER.encode()


class InternalWallMiddleware:
    """Verifies the internal token of every request (``verifier=None``: no keys, every request but
    the probes is refused)."""

    def __init__(self, app: ASGIApp, verifier: InternalTokenVerifier | None) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        try:
            caller = self.caller(scope)
        except InvalidInternalToken as exc:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            response = JSONResponse(error_body(401, str(exc)), status_code=401)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        current = context.current()
        ctx = (
            current.with_(creator_id=caller.creator_id)
            if current is not None
            else context.EventContext(correlation_id=caller.request_id or uuid.uuid4(), creator_id=caller.creator_id)
        )
        with context.bind(ctx):
            await self.app(scope, receive, send)

    def caller(self, scope: Scope) -> Caller:
        if self.verifier is None:
            raise InvalidInternalToken(NO_KEYS)
        token = None
        for name, value in scope.get("headers", ()):
            if name == _HEADER:
                token = value.decode("latin-1")
                break
        if not token:
            raise InvalidInternalToken("missing X-Internal-Token (requests come through the gateway)")
        try:
            return self.verifier.verify(token)
        except InvalidInternalToken as exc:
            raise InvalidInternalToken(f"invalid X-Internal-Token: {exc}") from None


def verifier_of(keys: str, service: str) -> InternalTokenVerifier | None:
    """The verifier of a service's settings; ``None`` (and a warning) without keys."""
    if keys.strip():
        return InternalTokenVerifier(keys)
    log.warning("%s: %s (set it to the gateway's public keys)", service, NO_KEYS)
    return None


# What a route sees --------------------------------------------------------------------------------


def _verified(request: Request) -> Caller:
    caller = getattr(request.state, "caller", None)
    if not isinstance(caller, Caller):
        raise ApiError(401, "no verified caller (requests come through the gateway with X-Internal-Token)")
    return caller


async def _caller(request: Request) -> Caller:
    caller = _verified(request)
    if caller.role == VISITOR:
        raise ApiError(403, "this route needs a signed-in caller")
    return caller


async def _visitor(request: Request) -> Caller:
    caller = _verified(request)
    if caller.role != VISITOR:
        raise ApiError(403, "this route is the gateway's public one: only its visitor token reaches it")
    return caller


async def _creator_id(caller: Annotated[Caller, Depends(_caller)]) -> uuid.UUID:
    return caller.creator_id


async def _org_id(caller: Annotated[Caller, Depends(_caller)]) -> uuid.UUID:
    return caller.org_id


async def _user_id(caller: Annotated[Caller, Depends(_caller)]) -> uuid.UUID:
    return caller.user_id


async def _shift_id(caller: Annotated[Caller, Depends(_caller)]) -> uuid.UUID | None:
    return caller.shift_id


VisitorCaller = Annotated[Caller, Depends(_visitor)]
"""A public route's caller: the gateway's visitor token (nobody signed in); any other is refused."""
CurrentCaller = Annotated[Caller, Depends(_caller)]
"""The verified caller: user, creator (the tenant), organisation, role, request id."""
CreatorId = Annotated[uuid.UUID, Depends(_creator_id)]
"""The tenant of the request, from the verified caller."""
OrgId = Annotated[uuid.UUID, Depends(_org_id)]
"""The caller's organisation, from the verified caller: the tenant of platform-level routes (billing),
where the gateway forwards organisation-scoped requests (their token's creator is the organisation)."""
UserId = Annotated[uuid.UUID, Depends(_user_id)]
"""The user making the request, from the verified caller."""
ShiftId = Annotated[uuid.UUID | None, Depends(_shift_id)]
"""The caller's shift on this creator account when the request was made (None: not on shift)."""
