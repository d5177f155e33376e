"""huntaze_testkit.statements: the generated statement's expected totals are what fans.statement
finds in the generated file (libs/testkit has no tests folder, so the generator is tested here)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fans.statement import ParsedRow, RowRejected, open_statement, parse_line
from huntaze_testkit.statements import SOURCES, TYPES, ExpectedTotals, Totals, generate_statement

NY = ZoneInfo("America/New_York")


@dataclass
class Imported:
    by_type: dict[str, Totals] = field(default_factory=lambda: defaultdict(Totals))
    net_by_fan: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rows: dict[int, ParsedRow] = field(default_factory=dict)
    rejected: list[tuple[int, str]] = field(default_factory=list)


def import_bytes(data: bytes, tz: ZoneInfo) -> Imported:
    imported = Imported()
    for line in open_statement(io.BytesIO(data)):
        try:
            row = parse_line(line, tz)
        except RowRejected as exc:
            imported.rejected.append((line.line_no, exc.reason))
            continue
        imported.by_type[row.type].add(row.gross_cents, row.fee_cents, row.net_cents)
        imported.net_by_fan[row.fan_external_id] += row.net_cents
        imported.rows[row.line_no] = row
    return imported


def assert_matches(expected: ExpectedTotals, imported: Imported) -> None:
    for kind in TYPES:
        assert expected.by_type[kind] == imported.by_type[kind], kind
    for source, kinds in SOURCES.items():
        got = Totals()
        for kind in kinds:
            t = imported.by_type[kind]
            got = Totals(
                got.gross_cents + t.gross_cents,
                got.fee_cents + t.fee_cents,
                got.net_cents + t.net_cents,
                got.count + t.count,
            )
        assert expected.by_source[source] == got, source
    assert expected.gross_cents == sum(r.gross_cents for r in imported.rows.values())
    assert expected.fee_cents == sum(r.fee_cents for r in imported.rows.values())
    assert expected.net_cents == sum(r.net_cents for r in imported.rows.values())
    assert expected.gross_cents - expected.fee_cents == expected.net_cents
    assert expected.net_by_fan == dict(imported.net_by_fan)
    assert expected.valid_rows == len(imported.rows)
    assert [line for line, _ in expected.rejected] == [line for line, _ in imported.rejected]
    for (_, substring), (_, reason) in zip(expected.rejected, imported.rejected, strict=True):
        assert substring in reason


@pytest.mark.parametrize(
    ("seed", "rows", "start", "zone", "edge_cases", "bom", "crlf"),
    [
        (1, 1000, datetime(2026, 10, 31, 20, 0), "America/New_York", True, False, True),  # across the fall-back hour
        (2, 2000, datetime(2026, 3, 7, 12, 0), "America/New_York", True, True, False),  # across the spring gap
        (3, 1500, datetime(2026, 12, 31, 18, 0, tzinfo=UTC), "Europe/Paris", True, True, True),
        (4, 1000, datetime(2026, 6, 1), "Asia/Kolkata", False, False, True),
        (5, 100, datetime(2026, 6, 1), "America/Los_Angeles", True, False, False),
    ],
)
def test_the_expected_totals_are_what_the_parser_finds(
    seed: int, rows: int, start: datetime, zone: str, edge_cases: bool, bom: bool, crlf: bool
) -> None:
    tz = ZoneInfo(zone)
    statement = generate_statement(seed=seed, rows=rows, start=start, tz=tz, edge_cases=edge_cases, bom=bom, crlf=crlf)
    data = statement.csv_bytes()
    assert data.startswith(b"\xef\xbb\xbf") == bom
    assert (b"\r\n" in data) == crlf
    assert_matches(statement.expected, import_bytes(data, tz))
    assert statement.expected.valid_rows + len(statement.expected.rejected) == rows


def test_every_type_is_well_represented() -> None:
    statement = generate_statement(seed=11, rows=1000, start=datetime(2026, 11, 1), tz=NY, edge_cases=False)
    assert all(statement.expected.by_type[kind].count >= 1000 // 8 for kind in TYPES)
    assert statement.expected.rejected == [] and statement.expected.valid_rows == 1000
    statement = generate_statement(seed=11, rows=1000, start=datetime(2026, 11, 1), tz=NY)
    expected = statement.expected
    assert all(expected.by_type[kind].count >= (expected.valid_rows - 1) // 8 for kind in TYPES)
    assert all(expected.by_type[kind].count >= 1000 // 8 - 1 for kind in TYPES)
    assert all(t.gross_cents > 0 for k, t in expected.by_type.items() if k not in ("refund", "chargeback"))
    assert expected.by_type["refund"].net_cents < 0 and expected.by_type["chargeback"].net_cents < 0


def test_the_edge_cases_are_in_the_file() -> None:
    statement = generate_statement(seed=21, rows=1000, start=datetime(2026, 11, 1), tz=NY)
    data = statement.csv_bytes()
    text = data.decode()
    for needle in (
        '"$1,234.56"',
        '"Tip from Ana, María (@ana.maria)',  # a comma: a quoted field
        "Zoë (LA) ✨ (@zoe_la)",
        '""The Boss""',
        "(@Jake_88)",
        "@u48213377,",
        ",Pending\r\n",
        ",Completed\r\n",
        "Chargeback for ",
        "Refund for ",
        "Tips for stream from",
        " for stream,",
        "Payment for post from",
        "  ",  # double spaces in a description
        "Referral payment",
        ",Reversed\r\n",
    ):
        assert needle in text, needle
    records = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert len(records) == 1000
    amounts = [r[1] for r in records]
    assert any(a.startswith("(") for a in amounts) and any(a.startswith("\u2212") for a in amounts)
    assert any(a.startswith("$-") for a in amounts) and any(a[:1].isdigit() for a in amounts)
    assert any(r[2] == r[3] == "" for r in records) and any(r[2] == "" != r[3] for r in records)
    assert any(r[3] == "" != r[2] for r in records) and any(r[5] == "" for r in records)
    assert any(r[4].isupper() is False and r[4].split(" ")[0].isupper() for r in records)  # "TIP FROM Jake..."
    imported = import_bytes(data, NY)
    # A refund written as a sale with a negative amount, and a chargeback written positive.
    assert any(row.type == "refund" and not records[n - 2][4].startswith("Refund") for n, row in imported.rows.items())
    assert any(
        row.type == "chargeback" and not records[n - 2][1].startswith(("-", "(", "$-", "\u2212"))
        for n, row in imported.rows.items()
    )
    assert any(row.status == "pending" for row in imported.rows.values())
    # Two identical sales by one fan in one minute: both rows are valid and counted.
    twins = [i for i in range(len(records) - 1) if records[i] == records[i + 1]]
    assert twins
    first, second = imported.rows[twins[0] + 2], imported.rows[twins[0] + 3]
    assert replace(first, line_no=second.line_no) == second and first.gross_cents > 0
    reasons = " | ".join(reason for _, reason in imported.rejected)
    for substring in ("unparseable amount", "unparseable date", "unknown description", 'status "Reversed"'):
        assert substring in reasons


def test_rows_are_newest_first_within_minutes() -> None:
    statement = generate_statement(seed=31, rows=2000, start=datetime(2026, 10, 31, 22, 0), tz=NY)
    imported = import_bytes(statement.csv_bytes(), NY)
    times = [row.occurred_at for _, row in sorted(imported.rows.items())]
    assert all(a >= b for a, b in zip(times, times[1:], strict=False))
    gaps = [a - b for a, b in zip(times, times[1:], strict=False)]
    # The wall clock is the truth and 1:00-1:59 am is read as its first occurrence (fold=0), so
    # UTC jumps by an hour once, where the clocks fall back (2:00 am EST → 1:59 am EDT).
    assert sorted(gaps)[-1] == timedelta(minutes=61) and sorted(gaps)[-2] <= timedelta(minutes=3)
    oldest = datetime(2026, 10, 31, 22, 0, tzinfo=NY).astimezone(UTC)
    assert times[-1] == oldest


def test_connector_sales_match_the_statement_rows() -> None:
    statement = generate_statement(seed=41, rows=500, start=datetime(2026, 11, 3, 9, 0), tz=NY)
    imported = import_bytes(statement.csv_bytes(), NY)
    sales = list(statement.connector_sales(100, 200))
    rejected_in_slice = sum(1 for line, _ in statement.expected.rejected if 102 <= line < 202)
    assert len(sales) == 100 - rejected_in_slice
    assert len({sale["external_id"] for sale in sales}) == len(sales)
    for sale in sales:
        index = int(sale["external_id"].rsplit("_", 1)[1])
        row = imported.rows[index + 2]
        assert set(sale) == {
            "external_id",
            "fan",
            "type",
            "gross_cents",
            "fee_cents",
            "net_cents",
            "currency",
            "occurred_at",
        }
        assert sale["fan"] == {"external_id": row.fan_external_id, "display_name": row.fan_display_name}
        assert (sale["type"], sale["gross_cents"], sale["fee_cents"], sale["net_cents"], sale["currency"]) == (
            row.type, row.gross_cents, row.fee_cents, row.net_cents, "USD"
        )  # fmt: skip
        occurred_at = datetime.fromisoformat(sale["occurred_at"])
        assert occurred_at.utcoffset() == timedelta(0)
        assert row.occurred_at <= occurred_at < row.occurred_at + timedelta(minutes=1)
    assert sum(1 for _ in statement.connector_sales()) == statement.expected.valid_rows


def test_deterministic_streamed_and_the_file_object_left_open() -> None:
    a = generate_statement(seed=51, rows=300, start=datetime(2026, 11, 1), tz=NY)
    b = generate_statement(seed=51, rows=300, start=datetime(2026, 11, 1), tz=NY)
    sink = io.BytesIO()
    a.write(sink)
    assert not sink.closed and sink.getvalue() == b.csv_bytes()
    assert a.expected == b.expected
    assert generate_statement(seed=52, rows=300, start=datetime(2026, 11, 1), tz=NY).csv_bytes() != sink.getvalue()


def test_edge_cases_need_room() -> None:
    with pytest.raises(ValueError):
        generate_statement(seed=1, rows=50, start=datetime(2026, 11, 1), tz=NY)
    assert generate_statement(seed=1, rows=0, start=datetime(2026, 11, 1), tz=NY, edge_cases=False).csv_bytes() == (
        b"Date,Amount,Fee,Net,Description,Status\r\n"
    )
