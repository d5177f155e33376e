"""fans.statement: reading the OnlyFans statement export (file rules, row rules, streaming memory)."""

from __future__ import annotations

import csv
import io
import random
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from fans.statement import (
    REQUIRED_COLUMNS,
    REVERSAL_TYPES,
    SALE_TYPES,
    TYPES_BY_PREFIX,
    MissingColumns,
    ParsedRow,
    RowRejected,
    Statement,
    StatementFormatError,
    StatementLine,
    open_statement,
    parse_amount_cents,
    parse_line,
)

NY = ZoneInfo("America/New_York")
HEADER = "Date,Amount,Fee,Net,Description,Status"
EXAMPLE = (
    HEADER + "\n"
    '"Nov 3, 2026 8:14 pm",$25.00,$5.00,$20.00,Payment for message from Jake (@jake_88),Complete\n'
    '"Nov 3, 2026 9:02 pm",$9.99,$2.00,$7.99,Recurring subscription from @mia.fan,Complete\n'
)


def lines(text: str | bytes) -> list[StatementLine]:
    data = text.encode() if isinstance(text, str) else text
    return list(open_statement(io.BytesIO(data)))


def line(
    description: str = "Tip from Jake (@jake)",
    amount: str = "$10.00",
    fee: str = "$2.00",
    net: str = "$8.00",
    date: str = "Nov 3, 2026 8:14 pm",
    status: str | None = "Complete",
    line_no: int = 2,
) -> StatementLine:
    return StatementLine(line_no, date, amount, fee, net, description, status)


def parse(**fields: str | None) -> ParsedRow:
    return parse_line(line(**fields), NY)  # type: ignore[arg-type]


def rejected(**fields: str | None) -> str:
    with pytest.raises(RowRejected) as caught:
        parse(**fields)
    return caught.value.reason


# ---------------------------------------------------------------------------------------------
# The file


def test_the_example_statement() -> None:
    rows = [parse_line(x, NY) for x in lines(EXAMPLE)]
    assert rows == [
        ParsedRow(
            2, "message", "jake_88", "Jake", 2500, 500, 2000, datetime(2026, 11, 4, 1, 14, tzinfo=UTC), "complete"
        ),
        ParsedRow(
            3, "renewal", "mia.fan", "mia.fan", 999, 200, 799, datetime(2026, 11, 4, 2, 2, tzinfo=UTC), "complete"
        ),
    ]
    assert rows[0].occurred_at.tzinfo is UTC


def test_bom_and_crlf() -> None:
    data = b"\xef\xbb\xbf" + EXAMPLE.replace("\n", "\r\n").encode()
    statement = open_statement(io.BytesIO(data))
    assert statement.columns == {"Date": 0, "Amount": 1, "Fee": 2, "Net": 3, "Description": 4, "Status": 5}
    got = list(statement)
    assert [x.line_no for x in got] == [2, 3]
    assert got[0].status == "Complete" and got[1].description == "Recurring subscription from @mia.fan"
    assert [parse_line(x, NY).net_cents for x in got] == [2000, 799]


def test_columns_in_any_order_case_insensitive_trimmed_extra_columns_ignored_status_optional() -> None:
    text = (
        " NET ,description,Reference, date ,FEE,amount\n"
        '$20.00,Tip from Jake (@jake),ref-1,"Nov 3, 2026 8:14 pm",$5.00,$25.00\n'
    )
    statement = open_statement(io.BytesIO(text.encode()))
    assert statement.columns == {"Net": 0, "Description": 1, "Date": 3, "Fee": 4, "Amount": 5}
    assert not statement.has_status
    (only,) = list(statement)
    assert only.status is None and only.amount == "$25.00" and only.net == "$20.00"
    row = parse_line(only, NY)
    assert (row.type, row.gross_cents, row.fee_cents, row.net_cents, row.status) == ("tip", 2500, 500, 2000, "complete")


