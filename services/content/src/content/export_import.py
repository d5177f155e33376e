"""The calendar's export (CSV or JSON) and its import (drops planned here, social posts asked of
marketing), with the import's per-row report.

Export: the entries of a span as records of :data:`EXPORT_COLUMNS` — JSON (a list of objects) or
CSV (RFC 4180, a header row, CRLF; lists space-separated, ``details`` as JSON text). A text cell
that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) is prefixed with ``'`` (OWASP's CSV injection rule); :func:`read_export_csv` undoes it.

Import (:func:`run_import`): in one transaction, the import and its rows are stored; each valid row
whose identity (:func:`content.import_rows.row_id`) is not already live (in this file or an earlier
import) is acted on: a drop is planned at once (:func:`plan_drop`: its calendar entry and
``content.planned``), a post is asked of marketing (``post.requested`` with the row's id as its
``command_id``) and stays ``requested`` until marketing answers ``post.scheduled`` (→ ``created``)
or ``post.command_refused`` (→ ``refused``, with the reason): :func:`settle_scheduled`,
:func:`settle_refused`. A row already live is ``duplicate``: nothing is created twice.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from huntaze_events import ContentPlanned, Envelope, PostCommandRefused, PostRequested, PostScheduled
from huntaze_service import Subscriptions, UnitOfWork

from .feed_ports import Entry, FeedRepository, ImportRecord, ImportRow
from .import_rows import DropRow, PostRow, Row, RowInvalid, parse_row, row_id

Uow = UnitOfWork[FeedRepository]

ENTRY_KINDS = ("drop", "note", "post", "mass_message", "campaign", "shift", "automation")
EXPORT_COLUMNS = (
    "entry_id", "kind", "source", "title", "starts_at", "ends_at", "status", "network", "segments",
    "media_ids", "link", "result_cents", "currency", "revision", "pending_starts_at", "details", "updated_at",
)  # fmt: skip
MAX_EXPORT_DAYS = 366
MAX_EXPORT_ENTRIES = 10_000
ROW_STATUSES = ("created", "duplicate", "invalid", "requested", "refused")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMERIC = frozenset({"result_cents", "revision"})


# export ---------------------------------------------------------------------------------------------


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def record_of(entry: Entry) -> dict[str, Any]:
    """An entry as one export record (JSON types)."""
    return {
        "entry_id": str(entry.entry_id),
        "kind": entry.kind,
        "source": entry.source,
        "title": entry.title,
        "starts_at": iso(entry.starts_at),
        "ends_at": iso(entry.ends_at),
        "status": entry.status,
        "network": entry.network,
        "segments": list(entry.segments),
        "media_ids": [str(m) for m in entry.media_ids],
        "link": entry.link,
        "result_cents": entry.result_cents,
        "currency": entry.currency,
        "revision": entry.revision,
        "pending_starts_at": iso(entry.pending_starts_at),
        "details": entry.details,
        "updated_at": iso(entry.updated_at),
    }


def export_json(entries: Iterable[Entry]) -> bytes:
    return json.dumps([record_of(e) for e in entries], ensure_ascii=False, separators=(",", ":")).encode()


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        text = " ".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")) if value else ""
    else:
        text = str(value)
    if name not in _NUMERIC and text.startswith(_FORMULA_START):
        text = "'" + text
    return text


def export_csv(entries: Iterable[Entry]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for entry in entries:
        record = record_of(entry)
        writer.writerow([_cell(name, record[name]) for name in EXPORT_COLUMNS])
    return out.getvalue().encode()


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def read_export_csv(body: bytes) -> list[dict[str, Any]]:
    """An exported CSV back into records shaped like the JSON export's (the round trip)."""
    reader = csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    records = []
    for raw in reader:
        cells = {k: _uncell(v) for k, v in raw.items()}
        record: dict[str, Any] = {k: (v if v != "" else None) for k, v in cells.items()}
        record["title"] = cells["title"]
        record["link"] = cells["link"]
        record["segments"] = cells["segments"].split(" ") if cells["segments"] else []
        record["media_ids"] = cells["media_ids"].split(" ") if cells["media_ids"] else []
        record["details"] = json.loads(cells["details"]) if cells["details"] else {}
        for name in _NUMERIC:
            record[name] = int(cells[name]) if cells[name] else None
        records.append(record)
    return records


# import ---------------------------------------------------------------------------------------------


