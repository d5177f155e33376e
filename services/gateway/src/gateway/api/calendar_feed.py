"""The private iCalendar feed: ``GET /v1/calendar.ics?token=...`` (no sign-in: the token is the
credential, made with ``POST /v1/calendar/feed``).

The content service owns feeds and the calendar: the gateway passes the token on with a *visitor*
internal token (nobody signed in, refused by every service route but the public ones) — in a header,
not the URL — and returns the answer: the calendar (``text/calendar``, never cached by a shared
cache), or 404 for any token that is not a live feed's. The content service says whose feed it is;
the gateway answers 404 as well when that person may no longer see that creator account's calendar
(removed from the organisation, narrowed to other accounts). The token stays out of traces: this
path is untraced (the gateway's ``untraced_paths``), the call to content is not instrumented, and
no log line carries a query string.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated

import aiohttp
import yarl
from fastapi import APIRouter, Query, Request, Response
from opentelemetry.instrumentation.utils import suppress_instrumentation

from huntaze_service import INTERNAL_TOKEN_HEADER, ApiError

from ..permissions import allowed
from .access import runtime_of
from .links import visitor_token

router = APIRouter(tags=["calendar"])

TOKEN = r"^[A-Za-z0-9_-]{43}$"
"""content.feed.TOKEN_PATTERN (``secrets.token_urlsafe(32)``; the gateway does not import the services)."""
_TOKEN = re.compile(TOKEN)
FEED_TOKEN_HEADER = "x-feed-token"
FEED_USER_HEADER = "x-feed-user-id"
FEED_CREATOR_HEADER = "x-feed-creator-id"
FEED_PERMISSION = "calendar.feed"
_NOT_FOUND = "no such calendar feed"


@router.get(
    "/v1/calendar.ics",
    response_class=Response,
    responses={
        200: {
            "description": "The calendar (RFC 5545): 30 days back, 180 ahead.",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        },
        404: {"description": "No live feed has this token (unknown and revoked look the same)."},
        503: {"description": "The content service is unavailable: retry."},
    },
    summary="Your private calendar feed (public: subscribe to it in a calendar app)",
)
async def calendar_feed(
    request: Request,
    token: Annotated[str, Query(description="The feed's secret token (from `POST /v1/calendar/feed`).")] = "",
) -> Response:
    """The calendar of the creator account the feed was made for: drops, posts, mass messages,
    campaigns, shifts and automations, one event each (stable UIDs), as a calendar app subscribes to it."""
    if not _TOKEN.match(token):
        raise ApiError(404, _NOT_FOUND)
    runtime = runtime_of(request)
    base = runtime.settings.upstreams()["content"]
    headers = {INTERNAL_TOKEN_HEADER: visitor_token(request), FEED_TOKEN_HEADER: token}
    upstream: aiohttp.ClientSession = runtime.state["upstream"]
    url = yarl.URL(f"{base.rstrip('/')}/v1/calendar/feed/ics", encoded=True)
    try:
        with suppress_instrumentation():  # the token is in the request: no client span either
            async with upstream.get(url, headers=headers, allow_redirects=False) as answer:
                body, status = await answer.read(), answer.status
                user, creator = answer.headers.get(FEED_USER_HEADER), answer.headers.get(FEED_CREATOR_HEADER)
    except TimeoutError:
        raise ApiError(504, "the content service did not answer in time") from None
    except aiohttp.ClientError:
        raise ApiError(503, "the content service is unavailable", headers={"Retry-After": "2"}) from None
    if status == 404:
        raise ApiError(404, _NOT_FOUND)
    if status != 200:
        raise ApiError(502, "the content service could not build this calendar")
    if not await _may_see(request, user, creator):
        raise ApiError(404, _NOT_FOUND)
    return Response(
        content=body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "cache-control": "private, no-store",
            "content-disposition": 'inline; filename="huntaze.ics"',
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
        },
    )


async def _may_see(request: Request, user: str | None, creator: str | None) -> bool:
    """Whether the feed's person still has a role on its creator account that may read the feed."""
    try:
        user_id, creator_id = uuid.UUID(user or ""), uuid.UUID(creator or "")
    except ValueError:
        return False
    async with runtime_of(request).uow() as uow:
        memberships = await uow.repo.memberships(user_id)
        creators = await uow.repo.creators([m.org_id for m in memberships]) if memberships else []
    org_of = {c.id: c.org_id for c in creators}
    return any(
        m.org_id == org_of.get(creator_id) and m.covers(creator_id) and allowed(m.role, FEED_PERMISSION)
        for m in memberships
    )