def test_quoted_newlines_blank_lines_and_physical_line_numbers() -> None:
    text = (
        HEADER + "\n"  # line 1
        '"Nov 3, 2026 8:14 pm",$1.00,,,"Tip from Ana\nMaría (@ana)",Complete\n'  # lines 2-3
        "\n"  # line 4, skipped
        ",,,,,\n"  # line 5, all blank: skipped
        '"Nov 3, 2026 8:15 pm",$2.00,,,"Tip from\r\n\r\nBo (@bo)",Complete\n'  # lines 6-8
        '"Nov 3, 2026 8:16 pm",$3.00,,Tip from Cy (@cy)\n'  # line 9: 4 fields
        '"Nov 3, 2026 8:17 pm",$4.00,,,Tip from Di (@di),Complete,,\n'  # line 10: empty surplus fields
    )
    got = lines(text)
    assert [x.line_no for x in got] == [2, 6, 9, 10]
    assert parse_line(got[0], NY).fan_display_name == "Ana María"  # whitespace collapsed
    assert parse_line(got[1], NY).fan_display_name == "Bo"
    with pytest.raises(RowRejected) as caught:
        parse_line(got[2], NY)
    assert caught.value.reason == "expected 6 fields, got 4" and caught.value.line_no == 9
    assert f"line {caught.value.line_no}: {caught.value}" == "line 9: expected 6 fields, got 4"
    assert parse_line(got[3], NY).gross_cents == 400


def test_too_many_fields_is_rejected_not_fatal() -> None:
    text = HEADER + '\n"Nov 3, 2026 8:14 pm",$1.00,,,Tip from Ana, María (@ana),Complete\n' + EXAMPLE.split("\n", 1)[1]
    got = lines(text)
    assert got[0].problem == "expected 6 fields, got 7"
    assert [parse_line(x, NY).line_no for x in got[1:]] == [3, 4]


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (PNG, "PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
        (b"\xff\xfeD\x00a\x00t\x00e\x00", "UTF-16"),
        (b"Date,Amount\x00,Fee", "NUL"),
        (b"Date,Amount,Fee,Net,Description\n\xe9t\xe9", "not UTF-8"),
        (b"", "empty"),
        (b"\r\n\n  \n", "no header"),
    ],
)
def test_not_a_csv_statement(data: bytes, message: str) -> None:
    with pytest.raises(StatementFormatError) as caught:
        open_statement(io.BytesIO(data))
    assert message in str(caught.value)
    assert not isinstance(caught.value, MissingColumns)


def test_missing_columns_are_named_in_canonical_spelling() -> None:
    with pytest.raises(MissingColumns) as caught:
        open_statement(io.BytesIO(b"date,AMOUNT,Description,Status\n"))
    assert caught.value.missing == ["Fee", "Net"]
    assert isinstance(caught.value, StatementFormatError) and isinstance(caught.value, ValueError)
    assert str(caught.value) == "missing columns: Fee, Net"
    with pytest.raises(MissingColumns) as caught:
        open_statement(io.BytesIO(b"hello world\nthis is text\n"))
    assert caught.value.missing == list(REQUIRED_COLUMNS)


def test_a_required_column_twice_is_refused() -> None:
    with pytest.raises(StatementFormatError, match='"Amount" appears twice'):
        open_statement(io.BytesIO(b"Date,Amount,Fee,Net,Description, amount\n"))