async def plan_drop(
    uow: Uow,
    creator_id: uuid.UUID,
    *,
    entry_id: uuid.UUID,
    title: str,
    starts_at: datetime,
    media_ids: Sequence[uuid.UUID],
    details: dict[str, Any],
) -> bool:
    """A drop planned by the content service itself: its calendar entry (kind drop, source content,
    status planned, revision 1) and ``content.planned``, in the caller's transaction. False (nothing
    done) if the entry already exists. To be merged with the calendar's own item creation."""
    entry = Entry(
        entry_id=entry_id,
        kind="drop",
        source="content",
        title=title,
        starts_at=starts_at,
        status="planned",
        media_ids=tuple(media_ids),
        link=f"/v1/calendar/entries/{entry_id}",
        revision=1,
    )
    if not await uow.repo.add_planned_drop(creator_id, entry, details, uow.now()):
        return False
    uow.emit(
        ContentPlanned(
            item_id=entry_id,
            revision=1,
            kind="drop",
            title=title,
            starts_at=starts_at,
            media_ids=list(media_ids),
            status="planned",
        ),
        creator_id=creator_id,
    )
    return True


def check_rows(creator_id: uuid.UUID, raw_rows: Sequence[tuple[int, Any]]) -> list[tuple[ImportRow, Row | None]]:
    """Each line parsed: a candidate (``created`` for a drop, ``requested`` for a post) with its
    identity, ``invalid`` with its reason, or ``duplicate`` of an earlier line of the same file."""
    checked: list[tuple[ImportRow, Row | None]] = []
    first_line: dict[uuid.UUID, int] = {}
    for line, raw in raw_rows:
        try:
            row = parse_row(line, raw)
        except RowInvalid as exc:
            kind = raw.get("kind") if isinstance(raw, dict) else None
            kind = kind.strip().lower()[:20] if isinstance(kind, str) and kind.strip() else None
            checked.append((ImportRow(line=line, status="invalid", kind=kind, error=str(exc)), None))
            continue
        identity = row_id(creator_id, row)
        if identity in first_line:
            report = ImportRow(line, "duplicate", row.kind, identity, f"same as line {first_line[identity]}")
            checked.append((report, None))
            continue
        first_line[identity] = line
        status = "created" if isinstance(row, DropRow) else "requested"
        checked.append((ImportRow(line=line, status=status, kind=row.kind, row_id=identity), row))
    return checked


async def run_import(
    uow: Uow, creator_id: uuid.UUID, user_id: uuid.UUID, fmt: str, raw_rows: Sequence[tuple[int, Any]]
) -> tuple[ImportRecord, list[ImportRow]]:
    """Stores the import and its rows and acts on the new ones (see the module). The caller commits."""
    record = ImportRecord(uuid.uuid4(), creator_id, user_id, fmt, len(raw_rows), uow.now())
    checked = check_rows(creator_id, raw_rows)
    await uow.repo.add_import(record)
    live = await uow.repo.add_import_rows(creator_id, record.id, [r for r, _ in checked], uow.now())
    report: list[ImportRow] = []
    for row_report, row in checked:
        if row is None:
            report.append(row_report)
            continue
        if row_report.line not in live:
            report.append(ImportRow(row_report.line, "duplicate", row.kind, row_report.row_id, "imported before"))
            continue
        assert row_report.row_id is not None
        if isinstance(row, DropRow):
            await plan_drop(
                uow,
                creator_id,
                entry_id=row_report.row_id,
                title=row.title,
                starts_at=row.starts_at,
                media_ids=row.media_ids,
                details={"import_id": str(record.id), "line": row.line},
            )
        else:
            _request_post(uow, creator_id, user_id, row_report.row_id, row)
        report.append(row_report)
    return record, report


def _request_post(uow: Uow, creator_id: uuid.UUID, user_id: uuid.UUID, command_id: uuid.UUID, row: PostRow) -> None:
    uow.emit(
        PostRequested(
            command_id=command_id,
            account_id=row.account_id,
            caption=row.caption,
            publish_at=row.publish_at,
            media_ids=list(row.media_ids),
            title=row.title,
            subreddit=row.subreddit,
            requested_by=user_id,
        ),
        creator_id=creator_id,
    )


async def settle_scheduled(uow: Uow, event: Envelope[PostScheduled]) -> None:
    """Marketing made the post an import row asked for: the row is ``created`` (with the post)."""
    command_id = event.payload.command_id
    if command_id is None:
        return
    await uow.repo.settle_requested(
        event.creator_id, command_id, "created", post_id=event.payload.post_id, error=None, now=uow.now()
    )


async def settle_refused(uow: Uow, event: Envelope[PostCommandRefused]) -> None:
    """Marketing refused an import row's post: the row is ``refused``, with marketing's reason."""
    await uow.repo.settle_requested(
        event.creator_id, event.payload.command_id, "refused", post_id=None, error=event.payload.reason, now=uow.now()
    )


def subscribe(subs: Subscriptions) -> None:
    """The import's consumers (their own names: the calendar read model consumes the same topics)."""
    subs.on(PostScheduled, name="calendar_import_post_scheduled")(settle_scheduled)
    subs.on(PostCommandRefused, name="calendar_import_post_refused")(settle_refused)
