"""The bearer-token dependency: every route except signup and token needs it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from huntaze_service import ApiError

from .security import InvalidToken, Principal, TokenCodec

_bearer = HTTPBearer(auto_error=False, description="JWT from POST /v1/auth/token")


def codec(request: Request) -> TokenCodec:
    return request.app.state.runtime.state["tokens"]  # type: ignore[no-any-return]


async def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "missing bearer token (Authorization: Bearer <token>)", headers=challenge)
    try:
        return codec(request).verify(credentials.credentials)
    except InvalidToken as exc:
        raise ApiError(
            401, str(exc), "token_expired" if "expired" in str(exc) else "invalid_token", headers=challenge
        ) from None


CurrentPrincipal = Annotated[Principal, Depends(_principal)]
