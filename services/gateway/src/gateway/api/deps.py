"""The dependency every gateway route but the public ones takes: the checked, audited access."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Request

from huntaze_service import ApiError

from ..domain import Access, Conflict, NotFound
from .access import authorize, rule_of_route
from .audit import start_audit


async def _authorized(request: Request) -> Access:
    rule = rule_of_route(request)
    access = await authorize(request, rule)
    assert access is not None, f"{rule.path} is public: it takes no Authorized dependency"
    if rule.audited:
        await start_audit(request, access, rule)
    return access


Authorized = Annotated[Access, Depends(_authorized)]


StaffRole = Literal["owner", "manager", "chatter", "analyst"]
MAX_SCOPE = 200
"""The most creator accounts one membership, invitation or shift may name."""


def refused(exc: Exception) -> ApiError:
    """A use case's refusal as an answer: unknown 404, conflicting state 409, invalid 422."""
    if isinstance(exc, NotFound):
        return ApiError(404, str(exc))
    if isinstance(exc, Conflict):
        return ApiError(409, str(exc), "conflict")
    return ApiError(422, str(exc), "invalid")
