"""Who is calling, on which creator account, and may they: one check for every route.

``authorize`` reads the credentials (a user's access token, or a connector key), resolves the scope
(``X-Creator-Id`` / ``X-Organization-Id``), and applies the permission table: 401 without valid
credentials, 404 for a creator or organisation the caller does not belong to, 403 for a route the
caller's role may not use. What it read about a session, a user's memberships or a connector key is
reused for ``access_cache_s`` seconds by this replica (log-out and revocations here drop it at once).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from cachetools import TTLCache
from fastapi import Request

from huntaze_service import ApiError, Runtime

from ..domain import Access, NotFound, ScopeRequired
from ..handlers.access import Staff, connector_access, load_staff, resolve_access
from ..permissions import PUBLIC, SIGNED_IN, Role, RouteRule, allowed, rule_for
from ..records import ConnectorKey
from ..security import InvalidToken, Principal, TokenCodec, parse_connector_key, same_digest

CHALLENGE = {"WWW-Authenticate": "Bearer"}
KEY_USE_RECORDED_EVERY = timedelta(minutes=1)
SHIFTS_AHEAD = timedelta(hours=1)
"""How far ahead a replica reads a person's shifts (reused for ``access_cache_s``)."""


class AccessCache:
    def __init__(self, ttl_s: float) -> None:
        self._entries: TTLCache[tuple[str, uuid.UUID], Any] = TTLCache(maxsize=100_000, ttl=ttl_s)

    def get(self, kind: str, ident: uuid.UUID) -> Any:
        return self._entries.get((kind, ident))

    def put(self, kind: str, ident: uuid.UUID, value: Any) -> None:
        self._entries[(kind, ident)] = value

    def forget_session(self, session_id: uuid.UUID) -> None:
        self._entries.pop(("session", session_id), None)

    def forget_user(self, user_id: uuid.UUID) -> None:
        for key, value in list(self._entries.items()):
            if key[0] == "session" and isinstance(value, Staff) and value.user_id == user_id:
                self._entries.pop(key, None)

    def forget_key(self, key_id: uuid.UUID) -> None:
        self._entries.pop(("key", key_id), None)

    def forget_shifts(self, user_id: uuid.UUID) -> None:
        self._entries.pop(("shifts", user_id), None)

    def forget_shift(self, shift_id: uuid.UUID) -> None:
        for key, value in list(self._entries.items()):
            if key[0] == "shifts" and any(s.id == shift_id for s in value):
                self._entries.pop(key, None)


def runtime_of(request: Request) -> Runtime[Any]:
    return request.app.state.runtime  # type: ignore[no-any-return]


def codec(request: Request) -> TokenCodec:
    return runtime_of(request).state["tokens"]  # type: ignore[no-any-return]


def cache(request: Request) -> AccessCache:
    return runtime_of(request).state["access_cache"]  # type: ignore[no-any-return]


def bearer(request: Request) -> str:
    value = request.headers.get("authorization", "")
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise ApiError(401, "missing bearer token (Authorization: Bearer <token>)", headers=CHALLENGE)
    return credentials.strip()


def principal_of(request: Request) -> Principal:
    try:
        return codec(request).verify(bearer(request))
    except InvalidToken as exc:
        code = "token_expired" if "expired" in str(exc) else "invalid_token"
        raise ApiError(401, str(exc), code, headers=CHALLENGE) from None


def _uuid_header(request: Request, name: str) -> uuid.UUID | None:
    value = request.headers.get(name)
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ApiError(400, f"{name} must be a UUID") from None


async def _staff(request: Request, principal: Principal) -> Staff:
    found = cache(request).get("session", principal.session_id)
    if found is None:
        async with runtime_of(request).uow() as uow:
            found = await load_staff(uow, principal)
        cache(request).put("session", principal.session_id, found)
    if not found.alive or found.user_id != principal.user_id:
        raise ApiError(401, "this session has ended: log in again", "session_ended", headers=CHALLENGE)
    return found  # type: ignore[no-any-return]


async def _connector_key(request: Request, presented: str) -> ConnectorKey:
    parsed = parse_connector_key(presented)
    refused = ApiError(401, "invalid connector key", "invalid_key", headers=CHALLENGE)
    if parsed is None:
        raise refused
    key_id, secret = parsed
    key = cache(request).get("key", key_id)
    if key is None:
        runtime = runtime_of(request)
        async with runtime.uow() as uow:
            key = await uow.repo.connector_key(key_id)
            if key is not None and key.revoked_at is None:
                await uow.repo.key_used(key_id, uow.now(), KEY_USE_RECORDED_EVERY)
                await uow.commit()
        cache(request).put("key", key_id, key or False)
    if not key or key.revoked_at is not None or not same_digest(secret, key.digest):
        raise refused
    return key  # type: ignore[no-any-return]


async def authorize(request: Request, rule: RouteRule) -> Access | None:
    """The caller's access for this route, or an ApiError (401, 403, 404, 400). None: public route."""
    if rule.permission == PUBLIC:
        return None
    creator = _uuid_header(request, "x-creator-id")
    in_path = request.path_params.get("creator_id")  # /v1/creators/{creator_id}/...: the path names it
    if in_path is not None:
        try:
            named = uuid.UUID(str(in_path))
        except ValueError:
            raise ApiError(422, "creator_id must be a UUID", "invalid") from None
        if creator is not None and creator != named:
            raise ApiError(404, "no creator account with this id")
        creator = named
    org = _uuid_header(request, "x-organization-id")
    presented = bearer(request)
    if presented.startswith("hzk_"):
        key = await _connector_key(request, presented)
        if rule.scope != "creator" or not allowed(Role.CONNECTOR, rule.permission) or rule.permission == SIGNED_IN:
            raise ApiError(403, "a connector key may only call the ingestion routes", "forbidden")
        try:
            return connector_access(key, creator)
        except NotFound as exc:
            raise ApiError(404, str(exc)) from None
    staff = await _staff(request, principal_of(request))
    try:
        access = resolve_access(staff, rule.scope, creator, org)
    except NotFound as exc:
        raise ApiError(404, str(exc)) from None
    except ScopeRequired as exc:
        raise ApiError(400, str(exc), "scope_required") from None
    if rule.scope != "user" and not allowed(access.role, rule.permission):
        raise ApiError(403, f"the {access.role} role may not do this ({rule.permission})", "forbidden")
    return access


async def shift_on_duty(request: Request, access: Access) -> uuid.UUID | None:
    """The caller's shift covering this creator account now, if any (a person's shifts never
    overlap): what the services record as "on which shift" next to "who" (chatter attribution).
    A connector key is on no shift."""
    if access.key_id is not None or access.creator_id is None:
        return None
    now = datetime.now(UTC)
    shifts = cache(request).get("shifts", access.user_id)
    if shifts is None:
        async with runtime_of(request).uow() as uow:
            shifts = await uow.repo.user_shifts(access.user_id, now, now + SHIFTS_AHEAD)
        cache(request).put("shifts", access.user_id, shifts)
    for shift in shifts:
        if shift.starts_at <= now < shift.ends_at and access.creator_id in shift.creator_ids:
            return shift.id  # type: ignore[no-any-return]
    return None


def rule_of_route(request: Request) -> RouteRule:
    """The rule of one of the gateway's own routes (by its path template)."""
    template = getattr(request.scope.get("route"), "path", request.url.path)
    rule = rule_for(request.method, template)
    if rule is None:  # a gateway route missing from the permission table: a bug, refused
        raise ApiError(404, "no such route")
    return rule
