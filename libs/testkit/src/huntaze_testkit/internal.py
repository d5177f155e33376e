"""Requests straight to a service's port, as the gateway would make them: with an internal token."""

from __future__ import annotations

import os
import uuid

from huntaze_service import Caller, InternalTokenSigner
from huntaze_service.internal_token import MAX_TTL_S


def internal_headers(
    creator_id: uuid.UUID | str,
    user_id: uuid.UUID | str | None = None,
    *,
    role: str = "owner",
    org_id: uuid.UUID | str | None = None,
    signing_key: str | None = None,
    ttl_s: int = MAX_TTL_S,
) -> dict[str, str]:
    """``{"X-Internal-Token": ...}`` for that caller, signed with ``signing_key`` or the
    ``GATEWAY_INTERNAL_SIGNING_KEY`` of the environment (tools/infra.py writes it into the profile's
    env file, with the matching ``HUNTAZE_INTERNAL_TOKEN_KEYS``). The user and organisation default
    to fresh ids. The token lives ``ttl_s`` (5 minutes: the longest a service accepts, so a test may
    reuse the headers a while; the gateway's live 60 s)."""
    key = signing_key or os.environ.get("GATEWAY_INTERNAL_SIGNING_KEY")
    if not key:
        raise RuntimeError("GATEWAY_INTERNAL_SIGNING_KEY is not set: source the env file of tools/infra.py")
    caller = Caller(
        user_id=_uuid(user_id),
        creator_id=_uuid(creator_id),
        org_id=_uuid(org_id),
        role=role,
        request_id=uuid.uuid4(),
    )
    return {"X-Internal-Token": InternalTokenSigner(key, ttl_s=ttl_s).sign(caller)}


def _uuid(value: uuid.UUID | str | None) -> uuid.UUID:
    if value is None:
        return uuid.uuid4()
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