class Trickle(io.RawIOBase):
    """A non-seekable upload that hands out at most 100 bytes per read and counts them."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = min(len(buffer), 100, len(self.data) - self.pos)
        buffer[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


def test_open_reads_the_header_only_and_never_closes_the_upload() -> None:
    body = "".join(f'"Nov 3, 2026 8:14 pm",$1.00,,,Tip from Fan (@fan{i}),Complete\n' for i in range(20_000))
    upload = Trickle((HEADER + "\n" + body).encode())
    statement = open_statement(upload)  # type: ignore[arg-type]
    assert upload.pos <= 16 * 1024  # the sniffed KiB and one read-ahead buffer, not the file
    assert sum(1 for _ in statement) == 20_000
    assert upload.pos == len(upload.data)
    del statement
    assert not upload.closed


def test_bytes_that_are_not_utf8_after_the_first_kib_reject_their_row_only() -> None:
    filler = "".join(f'"Nov 3, 2026 8:14 pm",$1.00,,,Tip from Fan (@fan{i}),Complete\n' for i in range(30))
    data = (HEADER + "\n" + filler).encode() + b'"Nov 3, 2026 8:14 pm",$1.00,,,Tip from Jos\xe9 (@jose),Complete\n'
    got = lines(data + filler.encode())
    assert len(got) == 61
    assert got[30].problem == "invalid UTF-8 bytes" and got[30].line_no == 32
    with pytest.raises(RowRejected, match="invalid UTF-8 bytes"):
        parse_line(got[30], NY)
    assert parse_line(got[31], NY).fan_external_id == "fan0"


def test_an_unclosed_quote_ends_in_a_rejected_row_not_a_crash() -> None:
    text = EXAMPLE + '"Nov 3, 2026 9:30 pm,$1.00,,,Tip from Al (@al),Complete\n' + EXAMPLE.split("\n", 1)[1]
    got = lines(text)
    assert [x.line_no for x in got[:2]] == [2, 3]
    assert got[2].line_no == 4 and got[2].problem is not None
    with pytest.raises(RowRejected):
        parse_line(got[2], NY)


def test_an_oversized_field_is_rejected_and_reading_goes_on() -> None:
    big = "x" * 200_000  # over the csv module's 128 KiB field limit: what bounds a record's memory
    text = HEADER + f'\n"Nov 3, 2026 8:14 pm",$1.00,,,"{big}",Complete\n' + EXAMPLE.split("\n", 1)[1]
    got = lines(text)
    assert got[0].line_no == 2 and got[0].problem is not None and got[0].problem.startswith("malformed CSV")
    assert [parse_line(x, NY).line_no for x in got[1:]] == [3, 4]


def test_a_statement_is_a_lazy_iterator() -> None:
    statement = open_statement(io.BytesIO(EXAMPLE.encode()))
    assert isinstance(statement, Statement) and iter(statement) is statement
    assert next(statement).line_no == 2
    assert next(statement).line_no == 3
    with pytest.raises(StopIteration):
        next(statement)


# ---------------------------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("Nov 3, 2026 8:14 pm", datetime(2026, 11, 4, 1, 14)),
        ("November 3, 2026 8:14 PM", datetime(2026, 11, 4, 1, 14)),
        ("nov 3 2026 08:14pm", datetime(2026, 11, 4, 1, 14)),
        ("  Nov. 3, 2026 8:14 p.m. ", datetime(2026, 11, 4, 1, 14)),
        ("Nov 3, 2026 8:14:27 pm", datetime(2026, 11, 4, 1, 14, 27)),
        ("Nov 3, 2026 12:05 am", datetime(2026, 11, 3, 5, 5)),
        ("Nov 3, 2026 12:05 pm", datetime(2026, 11, 3, 17, 5)),
        ("Sept 3, 2026 8:14 am", datetime(2026, 9, 3, 12, 14)),  # EDT
        ("2026-11-03 20:14", datetime(2026, 11, 4, 1, 14)),
        ("2026-11-03 20:14:09", datetime(2026, 11, 4, 1, 14, 9)),
        ("2026-11-03T20:14:00", datetime(2026, 11, 4, 1, 14)),
        ("2026-11-03T20:14:00Z", datetime(2026, 11, 3, 20, 14)),  # an explicit offset wins over tz
        ("2026-11-03T20:14:00+01:00", datetime(2026, 11, 3, 19, 14)),
    ],
)
def test_dates(text: str, utc: datetime) -> None:
    occurred = parse(date=text).occurred_at
    assert occurred == utc.replace(tzinfo=UTC) and occurred.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "Nov 31, 2026 8:14 pm",
        "Feb 29, 2026 8:14 pm",
        "Nov 3, 2026 13:14 pm",
        "Nov 3, 2026 0:14 am",
        "Nov 3, 2026 8:61 pm",
        "Nov 3, 2026 20:14",
        "Novembre 3, 2026 8:14 pm",
        "3/11/2026 8:14 pm",
        "2026-13-03 20:14",
        "2026-11-03",
        "",
    ],
)
def test_unparseable_dates(text: str) -> None:
    assert rejected(date=text) == f'unparseable date "{text.strip()}"'


def test_dst_gap_and_overlap_in_new_york_use_fold_0() -> None:
    # Spring forward, 2026-03-08: 2:00-2:59 does not exist; read with the offset before the jump (EST).
    assert parse(date="Mar 8, 2026 1:59 am").occurred_at == datetime(2026, 3, 8, 6, 59, tzinfo=UTC)
    assert parse(date="Mar 8, 2026 2:30 am").occurred_at == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # = 3:30 EDT
    assert parse(date="Mar 8, 2026 3:00 am").occurred_at == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    # Fall back, 2026-11-01: 1:00-1:59 happens twice; the first occurrence (EDT) is taken.
    assert parse(date="Nov 1, 2026 12:59 am").occurred_at == datetime(2026, 11, 1, 4, 59, tzinfo=UTC)
    assert parse(date="Nov 1, 2026 1:30 am").occurred_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert parse(date="2026-11-01 01:59").occurred_at == datetime(2026, 11, 1, 5, 59, tzinfo=UTC)
    assert parse(date="Nov 1, 2026 2:00 am").occurred_at == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)


def test_the_creators_time_zone_is_used() -> None:
    tokyo = parse_line(line(date="Nov 3, 2026 8:14 pm"), ZoneInfo("Asia/Tokyo")).occurred_at
    assert tokyo == datetime(2026, 11, 3, 11, 14, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Amounts


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("$25.00", 2500),
        ("25", 2500),
        ("1,234.56", 123456),
        ("$1,234.56", 123456),
        ("$1,234,567.89", 123456789),
        ("-$5.00", -500),
        ("$-5.00", -500),
        ("(5.00)", -500),
        ("($5.00)", -500),
        ("\u22125.00", -500),
        ("+$5.00", 500),
        (" $ 25.00 ", 2500),
        ("$1\u00a0234.56", 123456),
        ("- $ 5", -500),
        (".50", 50),
        ("$0.10", 10),
        ("0.29", 29),  # float(0.29) * 100 == 28.999999999999996
        ("1.15", 115),
        ("4.35", 435),
        ("$1.500", 150),  # extra zeros round nothing: accepted
        ("", None),
        ("   ", None),
    ],
)
def test_amounts_to_exact_cents(text: str, cents: int | None) -> None:
    assert parse_amount_cents(text) == cents


@pytest.mark.parametrize(
    "text",
    ["$2x.00", "1,23.00", "12,34", "--5", "(-5.00)", "-$-5", "$5.00$", "1.2.3", "abc", "5e2", "nan", "$", "USD 5"],
)
def test_unparseable_amounts(text: str) -> None:
    assert rejected(amount=text, fee="", net="") == f'unparseable amount "{text.strip()}"'
    assert rejected(fee=text) == f'unparseable fee "{text.strip()}"'
    assert rejected(net=text) == f'unparseable net "{text.strip()}"'


def test_more_than_two_decimals_are_rejected() -> None:
    assert rejected(amount="$1.005", fee="", net="") == 'amount "$1.005" has more than 2 decimals'
    assert rejected(amount="99999999999", fee="", net="") == 'amount out of range "99999999999"'


def test_many_ten_cent_rows_sum_exactly() -> None:
    rows = 10_000
    body = "".join(f'"Nov 3, 2026 8:14 pm",$0.10,,,Tip from Fan (@fan{i % 7}),Complete\n' for i in range(rows))
    parsed = [parse_line(x, NY) for x in lines(HEADER + "\n" + body)]
    assert sum(r.gross_cents for r in parsed) == 100_000
    assert sum(r.fee_cents for r in parsed) == 20_000 and sum(r.net_cents for r in parsed) == 80_000
    assert sum(float("0.10") for _ in range(rows)) * 100 != 100_000  # what floats would have done
    assert sum(Decimal("0.10") for _ in range(rows)) * 100 == 100_000


@pytest.mark.parametrize(
    ("gross", "fee", "net"),
    [("$9.99", 200, 799), ("$12.99", 260, 1039), ("$0.01", 0, 1), ("$0.03", 1, 2), ("$25.00", 500, 2000)],
)
def test_empty_fee_and_net_are_derived_at_20_percent_half_up(gross: str, fee: int, net: int) -> None:
    row = parse(amount=gross, fee="", net="")
    assert (row.fee_cents, row.net_cents) == (fee, net)


def test_one_of_fee_and_net_empty_is_derived_from_the_other() -> None:
    row = parse(amount="$10.00", fee="$3.00", net="")
    assert (row.fee_cents, row.net_cents) == (300, 700)
    row = parse(amount="$10.00", fee="", net="$7.50")
    assert (row.fee_cents, row.net_cents) == (250, 750)


def test_amount_fee_and_net_must_add_up() -> None:
    assert rejected(amount="$10.00", fee="$2.00", net="$8.01") == "amount, fee and net do not add up"
    assert rejected(amount="$10.00", fee="$12.00", net="") == "amount, fee and net do not add up"
    assert rejected(amount="$10.00", fee="", net="$11.00") == "amount, fee and net do not add up"
    # A fee written negative (a deduction) is the same fee.
    row = parse(amount="$10.00", fee="-$2.00", net="$8.00")
    assert (row.gross_cents, row.fee_cents, row.net_cents) == (1000, 200, 800)


def test_zero_and_missing_amounts_are_rejected() -> None:
    assert rejected(amount="$0.00", fee="", net="") == "zero amount"
    assert rejected(amount="", fee="$1.00", net="$4.00") == "missing amount"


# ---------------------------------------------------------------------------------------------
# Descriptions, fans, signs, statuses


@pytest.mark.parametrize(
    ("description", "kind"),
    [
        ("Subscription from Jake (@jake)", "subscription"),
        ("Recurring subscription from Jake (@jake)", "renewal"),
        ("Tip from Jake (@jake)", "tip"),
        ("Payment for message from Jake (@jake)", "message"),
        ("Post purchase by Jake (@jake)", "post"),
        ("Payment for post from Jake (@jake)", "post"),
        ("Stream tip from Jake (@jake)", "stream_tip"),
        ("Tip from Jake (@jake) for stream", "stream_tip"),
        ("Tip from Jake (@jake) for the live stream #12", "stream_tip"),
        ("Tips for stream from Jake (@jake)", "stream_tip"),
        ("Refund for message from Jake (@jake)", "refund"),
        ("Refunded: Tip from Jake (@jake)", "refund"),
        ("Chargeback for payment for message from Jake (@jake)", "chargeback"),
        ("  payment   FOR message\tfrom   Jake (@jake) ", "message"),
        ("RECURRING SUBSCRIPTION FROM Jake (@jake)", "renewal"),
    ],
)
def test_descriptions_to_types(description: str, kind: str) -> None:
    row = parse(description=description)
    assert row.type == kind
    assert (row.fan_external_id, row.fan_display_name) == ("jake", "Jake")
    assert (row.gross_cents > 0) == (kind in SALE_TYPES)


def test_the_prefix_table_covers_every_type() -> None:
    assert {kind for _, kind in TYPES_BY_PREFIX} == SALE_TYPES | REVERSAL_TYPES
    assert all(prefix == prefix.lower() for prefix, _ in TYPES_BY_PREFIX)


@pytest.mark.parametrize(
    "description", ["Referral payment", "Payout to bank account", "Tipping point (@jake)", "Subscriptions from x"]
)
def test_other_descriptions_are_not_fan_transactions(description: str) -> None:
    reason = rejected(description=description)
    assert reason == f'not a fan transaction: unknown description "{description}"'


@pytest.mark.parametrize(
    "description", ["Tip from Jake", "Payment for message from ", "Refund for message", "Tip from"]
)
def test_no_handle_is_rejected(description: str) -> None:
    assert rejected(description=description) == "no fan handle in description"


@pytest.mark.parametrize(
    ("description", "external_id", "name"),
    [
        ("Tip from Jake (@Jake_88)", "jake_88", "Jake"),
        ("Tip from @mia.fan", "mia.fan", "mia.fan"),
        ("Tip from @Mia.Fan.", "mia.fan", "Mia.Fan"),
        ("Tip from (@solo)", "solo", "solo"),
        ("Tip from Ana, María (LA) ✨ (@ana-m)", "ana-m", "Ana, María (LA) ✨"),
        ('Tip from Mike "The Boss" ( @boss )', "boss", 'Mike "The Boss"'),
        ("Tip from 李雷 (@u48213377)", "u48213377", "李雷"),
        ("Refund for message from Jake (@jake)", "jake", "Jake"),
        ("Refund for post purchase by Stand by Me (@sbm)", "sbm", "Stand by Me"),
        ("Chargeback: tip from @bob", "bob", "bob"),
        ("Refund (@jake)", "jake", "jake"),
    ],
)
def test_fans(description: str, external_id: str, name: str) -> None:
    row = parse(description=description)
    assert (row.fan_external_id, row.fan_display_name) == (external_id, name)


def test_fan_length_limits() -> None:
    assert len(parse(description=f"Tip from {'N' * 300} (@n)").fan_display_name) == 100
    assert rejected(description=f"Tip from @{'h' * 129}") == "fan handle too long"


def test_a_negative_sale_is_a_refund_stored_negative() -> None:
    for amounts in (("-$25.00", "-$5.00", "-$20.00"), ("(25.00)", "(5.00)", "(20.00)"), ("$-25.00", "$5.00", "")):
        row = parse(
            description="Payment for message from Jake (@jake)", amount=amounts[0], fee=amounts[1], net=amounts[2]
        )
        assert (row.type, row.gross_cents, row.fee_cents, row.net_cents) == ("refund", -2500, -500, -2000)


@pytest.mark.parametrize("description", ["Refund for tip from Jake (@jake)", "Chargeback for tip from Jake (@jake)"])
@pytest.mark.parametrize(
    "amounts",
    [("$25.00", "$5.00", "$20.00"), ("-$25.00", "-$5.00", "-$20.00"), ("\u221225.00", "", ""), ("(25.00)", "5", "")],
)
def test_refunds_and_chargebacks_are_negative_whatever_the_file_says(
    description: str, amounts: tuple[str, ...]
) -> None:
    row = parse(description=description, amount=amounts[0], fee=amounts[1], net=amounts[2])
    assert (row.gross_cents, row.fee_cents, row.net_cents) == (-2500, -500, -2000)
    assert row.gross_cents - row.fee_cents == row.net_cents


@pytest.mark.parametrize(
    ("status", "stored"),
    [
        ("Complete", "complete"),
        ("Completed", "complete"),
        ("", "complete"),
        (" COMPLETE ", "complete"),
        ("Pending", "pending"),
    ],
)
def test_statuses_kept(status: str, stored: str) -> None:
    assert parse(status=status).status == stored


@pytest.mark.parametrize("status", ["Reversed", "Declined", "Failed", "Cancelled", "Refunded", "Chargeback"])
def test_statuses_rejected(status: str) -> None:
    assert rejected(status=status) == f'status "{status}" is not a completed sale'


def test_a_rejection_carries_the_line_number() -> None:
    with pytest.raises(RowRejected) as caught:
        parse_line(line(amount="$2x.00", line_no=12), NY)
    assert caught.value.line_no == 12 and str(caught.value) == 'unparseable amount "$2x.00"'


# ---------------------------------------------------------------------------------------------
# Round trip (property style, seeded)

NAMES = ("Jake", "Ana, María", "Zoë (LA) ✨", 'Mike "The Boss"', "李雷", "O'Neil", "Renée-Claire", "")
WORDINGS = {
    "subscription": ("Subscription from {fan}",),
    "renewal": ("Recurring subscription from {fan}",),
    "message": ("Payment for message from {fan}",),
    "post": ("Post purchase by {fan}", "Payment for post from {fan}"),
    "tip": ("Tip from {fan}",),
    "stream_tip": ("Stream tip from {fan}", "Tip from {fan} for stream", "Tips for stream from {fan}"),
    "refund": ("Refund for message from {fan}", "Refund for tip from {fan}"),
    "chargeback": ("Chargeback for subscription from {fan}",),
}
ZONES = tuple(ZoneInfo(name) for name in ("America/New_York", "Europe/Paris", "Asia/Kolkata", "UTC"))


def money(cents: int, rng: random.Random) -> str:
    body = f"{abs(cents) // 100:,}.{abs(cents) % 100:02d}" if rng.random() < 0.8 else f"{abs(cents) / 100:.2f}"
    if cents >= 0:
        return rng.choice(("$", "", " $ ")) + body
    return rng.choice(("-$" + body, "$-" + body, f"({body})", "\u2212" + body, "-" + body))


def local_text(wall: datetime, rng: random.Random) -> str:
    month = wall.strftime("%B") if rng.random() < 0.3 else wall.strftime("%b")
    hour = wall.hour % 12 or 12
    ampm = ("am" if wall.hour < 12 else "pm") if rng.random() < 0.5 else ("AM" if wall.hour < 12 else "PM")
    return rng.choice(
        (
            f"{month} {wall.day}, {wall.year} {hour}:{wall.minute:02d} {ampm}",
            f"{wall:%Y-%m-%d %H:%M}",
            f"{wall:%Y-%m-%dT%H:%M:00}",
        )
    )


def test_formatting_then_parsing_round_trips() -> None:
    rng = random.Random(20261103)
    for case in range(300):
        tz = rng.choice(ZONES)
        expected: list[ParsedRow] = []
        records: list[dict[str, str]] = []
        order = rng.sample(["Date", "Amount", "Fee", "Net", "Description", "Status", "Extra"], 7)
        line_no = 1
        for _ in range(rng.randint(1, 8)):
            kind = rng.choice(list(WORDINGS))
            name = rng.choice(NAMES)
            handle = rng.choice(("jake", "Ana.M", "zoe_la", "u123", "a-b")) + str(rng.randint(0, 99))
            fan = f"{name} (@{handle})" if name else f"@{handle}"
            gross = rng.choice((1, 99, 999, 2500, rng.randint(1, 10**7)))
            derive = rng.random() < 0.3
            fee = (gross * 20 + 50) // 100 if derive else rng.randint(0, gross)
            net = gross - fee
            sign = -1 if kind in REVERSAL_TYPES else 1
            written = -1 if kind in REVERSAL_TYPES and rng.random() < 0.7 else 1
            if kind in SALE_TYPES and rng.random() < 0.1:  # a sale written with a negative amount
                kind, sign, written = "refund", -1, -1
                description = rng.choice(WORDINGS[rng.choice(sorted(SALE_TYPES))]).format(fan=fan)
            else:
                description = rng.choice(WORDINGS[kind]).format(fan=fan)
            wall = datetime(2026, 1, 1) + timedelta(minutes=rng.randint(0, 365 * 24 * 60))
            status = rng.choice(("Complete", "Completed", "Pending", ""))
            records.append(
                {
                    "Date": local_text(wall, rng),
                    "Amount": money(written * gross, rng),
                    "Fee": "" if derive else money(written * fee, rng),
                    "Net": "" if derive else money(written * net, rng),
                    "Description": description + ("\n" if rng.random() < 0.05 else ""),
                    "Status": status,
                    "Extra": rng.choice(("", "x,y", 'a "q"', "multi\nline")),
                }
            )
            line_no += 1 + (records[-1]["Description"] + records[-1]["Extra"]).count("\n")
            expected.append(
                ParsedRow(
                    line_no - (records[-1]["Description"] + records[-1]["Extra"]).count("\n"),
                    kind,  # type: ignore[arg-type]
                    handle.lower(),
                    name or handle,
                    sign * gross,
                    sign * fee,
                    sign * net,
                    wall.replace(tzinfo=tz).astimezone(UTC),
                    "pending" if status == "Pending" else "complete",
                )
            )
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator=rng.choice(("\r\n", "\n")))
        writer.writerow(order)
        for record in records:
            writer.writerow([record[column] for column in order])
        data = ("\ufeff" if rng.random() < 0.5 else "") + buffer.getvalue()
        got = [parse_line(x, tz) for x in lines(data.encode())]
        assert got == expected, f"case {case}: {data!r}"


# ---------------------------------------------------------------------------------------------
# Bounded memory


def _peak_parsing(tmp_path, rows: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(file size, peak traced memory) of streaming and parsing a generated statement of ``rows`` rows."""
    path = tmp_path / f"statement-{rows}.csv"
    kinds = [w.format(fan="{fan}") for w in ("Payment for message from {fan}", "Recurring subscription from {fan}")]
    expected_net = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("\ufeffDate,Amount,Fee,Net,Description,Status\r\n")
        start = datetime(2026, 11, 30, 23, 59)
        for i in range(rows):
            wall = start - timedelta(minutes=i // 3)
            gross = 100 + i % 9_900
            fee = (gross * 20 + 50) // 100
            expected_net += gross - fee
            fan = f"Fan Number {i % 5000} (@fan_{i % 5000})"
            f.write(
                f'"{wall:%b} {wall.day}, {wall.year} {wall.hour % 12 or 12}:{wall.minute:02d} '
                f'{"am" if wall.hour < 12 else "pm"}",${gross // 100:,}.{gross % 100:02d},'
                f"${fee // 100}.{fee % 100:02d},${(gross - fee) // 100:,}.{(gross - fee) % 100:02d},"
                f"{kinds[i % 2].format(fan=fan)},Complete\r\n"
            )
    count = net = 0
    tracemalloc.start()
    try:
        with path.open("rb") as f:
            for statement_line in open_statement(f):
                row = parse_line(statement_line, NY)
                count += 1
                net += row.net_cents
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (count, net) == (rows, expected_net)
    return path.stat().st_size, peak


def test_a_statement_is_parsed_streamed_in_bounded_memory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Peak memory does not grow with the file: ten times the rows, about the same peak (tracing
    makes this slow, so 2,000 and 20,000 rows stand for 200,000; `make bench` B7 measures the
    whole import of 200,000 rows)."""
    small_size, small_peak = _peak_parsing(tmp_path, 2_000)
    big_size, big_peak = _peak_parsing(tmp_path, 20_000)
    assert big_size > 9 * small_size
    assert big_peak < 1.5 * small_peak + 64 * 1024, (small_peak, big_peak)
    assert big_peak < big_size / 10, f"peak {big_peak / 1024:.0f} KiB for a {big_size / 2**20:.1f} MiB file"
    print(
        f"\n{small_size / 2**20:.1f} MiB → peak {small_peak / 1024:.0f} KiB; {big_size / 2**20:.1f} MiB → {big_peak / 1024:.0f} KiB"
    )
