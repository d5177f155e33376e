"""The audit log of staff actions: written before the action, its outcome recorded after.

An audited route (``audited=True`` in the permission table) first appends who does what on which
path (its own transaction, committed before anything is forwarded or changed), then records the
answer's status. If the gateway stops in between, the entry stays with no status: the action may or
may not have happened, and the log says exactly that instead of losing it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from huntaze_service import context

from ..domain import Access
from ..permissions import RouteRule
from ..records import AuditEntry
from .access import runtime_of

log = logging.getLogger("gateway.audit")


async def start_audit(request: Request, access: Access, rule: RouteRule) -> None:
    if access.org_id is None:
        return
    runtime = runtime_of(request)
    ctx = context.current()
    async with runtime.uow() as uow:
        entry_id = await uow.repo.add_audit(
            AuditEntry(
                org_id=access.org_id,
                at=uow.now(),
                actor_user_id=None if access.key_id else access.user_id,
                actor_key_id=access.key_id,
                actor_role=access.role,
                creator_id=access.creator_id,
                action=f"{rule.method} {rule.path}",
                target=request.url.path[:2000],
                request_id=None if ctx is None else ctx.correlation_id,
            )
        )
        await uow.commit()
    request.state.audit_id = entry_id


async def finish_audit(request: Request, status: int) -> None:
    entry_id = getattr(request.state, "audit_id", None)
    if entry_id is None:
        return
    try:
        async with runtime_of(request).uow() as uow:
            await uow.repo.audit_outcome(entry_id, status)
            await uow.commit()
    except Exception:  # the action is done; its entry stays "outcome unknown" rather than failing it
        log.exception("could not record the outcome of audit entry %s", entry_id)


class AuditedRoute(APIRoute):
    """Records the outcome (status) of an audited request once its handler has answered."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def audited(request: Request) -> Response:
            try:
                response = await handler(request)
            except HTTPException as exc:
                await finish_audit(request, exc.status_code)
                raise
            except Exception:
                await finish_audit(request, 500)
                raise
            await finish_audit(request, response.status_code)
            return response

        return audited
