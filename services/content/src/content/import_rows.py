"""Reading a calendar import (CSV or JSON) into rows, each valid or invalid with its reason. Pure code.

The file (at most :data:`MAX_IMPORT_BYTES`, :data:`MAX_IMPORT_ROWS` rows; more → :class:`TooLarge`):

* CSV (``text/csv``): UTF-8 (a BOM is fine), RFC 4180 quoting, a header row (the first non-blank
  record). Column names are trimmed and case-insensitive, in any order, unknown ones ignored:
  ``kind`` (required), ``title``, ``starts_at``, ``publish_at``, ``media_ids`` (UUIDs separated by
  spaces, commas, ``;`` or ``|``), ``account_id``, ``caption``, ``subreddit``. A row's ``line`` is the
  physical line where its record starts, the header being line 1 (what an editor shows). Blank
  lines are skipped. A structural problem (not UTF-8, no header, a column twice, no ``kind``
  column, an unclosed quote) refuses the whole file (:class:`ImportFormatError`).
* JSON (``application/json``): ``{"rows": [{...}, ...]}`` with the same names; a row's ``line`` is
  its position in ``rows``, from 1.

A row (:func:`parse_row`) is either

* ``kind=drop``: ``title`` (1–200 characters), ``starts_at`` (or ``publish_at``), ``media_ids`` (≤ 50);
* ``kind=post``: ``account_id`` (a social account's UUID), ``caption`` (1–5,000), ``publish_at`` (or
  ``starts_at``), ``media_ids`` (≤ 35, in order), ``title`` (≤ 300) and ``subreddit`` for Reddit.

Dates are ISO 8601 with an offset (``2026-12-01T20:00:00Z``, ``2026-12-01 21:00+01:00``), between the
years 2000 and 2100; a date without an offset is refused (the row's time would be a guess). A bad row
is reported with its line and reason; it never stops the others.

A row's identity (:func:`row_id`) is a UUID5 of the creator and the row's normalised content (kind,
whitespace-collapsed title, UTC time, media ids, account, caption, subreddit): the same row imported
again has the same id, which is what makes a re-import create nothing new.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_IMPORT_BYTES = 64 * 1024
"""The gateway's (and the service's) default request body limit."""
MAX_IMPORT_ROWS = 500
MAX_DROP_TITLE = 200
MAX_CAPTION = 5000
MAX_POST_TITLE = 300
MAX_DROP_MEDIA = 50
MAX_POST_MEDIA = 35
COLUMNS = ("kind", "title", "starts_at", "publish_at", "media_ids", "account_id", "caption", "subreddit")
KINDS = ("drop", "post")
ROW_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://huntaze.com/calendar/import-row")
_SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
_MEDIA_SPLIT = re.compile(r"[\s,;|]+")


class ImportFormatError(ValueError):
    """The body cannot be read as an import at all (nothing is imported)."""


class TooLarge(ImportFormatError):
    """More rows (or bytes) than an import may hold."""


class RowInvalid(ValueError):
    """One row cannot be imported; the message is short and human (the line is reported beside it)."""


@dataclass(frozen=True)
class DropRow:
    line: int
    title: str
    starts_at: datetime
    media_ids: tuple[uuid.UUID, ...] = ()
    kind: str = "drop"


@dataclass(frozen=True)
class PostRow:
    line: int
    account_id: uuid.UUID
    caption: str
    publish_at: datetime
    media_ids: tuple[uuid.UUID, ...] = ()
    title: str | None = None
    subreddit: str | None = None
    kind: str = "post"


Row = DropRow | PostRow


# the file -------------------------------------------------------------------------------------------


def _text(body: bytes) -> str:
    if len(body) > MAX_IMPORT_BYTES:
        raise TooLarge(f"an import is at most {MAX_IMPORT_BYTES} bytes")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFormatError("the file is not UTF-8 text") from None
    if "\x00" in text:
        raise ImportFormatError("the file contains NUL bytes: not a CSV or JSON text")
    return text


def read_csv(body: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line, {column: value}) for each data record; a record with more fields than the header gets
    ``"__problem__"`` set (the row is then invalid)."""
    text = _text(body)
    if not text.strip():
        raise ImportFormatError("the file is empty")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records = _records(reader)
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    for line, fields in records:
        if header is None:
            header = [f.strip().lower() for f in fields]
            duplicated = sorted({n for n in header if n and header.count(n) > 1})
            if duplicated:
                raise ImportFormatError(f"column {duplicated[0]!r} appears twice in the header")
            if "kind" not in header:
                raise ImportFormatError(
                    "no 'kind' column in the header (line 1 names the columns: " + ", ".join(COLUMNS) + ")"
                )
            continue
        if len(rows) >= MAX_IMPORT_ROWS:
            raise TooLarge(f"an import is at most {MAX_IMPORT_ROWS} rows")
        values: dict[str, str] = {}
        surplus = fields[len(header) :]
        if any(f.strip() for f in surplus):
            values["__problem__"] = f"expected {len(header)} fields, got {len(fields)}"
        for name, value in zip(header, fields, strict=False):
            if name in COLUMNS:
                values[name] = value
        rows.append((line, values))
    if header is None:
        raise ImportFormatError("the file has no header row")
    return rows


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with the line where each starts."""
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFormatError(f"line {start}: malformed CSV ({exc})") from None
        if not any(f.strip() for f in fields):
            continue
        yield start, fields


def read_json(body: bytes) -> list[tuple[int, Any]]:
    text = _text(body)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ImportFormatError(f"the body is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise ImportFormatError('the body is an object with a list of rows: {"rows": [{...}, ...]}')
    rows = data["rows"]
    if len(rows) > MAX_IMPORT_ROWS:
        raise TooLarge(f"an import is at most {MAX_IMPORT_ROWS} rows")
    return list(enumerate(rows, start=1))


# one row --------------------------------------------------------------------------------------------


def _field(raw: dict[str, Any], name: str) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RowInvalid(f"{name} must be text")
    if "\x00" in value:
        raise RowInvalid(f"{name} contains a NUL character")
    return value.strip()


def parse_date(value: str, name: str) -> datetime:
    if not value:
        raise RowInvalid(f"missing {name}")
    shown = value if len(value) <= 40 else value[:40] + "…"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise RowInvalid(
            f'{name}: unparseable date "{shown}" (ISO 8601 with an offset, e.g. 2026-12-01T20:00:00Z)'
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RowInvalid(f'{name}: "{shown}" has no UTC offset (add Z or +01:00)')
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is after the last datetime
        raise RowInvalid(f'{name}: "{shown}" is not between the years 2000 and 2100') from None
    if not 2000 <= moment.year <= 2100:
        raise RowInvalid(f'{name}: "{shown}" is not between the years 2000 and 2100')
    return moment


def parse_media(raw: dict[str, Any], limit: int) -> tuple[uuid.UUID, ...]:
    value = raw.get("media_ids")
    if value is None or value == "":
        items: list[Any] = []
    elif isinstance(value, str):
        items = [v for v in _MEDIA_SPLIT.split(value.strip()) if v]
    elif isinstance(value, list):
        items = value
    else:
        raise RowInvalid("media_ids must be a list of UUIDs (or, in a CSV, UUIDs separated by spaces)")
    found: list[uuid.UUID] = []
    for item in items:
        try:
            media_id = uuid.UUID(item) if isinstance(item, str) else None
        except ValueError:
            media_id = None
        if media_id is None:
            shown = str(item)[:40]
            raise RowInvalid(f'media_ids: "{shown}" is not a UUID')
        if media_id not in found:
            found.append(media_id)
    if len(found) > limit:
        raise RowInvalid(f"media_ids: at most {limit} media")
    return tuple(found)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def parse_row(line: int, raw: Any) -> Row:
    """The row, or :class:`RowInvalid` with the reason."""
    if not isinstance(raw, dict):
        raise RowInvalid("a row is an object of named fields")
    problem = raw.get("__problem__")
    if problem:
        raise RowInvalid(str(problem))
    kind = _field(raw, "kind").lower()
    if not kind:
        raise RowInvalid("missing kind (drop or post)")
    if kind not in KINDS:
        raise RowInvalid(f'kind "{kind[:20]}" is not drop or post')
    if kind == "drop":
        return _drop(line, raw)
    return _post(line, raw)


def _drop(line: int, raw: dict[str, Any]) -> DropRow:
    title = _collapse(_field(raw, "title"))
    if not title:
        raise RowInvalid("missing title")
    if len(title) > MAX_DROP_TITLE:
        raise RowInvalid(f"title: at most {MAX_DROP_TITLE} characters")
    when = _field(raw, "starts_at") or _field(raw, "publish_at")
    starts_at = parse_date(when, "starts_at")
    return DropRow(line, title, starts_at, parse_media(raw, MAX_DROP_MEDIA))


def _post(line: int, raw: dict[str, Any]) -> PostRow:
    account = _field(raw, "account_id")
    if not account:
        raise RowInvalid("missing account_id (a social account of marketing)")
    try:
        account_id = uuid.UUID(account)
    except ValueError:
        raise RowInvalid(f'account_id: "{account[:40]}" is not a UUID') from None
    caption = _field(raw, "caption").replace("\r\n", "\n").replace("\r", "\n")
    if not caption:
        raise RowInvalid("missing caption")
    if len(caption) > MAX_CAPTION:
        raise RowInvalid(f"caption: at most {MAX_CAPTION} characters")
    when = _field(raw, "publish_at") or _field(raw, "starts_at")
    publish_at = parse_date(when, "publish_at")
    media = parse_media(raw, MAX_POST_MEDIA)
    title = _collapse(_field(raw, "title")) or None
    if title is not None and len(title) > MAX_POST_TITLE:
        raise RowInvalid(f"title: at most {MAX_POST_TITLE} characters")
    subreddit = _field(raw, "subreddit").removeprefix("/").removeprefix("r/") or None
    if subreddit is not None and not _SUBREDDIT.match(subreddit):
        raise RowInvalid(f'subreddit: "{subreddit[:40]}" is not a subreddit name')
    return PostRow(line, account_id, caption, publish_at, media, title, subreddit)


def row_id(creator_id: uuid.UUID, row: Row) -> uuid.UUID:
    """The row's identity: the same content for the same creator, the same id (whatever the line,
    the file, the format or the spacing)."""
    media = " ".join(str(m) for m in row.media_ids)
    if isinstance(row, DropRow):
        parts = ["drop", row.title, row.starts_at.isoformat(), " ".join(sorted(str(m) for m in row.media_ids))]
    else:
        subreddit = (row.subreddit or "").lower()
        parts = [
            "post",
            str(row.account_id),
            row.caption,
            row.publish_at.isoformat(),
            media,
            row.title or "",
            subreddit,
        ]
    return uuid.uuid5(ROW_NAMESPACE, "\x1f".join([str(creator_id), *parts]))
