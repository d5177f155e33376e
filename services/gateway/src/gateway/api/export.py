"""``GET /v1/fans/{fan_id}/export``: everything Huntaze holds about one fan, as one JSON document.

Each service that holds personal data answers for its own part (``GET .../fans/{fan_id}/personal-data``,
listed in :data:`PERSONAL_DATA`); the gateway asks them all with the caller's internal token and puts
the answers side by side. The fans service decides whether the fan exists (404 otherwise). An export
missing a part is no export: any other failure answers 503 and nothing partial is returned. (Another
service answering 404 holds nothing about that fan: its part is empty.)
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import aiohttp
import yarl
from fastapi import APIRouter, Request
from pydantic import BaseModel

from huntaze_service import ApiError, RuntimeDep

from .audit import AuditedRoute
from .deps import Authorized
from .forward import internal_headers

router = APIRouter(prefix="/v1", tags=["fans"], route_class=AuditedRoute)

PERSONAL_DATA: dict[str, str] = {
    "fans": "/v1/fans/{fan_id}/personal-data",
    "inbox": "/v1/inbox/fans/{fan_id}/personal-data",
    "ai": "/v1/ai/fans/{fan_id}/personal-data",
    "analytics": "/v1/analytics/fans/{fan_id}/personal-data",
}
"""Service → its personal-data route. A service that stores personal data of fans adds its line."""


class FanExport(BaseModel):
    fan_id: uuid.UUID
    creator_id: uuid.UUID
    exported_at: datetime
    services: dict[str, dict[str, Any]]
    """Each service's part, by service name (its own document of what it holds)."""


@router.get("/fans/{fan_id}/export", response_model=FanExport, responses={404: {"description": "unknown fan"}})
async def export_fan(fan_id: uuid.UUID, request: Request, runtime: RuntimeDep, access: Authorized) -> FanExport:
    """Everything Huntaze holds about this fan (GDPR access request). Owners and managers; audited."""
    upstream: aiohttp.ClientSession = runtime.state["upstream"]
    urls = runtime.settings.upstreams()
    headers = internal_headers(request, access)

    async def part(service: str, template: str) -> tuple[str, int, Any]:
        url = yarl.URL(urls[service].rstrip("/") + template.format(fan_id=fan_id), encoded=True)
        try:
            async with upstream.get(url, headers=headers, allow_redirects=False) as answer:
                body = await answer.json(content_type=None) if answer.status < 500 else None
                return service, answer.status, body
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return service, 503, None

    answers = await asyncio.gather(*(part(s, t) for s, t in PERSONAL_DATA.items()))
    by_service = {service: (status, body) for service, status, body in answers}
    if by_service["fans"][0] == 404:
        raise ApiError(404, "no fan with this id")
    # a service holding nothing about this fan for this creator answers 404: its part is empty
    by_service = {
        s: ((200, {}) if s != "fans" and status == 404 else (status, body)) for s, (status, body) in by_service.items()
    }
    failed = sorted(s for s, (status, body) in by_service.items() if status != 200 or not isinstance(body, dict))
    if failed:
        raise ApiError(
            503, f"the export is incomplete ({', '.join(failed)} did not answer): retry", headers={"Retry-After": "5"}
        )
    assert access.creator_id is not None
    return FanExport(
        fan_id=fan_id,
        creator_id=access.creator_id,
        exported_at=datetime.now(UTC),
        services={s: body for s, (_, body) in by_service.items()},
    )
