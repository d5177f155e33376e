"""HTTP API of the private iCalendar feed: the signed-in person's own feed link
(``/v1/calendar/feed``: make or replace it, see it, revoke it), and the feed itself behind the
gateway's public ``GET /v1/calendar.ics?token=...`` (``/v1/calendar/feed/ics``: the gateway's
*visitor* token only, the feed token in a header so that it stays out of URLs and traces)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from huntaze_service import ApiError, CreatorId, RuntimeDep, UserId, VisitorCaller

from . import ics
from .feed import (
    FEED_TOKEN_HEADER,
    LAST_USED_EVERY,
    MAX_FEED_EVENTS,
    feed_url,
    looks_like_token,
    new_token,
    token_digest,
    window,
)

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])
FEED_USER_HEADER = "x-feed-user-id"
FEED_CREATOR_HEADER = "x-feed-creator-id"
"""Whose feed it is: the gateway checks that this person may still see this creator's calendar."""


class CalendarFeedMade(BaseModel):
    url: str = Field(description="The private feed URL, shown this once: subscribe to it in a calendar app.")
    created_at: datetime
    replaced: bool = Field(description="True: an earlier feed link of yours existed and no longer works.")


class CalendarFeedState(BaseModel):
    exists: bool
    created_at: datetime | None = None
    last_used_at: datetime | None = Field(default=None, description="When a calendar app last read it (to the minute).")


@router.post(
    "/feed", status_code=201, response_model=CalendarFeedMade, summary="Make (or replace) your private .ics feed link"
)
async def make_feed(runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId) -> CalendarFeedMade:
    """A new secret link to this creator account's calendar for you. Any earlier link of yours stops
    working at once. Only a digest of the token is kept: the URL is shown once."""
    token = new_token()
    async with runtime.uow() as uow:
        replaced = await uow.repo.feed(creator_id, user_id) is not None
        await uow.repo.put_feed(creator_id, user_id, token_digest(token), uow.now())
        now = uow.now()
        await uow.commit()
    return CalendarFeedMade(url=feed_url(runtime.settings.feed_base, token), created_at=now, replaced=replaced)


@router.get("/feed", response_model=CalendarFeedState, summary="Whether you have a private .ics feed link")
async def get_feed(runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId) -> CalendarFeedState:
    async with runtime.uow() as uow:
        feed = await uow.repo.feed(creator_id, user_id)
    if feed is None:
        return CalendarFeedState(exists=False)
    return CalendarFeedState(exists=True, created_at=feed.created_at, last_used_at=feed.last_used_at)


@router.delete("/feed", status_code=204, response_class=Response, summary="Revoke your private .ics feed link")
async def revoke_feed(runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId) -> Response:
    """The link answers 404 from now on (nothing happens if you had none)."""
    async with runtime.uow() as uow:
        await uow.repo.delete_feed(creator_id, user_id)
        await uow.commit()
    return Response(status_code=204)


@router.get("/feed/ics", include_in_schema=False)
async def feed_ics(request: Request, runtime: RuntimeDep, _visitor: VisitorCaller) -> Response:
    """The calendar of the feed whose token the gateway passes on; 404 for any token that is not a
    live feed's (unknown and revoked look the same)."""
    token = request.headers.get(FEED_TOKEN_HEADER)
    if not looks_like_token(token):
        raise ApiError(404, "no such calendar feed")
    assert token is not None
    async with runtime.uow() as uow:
        feed = await uow.repo.feed_by_digest(token_digest(token))
        if feed is None:
            raise ApiError(404, "no such calendar feed")
        now = uow.now()
        start, end = window(now)
        entries = await uow.repo.entries_between(feed.creator_id, start, end, None, MAX_FEED_EVENTS)
        await uow.repo.feed_used(feed.creator_id, feed.user_id, now, LAST_USED_EVERY.total_seconds())
        await uow.commit()
    body = await asyncio.to_thread(ics.build_calendar, entries, now=now, base=runtime.settings.feed_base)
    return Response(
        content=body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "cache-control": "private, no-store",
            FEED_USER_HEADER: str(feed.user_id),
            FEED_CREATOR_HEADER: str(feed.creator_id),
        },
    )
