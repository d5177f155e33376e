"""The dependency every gateway route but the public ones takes: the checked, audited access."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..domain import Access
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
