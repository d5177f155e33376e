"""HTTP API of the calendar's export (``GET /v1/calendar/export``) and import
(``POST /v1/calendar/import``, ``GET /v1/calendar/imports/{calendar_import_id}``)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, Field

from huntaze_service import ApiError, CreatorId, RuntimeDep, UserId, not_found

from .export_import import (
    ENTRY_KINDS,
    MAX_EXPORT_DAYS,
    MAX_EXPORT_ENTRIES,
    ROW_STATUSES,
    export_csv,
    export_json,
    run_import,
)
from .feed import WINDOW_AHEAD, WINDOW_BACK
from .feed_ports import ImportRecord, ImportRow
from .import_rows import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ImportFormatError,
    TooLarge,
    read_csv,
    read_json,
)

router = APIRouter(prefix="/v1/calendar", tags=["calendar"])
CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
JSON_TYPES = frozenset({"application/json"})


# export ---------------------------------------------------------------------------------------------


def _kinds(values: list[str] | None) -> list[str] | None:
    kinds = [k.strip() for v in values or [] for k in v.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(ENTRY_KINDS))
    if unknown:
        raise ApiError(422, f"unknown kind {unknown[0]!r} (kinds: {', '.join(ENTRY_KINDS)})", "invalid_kind")
    return kinds or None


@router.get(
    "/export",
    summary="Export the calendar of a span (CSV or JSON)",
    response_class=Response,
    responses={
        200: {
            "description": "The entries, earliest first: a JSON list of objects, or a CSV with a header row.",
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "text/csv": {"schema": {"type": "string"}},
            },
        },  # fmt: skip
        422: {"description": "Bad span (to before from, longer than a year), unknown kind, too many entries."},
    },
)
async def export(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    format: Literal["csv", "json"] = "csv",
    start: Annotated[AwareDatetime | None, Query(alias="from", description="Default: 30 days ago.")] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to", description="Default: 180 days ahead.")] = None,
    kinds: Annotated[list[str] | None, Query(description="Kinds, comma-separated or repeated; default all.")] = None,
) -> Response:
    """Every entry between ``from`` and ``to`` (at most a year, 10,000 entries) with all its columns:
    entry_id, kind, source, title, starts_at, ends_at, status, network, segments, media_ids, link,
    result_cents, currency, revision, pending_starts_at, details, updated_at. Times are UTC (``Z``);
    in the CSV, lists are space-separated and details is JSON text."""
    wanted = _kinds(kinds)
    async with runtime.uow() as uow:
        now = uow.now()
        start = start or now - WINDOW_BACK
        end = end or now + WINDOW_AHEAD
        if end <= start:
            raise ApiError(422, "to must be after from", "invalid_span")
        if end - start > timedelta(days=MAX_EXPORT_DAYS):
            raise ApiError(422, f"a span of at most {MAX_EXPORT_DAYS} days", "invalid_span")
        entries = await uow.repo.entries_between(creator_id, start, end, wanted, MAX_EXPORT_ENTRIES + 1)
    if len(entries) > MAX_EXPORT_ENTRIES:
        raise ApiError(422, f"more than {MAX_EXPORT_ENTRIES} entries in this span: narrow it", "too_many_entries")
    name = f"huntaze-calendar-{start:%Y%m%d}-{end:%Y%m%d}"
    if format == "json":
        return Response(export_json(entries), media_type="application/json")
    return Response(
        export_csv(entries),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}.csv"'},
    )


# import ---------------------------------------------------------------------------------------------


class CalendarImportRowOut(BaseModel):
    line: int = Field(
        description="CSV: the line where the record starts (the header is line 1); JSON: its position, from 1."
    )
    kind: str | None
    status: Literal["created", "duplicate", "invalid", "requested", "refused"] = Field(
        description="created (a drop planned, or a post marketing made), duplicate (already imported: nothing "
        "new), invalid (see error), requested (a post asked of marketing, waiting for its answer), refused "
        "(marketing refused the post: see error)."
    )
    row_id: uuid.UUID | None = Field(
        description="The row's identity: the drop's calendar entry id, or the post request's id."
    )
    error: str | None = None
    post_id: uuid.UUID | None = Field(default=None, description="The post marketing made (status created).")

    @classmethod
    def of(cls, r: ImportRow) -> CalendarImportRowOut:
        return cls(line=r.line, kind=r.kind, status=r.status, row_id=r.row_id, error=r.error, post_id=r.post_id)  # type: ignore[arg-type]


class CalendarImportOut(BaseModel):
    import_id: uuid.UUID
    format: Literal["csv", "json"]
    created_at: datetime
    rows_total: int
    summary: dict[str, int] = Field(description="Rows per status.")
    rows: list[CalendarImportRowOut]

    @classmethod
    def of(cls, record: ImportRecord, rows: list[ImportRow]) -> CalendarImportOut:
        summary = {s: 0 for s in ROW_STATUSES}
        for r in rows:
            summary[r.status] = summary.get(r.status, 0) + 1
        return cls(
            import_id=record.id,
            format=record.format,  # type: ignore[arg-type]
            created_at=record.created_at,
            rows_total=record.rows_total,
            summary=summary,
            rows=[CalendarImportRowOut.of(r) for r in rows],
        )


_ROW_SCHEMA = {
    "type": "object",
    "properties": {
        "kind": {"type": "string", "enum": ["drop", "post"]},
        "title": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "publish_at": {"type": "string", "format": "date-time"},
        "media_ids": {"type": "array", "items": {"type": "string", "format": "uuid"}},
        "account_id": {"type": "string", "format": "uuid"},
        "caption": {"type": "string"},
        "subreddit": {"type": "string"},
    },
}
_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["rows"],
                    "properties": {"rows": {"type": "array", "maxItems": MAX_IMPORT_ROWS, "items": _ROW_SCHEMA}},
                }
            },
        },
    }
}


def _format_of(request: Request) -> str:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in CSV_TYPES:
        return "csv"
    if content_type in JSON_TYPES:
        return "json"
    raise ApiError(415, "send the rows as text/csv or application/json", "unsupported_media_type")


@router.post(
    "/import",
    status_code=201,
    response_model=CalendarImportOut,
    summary="Import drops and social posts (CSV or JSON), with a report per row",
    openapi_extra=_IMPORT_BODY,
    responses={
        413: {"description": f"More than {MAX_IMPORT_BYTES} bytes or {MAX_IMPORT_ROWS} rows."},
        415: {"description": "Not text/csv nor application/json."},
        422: {
            "description": "Not readable as an import: not UTF-8, no header or no kind column, malformed CSV or JSON."
        },
    },
)
async def import_rows(
    request: Request, runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId
) -> CalendarImportOut:
    """Each row is a drop (``kind=drop``: title, starts_at, media_ids) planned at once, or a social
    post (``kind=post``: account_id, caption, publish_at, media_ids, title and subreddit for Reddit)
    asked of marketing (``requested`` until it answers: see ``GET /v1/calendar/imports/{calendar_import_id}``).
    Columns: kind, title, starts_at, publish_at, media_ids, account_id, caption, subreddit. Dates are ISO 8601 with an offset. A bad row is reported by
    its line and nothing else is lost; a row imported before (same content) is a ``duplicate``:
    nothing is created twice."""
    fmt = _format_of(request)
    body = await request.body()
    try:
        raw_rows = read_csv(body) if fmt == "csv" else read_json(body)
    except TooLarge as exc:
        raise ApiError(413, str(exc), "payload_too_large") from None
    except ImportFormatError as exc:
        raise ApiError(422, str(exc), "invalid_import") from None
    async with runtime.uow() as uow:
        record, rows = await run_import(uow, creator_id, user_id, fmt, raw_rows)
        await uow.commit()
    return CalendarImportOut.of(record, rows)


@router.get(
    "/imports/{calendar_import_id}",
    response_model=CalendarImportOut,
    summary="An import's report, rows settled as marketing answers",
    responses={404: {"description": "No such import for this creator."}},
)
async def get_import(calendar_import_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> CalendarImportOut:
    async with runtime.uow() as uow:
        record = await uow.repo.get_import(creator_id, calendar_import_id)
        if record is None:
            raise not_found("import")
        rows = await uow.repo.import_rows(calendar_import_id)
    return CalendarImportOut.of(record, rows)
