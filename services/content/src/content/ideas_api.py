"""HTTP API of content ideas (through the gateway, whose internal token names the creator): ask the
ai for ideas, list them (and a request's status), edit or dismiss one, accept one into the calendar."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from huntaze_service import ApiError, CreatorId, NoNul, RuntimeDep, UserId
from huntaze_service.pagination import Cursor, Limit, decode_cursor, encode_cursor

from . import calendar
from . import ideas_handlers as handlers
from .ideas import (
    MAX_BODY,
    MAX_COUNT,
    MAX_HASHTAG,
    MAX_HASHTAGS,
    MAX_THEME,
    MAX_TITLE,
    Idea,
    IdeaRefused,
    IdeaRequest,
    IdeaStatus,
    Target,
)

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
PENDING_SHOWN = 20
router = APIRouter(prefix="/v1/content/ideas", tags=["content ideas"])
Hashtag = Annotated[str, NoNul, Field(min_length=1, max_length=MAX_HASHTAG)]
IdeaStatusIn = Literal["new", "dismissed"]


class GenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: Target = Field(alias="for", description="Where the ideas are for.")
    count: int = Field(default=5, ge=1, le=MAX_COUNT)
    theme: Annotated[str, NoNul] | None = Field(default=None, min_length=1, max_length=MAX_THEME)


class RequestOut(BaseModel):
    request_id: uuid.UUID
    status: str = Field(description="`pending` until the ai answers, then `done`.")
    target: str
    count: int
    theme: str | None
    requested_at: datetime
    done_at: datetime | None
    provider: str | None = Field(description="Who wrote the ideas (`offline`, `openai`…), once done.")
    model: str | None

    @classmethod
    def of(cls, r: IdeaRequest) -> RequestOut:
        return cls(
            request_id=r.id,
            status=r.status.value,
            target=r.target,
            count=r.count,
            theme=r.theme,
            requested_at=r.requested_at,
            done_at=r.done_at,
            provider=r.provider,
            model=r.model,
        )


class IdeaOut(BaseModel):
    idea_id: uuid.UUID
    request_id: uuid.UUID
    target: str
    title: str
    body: str
    hashtags: list[str]
    grounded_on: list[str] = Field(description="The facts of your own data the idea starts from.")
    status: str = Field(description="`new`, `accepted` (planned in the calendar) or `dismissed`.")
    planned_for: datetime | None
    calendar_item_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, i: Idea) -> IdeaOut:
        return cls(
            idea_id=i.id,
            request_id=i.request_id,
            target=i.target,
            title=i.title,
            body=i.body,
            hashtags=list(i.hashtags),
            grounded_on=list(i.grounded_on),
            status=i.status.value,
            planned_for=i.planned_for,
            calendar_item_id=i.calendar_item_id,
            created_at=i.created_at,
            updated_at=i.updated_at,
        )


class IdeasPage(BaseModel):
    items: list[IdeaOut]
    next_cursor: str | None
    request: RequestOut | None = Field(default=None, description="With `?request_id=`: that request's status.")
    pending: list[RequestOut] = Field(
        default_factory=list, description="On the first page: your requests the AI has not answered yet (newest first)."
    )


class IdeaPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, NoNul] | None = Field(default=None, min_length=1, max_length=MAX_TITLE)
    body: Annotated[str, NoNul] | None = Field(default=None, min_length=1, max_length=MAX_BODY)
    hashtags: list[Hashtag] | None = Field(default=None, max_length=MAX_HASHTAGS)
    status: IdeaStatusIn | None = Field(default=None, description="`dismissed`, or `new` to bring it back.")


class IdeaAcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime = Field(description="When it is planned in the calendar (with its time zone).")


def _not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found", "not_found")


def _refused(exc: IdeaRefused) -> ApiError:
    return ApiError(409, exc.detail, exc.code)


@router.post("/generate", status_code=202, response_model=RequestOut)
async def generate(body: GenerateIn, runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId) -> RequestOut:
    """Asks the AI for ideas grounded in your own data (what sold, to whom, when, which posts
    converted). Answered at once with the request; the ideas arrive in `GET /v1/content/ideas`."""
    async with runtime.uow() as uow:
        request = await handlers.request_ideas(
            uow, creator_id, user_id, target=body.target, count=body.count, theme=body.theme
        )
    return RequestOut.of(request)


@router.get("", response_model=IdeasPage)
async def list_ideas(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[IdeaStatus | None, Query()] = None,
    target: Annotated[Target | None, Query()] = None,
    request_id: Annotated[uuid.UUID | None, Query(description="One request's ideas and its status.")] = None,
) -> IdeasPage:
    after = _position(cursor)
    async with runtime.uow() as uow:
        request = None
        if request_id is not None:
            request = await uow.repo.idea_request(creator_id, request_id)
            if request is None:
                raise _not_found("idea request")
        found = await uow.repo.ideas(
            creator_id, status=status, target=target, request_id=request_id, after=after, limit=limit + 1
        )
        pending = [] if after else await uow.repo.pending_idea_requests(creator_id, PENDING_SHOWN)
    page = found[:limit]
    last = page[-1] if len(found) > limit else None
    return IdeasPage(
        items=[IdeaOut.of(i) for i in page],
        next_cursor=encode_cursor(last.created_at, last.request_id, last.position) if last else None,
        request=RequestOut.of(request) if request else None,
        pending=[RequestOut.of(r) for r in pending if request_id is None or r.id == request_id],
    )


def _position(cursor: str | None) -> tuple[datetime, uuid.UUID, int] | None:
    if not cursor:
        return None
    at, request, position = decode_cursor(cursor, 3)
    try:
        return datetime.fromisoformat(at), uuid.UUID(request), int(position)
    except ValueError:
        raise ApiError(422, "cursor is not valid; use next_cursor from a previous page") from None


@router.patch("/{idea_id}", response_model=IdeaOut)
async def patch_idea(idea_id: uuid.UUID, body: IdeaPatch, runtime: RuntimeDep, creator_id: CreatorId) -> IdeaOut:
    """Edits an idea's title, body or hashtags, or dismisses it (`status: dismissed`)."""
    if not body.model_fields_set:
        raise ApiError(422, "nothing to change: send title, body, hashtags or status", "empty_patch")
    changes = body.model_dump(exclude_unset=True)
    if any(changes.get(k) is None for k in changes):
        raise ApiError(422, "a field sent cannot be null", "null_field")
    async with runtime.uow() as uow:
        try:
            idea = await handlers.edit_idea(
                uow,
                creator_id,
                idea_id,
                title=body.title,
                body=body.body,
                hashtags=tuple(body.hashtags) if body.hashtags is not None else None,
                status=IdeaStatus(body.status) if body.status else None,
            )
        except handlers.IdeaNotFound:
            raise _not_found("idea") from None
        except IdeaRefused as exc:
            raise _refused(exc) from None
    return IdeaOut.of(idea)


@router.post("/{idea_id}/accept", response_model=IdeaOut)
async def accept(idea_id: uuid.UUID, body: IdeaAcceptIn, runtime: RuntimeDep, creator_id: CreatorId) -> IdeaOut:
    """Accepts an idea: it is planned in the calendar at `starts_at`."""
    if not EARLIEST <= body.starts_at < LATEST:
        raise ApiError(422, "starts_at is between 2000 and 2100", "bad_time")
    async with runtime.uow() as uow:
        try:
            idea = await handlers.accept_idea(uow, creator_id, idea_id, body.starts_at)
        except handlers.IdeaNotFound:
            raise _not_found("idea") from None
        except IdeaRefused as exc:
            raise _refused(exc) from None
        except calendar.Refused as exc:  # the calendar's own rules
            raise ApiError(409 if isinstance(exc, calendar.Conflict) else 422, str(exc), exc.code) from None
    return IdeaOut.of(idea)
