"""HTTP API of the one calendar (through the gateway, whose internal token names the creator and the
person): the read of a window, the calendar's own items (drops, notes) and moves."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from huntaze_service import ApiError, CreatorId, NoNul, RuntimeDep, UserId

from . import calendar_handlers, moves
from .calendar import KINDS, MAX_MEDIA, MAX_SPAN, MAX_TITLE, Conflict, Entry, NotFound, Refused
from .conflicts import Flag

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])
REFUSED = {"description": "The request cannot be applied; `code` names why."}
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
Title = Annotated[str, NoNul, Field(min_length=1, max_length=MAX_TITLE)]


def answer_of(exc: Exception) -> ApiError:
    if isinstance(exc, NotFound):
        return ApiError(404, str(exc), "not_found")
    if isinstance(exc, Conflict):
        return ApiError(409, str(exc), exc.code)
    assert isinstance(exc, Refused)
    return ApiError(422, str(exc), exc.code)


def _in_range(*times: datetime | None) -> None:
    for at in times:
        if at is not None and not EARLIEST <= at < LATEST:
            raise ApiError(422, "times are between 2000 and 2100", "bad_time")


class ResultOut(BaseModel):
    cents: int = Field(description="Integer minor units (a mass message: the net of its copies' unlocks).")
    currency: str


class ConflictOut(BaseModel):
    code: str = Field(description="`segment_overlap`, `no_teaser` or `outside_best_hours`.")
    text: str


class EntryOut(BaseModel):
    entry_id: uuid.UUID = Field(description="The item's id in its own service (post id, mass message id…).")
    kind: str = Field(description="drop, note, post, mass_message, campaign, shift or automation.")
    source: str = Field(description="The service that owns it: content, marketing, inbox or gateway.")
    title: str
    starts_at: datetime = Field(description="The confirmed time (a pending move shows in `pending_starts_at`).")
    ends_at: datetime | None
    status: str
    pending: bool = Field(description="A move waits for its service's answer.")
    pending_starts_at: datetime | None
    network: str | None
    segments: list[str] = Field(description="A mass message's audience segments.")
    media_ids: list[uuid.UUID]
    link: str = Field(description="The API path of the item.")
    result: ResultOut | None = Field(description="What it brought, when known.")
    refusal: str | None = Field(description="Why the owner refused the last move, if it did.")
    conflicts: list[ConflictOut]
    revision: int
    details: dict[str, Any] = Field(
        description="What its events told besides: a mass message's counts and price, a failed post's reason, "
        "a campaign's cost, the last refused move (`refusal`: reason, asked time)…"
    )

    @classmethod
    def of(cls, e: Entry, status: str | None = None, flags: list[Flag] | None = None) -> EntryOut:
        refusal: Any = e.details.get("refusal")
        return cls(
            entry_id=e.entry_id,
            kind=e.kind,
            source=e.source,
            title=e.title,
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            status=status or e.status,
            pending=e.pending,
            pending_starts_at=e.pending_starts_at,
            network=e.network,
            segments=list(e.segments),
            media_ids=list(e.media_ids),
            link=e.link,
            result=ResultOut(cents=e.result_cents, currency=e.currency)
            if e.result_cents is not None and e.currency
            else None,
            refusal=refusal.get("reason") if isinstance(refusal, dict) else None,
            conflicts=[ConflictOut(code=f.code, text=f.text) for f in flags or []],
            revision=e.revision,
            details=dict(e.details),
        )


class CalendarOut(BaseModel):
    items: list[EntryOut]


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")


def row_of(e: Entry, status: str, flags: list[Flag]) -> dict[str, Any]:
    """An entry as :class:`EntryOut` shows it, as plain JSON types: a month of 5,000 entries is
    serialised without building (and validating) 5,000 models."""
    refusal: Any = e.details.get("refusal")
    return {
        "entry_id": str(e.entry_id),
        "kind": e.kind,
        "source": e.source,
        "title": e.title,
        "starts_at": _iso(e.starts_at),
        "ends_at": _iso(e.ends_at),
        "status": status,
        "pending": e.pending,
        "pending_starts_at": _iso(e.pending_starts_at),
        "network": e.network,
        "segments": list(e.segments),
        "media_ids": [str(m) for m in e.media_ids],
        "link": e.link,
        "result": {"cents": e.result_cents, "currency": e.currency}
        if e.result_cents is not None and e.currency
        else None,
        "refusal": refusal.get("reason") if isinstance(refusal, dict) else None,
        "conflicts": [{"code": f.code, "text": f.text} for f in flags],
        "revision": e.revision,
        "details": dict(e.details),
    }


@router.get("", response_model=CalendarOut, responses={422: REFUSED})
async def read_calendar(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    start: Annotated[AwareDatetime, Query(alias="from", description="ISO 8601 with a timezone.")],
    end: Annotated[
        AwareDatetime, Query(alias="to", description="ISO 8601 with a timezone; at most 366 days after `from`.")
    ],
    kinds: Annotated[str | None, Query(max_length=200, description="Comma-separated subset of the kinds.")] = None,
) -> Response:
    """Everything planned and everything that happened in [from, to), ordered by start then id;
    campaigns and shifts running at `from` included."""
    _in_range(start, end)
    if end <= start:
        raise ApiError(422, "`to` must be after `from`", "bad_window")
    if end - start > MAX_SPAN:
        raise ApiError(422, "a calendar window spans at most 366 days", "window_too_long")
    wanted: frozenset[str] | None = None
    if kinds is not None and kinds.strip():
        wanted = frozenset(k.strip() for k in kinds.split(",") if k.strip())
        unknown = sorted(wanted - set(KINDS))
        if unknown:
            raise ApiError(422, f"unknown kind {unknown[0]!r} (known: {', '.join(KINDS)})", "bad_kinds")
    async with runtime.uow() as uow:
        shown = await calendar_handlers.window(uow, creator_id, start, end, wanted, datetime.now(UTC))
    body = {"items": [row_of(s.entry, s.status, s.conflicts) for s in shown]}
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), media_type="application/json")


@router.get("/entries/{entry_id}", response_model=EntryOut)
async def read_entry(entry_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> EntryOut:
    """One entry as the calendar knows it (conflicts are computed in a window read)."""
    async with runtime.uow() as uow:
        entry = await uow.repo.calendar_entry(creator_id, entry_id)
    if entry is None:
        raise ApiError(404, "no calendar entry with this id", "not_found")
    return EntryOut.of(entry, entry.shown_status(datetime.now(UTC)))


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: moves.ItemKind = Field(description="`drop` (an OnlyFans drop) or `note`.")
    title: Title
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    media_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_MEDIA)


class ItemPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = Field(default=None, description="null clears it.")
    media_ids: list[uuid.UUID] | None = Field(default=None, max_length=MAX_MEDIA)
    status: moves.ItemStatus | None = None


@router.post("/items", status_code=201, response_model=EntryOut, responses={422: REFUSED})
async def plan_item(body: ItemIn, runtime: RuntimeDep, creator_id: CreatorId) -> EntryOut:
    """A drop or a note of the calendar itself (emits content.planned in the same transaction)."""
    _in_range(body.starts_at, body.ends_at)
    async with runtime.uow() as uow:
        try:
            entry = await moves.plan_item(
                uow, creator_id, body.kind, body.title, body.starts_at, body.ends_at, tuple(body.media_ids)
            )
        except Refused as exc:
            raise answer_of(exc) from None
    return EntryOut.of(entry)


@router.patch("/items/{item_id}", response_model=EntryOut, responses={404: REFUSED, 409: REFUSED, 422: REFUSED})
async def edit_item(item_id: uuid.UUID, body: ItemPatch, runtime: RuntimeDep, creator_id: CreatorId) -> EntryOut:
    """Changes a drop or a note: title, times, media, status (`done`, `cancelled`, `planned`)."""
    if not body.model_fields_set:
        raise ApiError(422, "nothing to change", "empty_patch")
    for name in ("title", "starts_at", "status"):
        if name in body.model_fields_set and getattr(body, name) is None:
            raise ApiError(422, f"{name} cannot be null", "bad_field")
    _in_range(body.starts_at, body.ends_at)
    changes: dict[str, Any] = {
        "title": body.title,
        "starts_at": body.starts_at,
        "media_ids": None if body.media_ids is None else tuple(body.media_ids),
        "status": body.status,
    }
    if "ends_at" in body.model_fields_set:
        changes["ends_at"] = body.ends_at
    async with runtime.uow() as uow:
        try:
            entry = await moves.edit_item(uow, creator_id, item_id, **changes)
        except (NotFound, Refused) as exc:
            raise answer_of(exc) from None
    return EntryOut.of(entry)


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime


@router.post(
    "/entries/{entry_id}/move",
    response_model=EntryOut,
    responses={
        202: {"description": "Asked of the owning service: pending until it answers."},
        404: REFUSED,
        409: REFUSED,
        422: REFUSED,
    },
)
async def move_entry(
    entry_id: uuid.UUID, body: MoveIn, response: Response, runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId
) -> EntryOut:
    """Moves an entry: a drop or a note at once (200); a post or a mass message through its service
    (202, `pending` until it confirms or refuses)."""
    _in_range(body.starts_at)
    async with runtime.uow() as uow:
        try:
            entry, commanded = await moves.move(uow, creator_id, user_id, entry_id, body.starts_at)
        except (NotFound, Refused) as exc:
            raise answer_of(exc) from None
    response.status_code = 202 if commanded else 200
    return EntryOut.of(entry)
