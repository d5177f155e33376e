"""The dependency every gateway route but the public ones takes: the checked, audited access."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from huntaze_service import ApiError

from ..domain import Access, Conflict, NotFound
from ..plans import PlanLimit
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


class PlanLimitRefused(ApiError):
    """402 ``plan_limit``: its body also names the limit, what the plan allows, the plan and the plan
    that allows more (``upgrade_to``), answered by :func:`plan_limit_answer`."""

    def __init__(self, exc: PlanLimit) -> None:
        super().__init__(402, str(exc), "plan_limit")
        self.body: dict[str, Any] = exc.body()


async def plan_limit_answer(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PlanLimitRefused)
    return JSONResponse(exc.body, status_code=402)


PAYMENT_REQUIRED = {402: {"description": "Beyond the organisation's plan (`plan_limit`: limit, plan, upgrade_to)."}}
"""The OpenAPI answer of a route a plan may refuse."""


def refused(exc: Exception) -> ApiError:
    """A use case's refusal as an answer: unknown 404, conflicting state 409, invalid 422, beyond the
    plan 402."""
    if isinstance(exc, PlanLimit):
        return PlanLimitRefused(exc)
    if isinstance(exc, NotFound):
        return ApiError(404, str(exc))
    if isinstance(exc, Conflict):
        return ApiError(409, str(exc), "conflict")
    return ApiError(422, str(exc), "invalid")
