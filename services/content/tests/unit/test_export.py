"""The export: JSON and CSV (RFC 4180, a header row) give back the entries' columns exactly, and a
spreadsheet never runs a title as a formula."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

from content.export_import import EXPORT_COLUMNS, export_csv, export_json, read_export_csv, record_of
from content.feed_ports import Entry

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def entries() -> list[Entry]:
    return [
        Entry(uuid.uuid4(), "drop", "content", 'Beach, "golden" hour\nline two', NOW, "planned",
              media_ids=(uuid.uuid4(), uuid.uuid4()), link="/v1/calendar/entries/x", details={"import_id": "i", "line": 2},
              updated_at=NOW),
        Entry(uuid.uuid4(), "mass_message", "inbox", "=HYPERLINK(\"http://evil\")", NOW + timedelta(days=1), "sent",
              segments=("whales", "new"), result_cents=-1500, currency="EUR", revision=4,
              pending_starts_at=NOW + timedelta(days=2), updated_at=NOW),
        Entry(uuid.uuid4(), "campaign", "marketing", "+1 promo", NOW, "active", ends_at=NOW + timedelta(days=7),
              network="x", link="@home", updated_at=NOW),
    ]  # fmt: skip


def test_json_export_is_a_list_of_records_with_every_column() -> None:
    items = entries()
    records = json.loads(export_json(items))
    assert [list(r) for r in records] == [list(EXPORT_COLUMNS)] * 3
    assert records == [record_of(e) for e in items]
    assert records[0]["starts_at"] == "2026-11-27T12:00:00Z" and records[0]["ends_at"] is None
    assert records[1]["result_cents"] == -1500 and records[1]["segments"] == ["whales", "new"]


def test_csv_round_trips_to_the_json_records() -> None:
    items = entries()
    body = export_csv(items)
    assert body.startswith(",".join(EXPORT_COLUMNS).encode() + b"\r\n")
    assert read_export_csv(body) == json.loads(export_json(items))


def test_csv_is_rfc_4180_and_formula_safe() -> None:
    body = export_csv(entries())
    rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
    assert len(rows) == 4 and all(len(r) == len(EXPORT_COLUMNS) for r in rows)
    title = EXPORT_COLUMNS.index("title")
    assert rows[1][title] == 'Beach, "golden" hour\nline two'
    assert rows[2][title] == '\'=HYPERLINK("http://evil")' and rows[3][title] == "'+1 promo"
    assert rows[3][EXPORT_COLUMNS.index("link")] == "'@home"
    assert rows[2][EXPORT_COLUMNS.index("result_cents")] == "-1500", "numbers are not touched"
    assert b'"Beach, ""golden"" hour\nline two"' in body


def test_an_empty_export_is_a_header() -> None:
    assert export_csv([]) == (",".join(EXPORT_COLUMNS) + "\r\n").encode()
    assert json.loads(export_json([])) == []
