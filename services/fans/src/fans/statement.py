"""Reading the OnlyFans statement export ("Statements → Earnings" CSV), streamed, in bounded memory.

Pure code: no HTTP, no database. Two steps, so the HTTP layer can answer 415/422 before streaming:

* :func:`open_statement` reads the first KiB and the header only, and raises
  :class:`StatementFormatError` (→ 415) or :class:`MissingColumns` (→ 422). It returns a
  :class:`Statement`, a lazy iterator of :class:`StatementLine` (raw strings and a line number).
* :func:`parse_line` turns one line into a :class:`ParsedRow`, or raises :class:`RowRejected` with a
  short human reason ("line 12: " + reason is what the creator should read). A bad row never stops
  the import.

File rules (:func:`open_statement`)
-----------------------------------
* Encoding UTF-8, with or without BOM; CRLF, LF (or CR) line ends; standard CSV quoting (``"a, b"``,
  ``""`` for a quote; a quoted field may contain line breaks).
* Not a statement → :class:`StatementFormatError`: empty file, a NUL byte or bytes that are not
  UTF-8 in the first KiB (PNG, PDF, XLSX, UTF-16 text...), no header row, a required column twice.
* Header = the first non-blank record. Names are trimmed and case-insensitive, in any order; extra
  columns are ignored. :data:`REQUIRED_COLUMNS` (``Date, Amount, Fee, Net, Description``) must all be
  present, else :class:`MissingColumns` whose ``.missing`` lists the absent ones in that canonical
  spelling and order. ``Status`` (:data:`OPTIONAL_COLUMNS`) may be absent.
* ``StatementLine.line_no`` is the physical line where the record starts, the header's first line
  being 1 (what a spreadsheet or an editor shows; a quoted line break makes the next record start
  one line further down).
* Blank lines and records whose fields are all blank (``,,,,,``) are skipped.
* A record with a field count other than the header's is still yielded, with ``problem`` set
  (``expected 6 fields, got 4``), and :func:`parse_line` rejects it. Surplus fields that are all
  empty (spreadsheet trailing commas) are tolerated. A malformed record (a field over the csv
  module's 128 KiB limit, e.g. an unclosed quote) is yielded with ``problem = "malformed CSV: ..."``.
* Bytes that are not UTF-8 after the first KiB do not stop the stream: the record holding them is
  yielded with ``problem = "invalid UTF-8 bytes"`` (decoded with ``surrogateescape`` and detected).
* Memory is bounded: the text layer reads 8 KiB chunks and one record is held at a time; a record is
  bounded by the csv field limit. ``binary`` is never closed by this module (the caller owns it);
  it need not be seekable.

Row rules (:func:`parse_line`), checked in this order
-----------------------------------------------------
1. Structure: the line's ``problem`` (field count, malformed CSV, bad bytes) → rejected with it.
2. Status (when the column exists), trimmed, case-insensitive: ``Complete``, ``Completed`` or empty
   → ``"complete"``; ``Pending`` → ``"pending"`` (the sale happened and is kept); anything else
   (``Reversed``, ``Declined``, ``Failed``, ``Cancelled``...) → ``status "X" is not a completed
   sale``. Without the column every row is ``"complete"``.
3. Description → type: whitespace collapsed, case-insensitive prefix match against
   :data:`TYPES_BY_PREFIX` (first match wins)::

       Recurring subscription from   → renewal       Subscription from          → subscription
       Stream tip from               → stream_tip    Tips / Tip for stream from → stream_tip
       Tip from ... for stream       → stream_tip    Tip from                   → tip
       Payment for message from      → message       Post purchase by           → post
       Payment for post from         → post          Refund...                  → refund
       Chargeback...                 → chargeback

   Anything else (``Referral payment``, payouts, withdrawals) → ``not a fan transaction: unknown
   description "..."``.
4. Fan: ``Name (@handle)`` → display name ``Name`` (it may itself contain parentheses, commas,
   any unicode: the *last* ``(@handle)`` is the handle), external id ``handle`` without ``@``,
   lower-cased; ``@handle`` alone → display name = the handle as written. For a refund or a
   chargeback the sale wording before the name (``Refund for message from``) is dropped. No handle →
   ``no fan handle in description``. Handles longer than 128 characters are rejected; display names
   are cut to 100 characters (the limits of ``huntaze_events.FanRef``).
5. Date, in the creator's time zone ``tz`` unless it carries an offset, converted to UTC:
   ``Nov 3, 2026 8:14 pm`` (month abbreviation, ``Sept`` or full name; optional comma, optional
   seconds; 12-hour clock with ``am``/``pm``, ``AM``, ``a.m.``; case-insensitive), ISO
   ``2026-11-03 20:14``, ``2026-11-03 20:14:05``, ``2026-11-03T20:14:00`` (and an optional ``Z`` or
   ``±HH:MM``, which then wins over ``tz``). Seconds are 0 when absent. Invalid dates (``Nov 31``,
   ``13:00 pm``) → ``unparseable date "..."``. Parsed with regular expressions and a month table,
   not ``strptime``: ``%b``/``%p`` depend on the process locale, and this is ~4× faster.
   **DST** — local times are resolved with ``fold=0``: a time that occurs twice (the repeated hour
   in the autumn) is the *first* occurrence (daylight time, the earlier instant); a time that does
   not exist (the skipped hour in the spring) is read with the offset in force before the jump,
   i.e. it lands as far after the jump as it names after the gap start (2:30 → 3:30 EDT).
6. Amounts (``Amount``, ``Fee``, ``Net``) → integer cents with :class:`decimal.Decimal`, never a
   float: ``$25.00``, ``25``, ``1,234.56`` (commas must be thousand groups), ``.50``, ``-$5.00``,
   ``$-5.00``, ``(5.00)``, ``($5.00)``, ``−5.00`` (unicode minus); spaces (also no-break and thin
   spaces) anywhere are ignored. More than 2 decimals is rejected unless the extra digits are zeros
   (``1.500`` is 150 cents; ``1.005`` → ``... has more than 2 decimals``), so nothing is rounded.
   Anything else → ``unparseable amount "$2x.00"`` (or ``fee``/``net``). Empty Amount →
   ``missing amount``; zero → ``zero amount``; |cents| > 10¹² → ``amount out of range``.
7. Signs and derivation. A sale description with a *negative* Amount is a refund of that sale (type
   ``refund``). The signs of Fee and Net are ignored (exports show fees either way); magnitudes are
   used: fee empty and net empty → fee = 20 % of |amount| rounded half-up to the cent, net = the
   rest; only net empty → net = |amount| − |fee|; only fee empty → fee = |amount| − |net|; all
   three → |amount| − |fee| must equal |net|, else ``amount, fee and net do not add up`` (a fee or
   net larger than the amount is rejected too). Sales are stored positive; refunds and
   chargebacks NEGATIVE (gross, fee and net all ≤ 0, whatever sign the file uses), so a plain sum
   over rows is the revenue, as in ``huntaze_events.TransactionRecorded``.
"""

from __future__ import annotations

import codecs
import csv
import io
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import BinaryIO, Literal

__all__ = [
    "OPTIONAL_COLUMNS",
    "PLATFORM_FEE_RATE",
    "REQUIRED_COLUMNS",
    "REVERSAL_TYPES",
    "SALE_TYPES",
    "TYPES_BY_PREFIX",
    "MissingColumns",
    "ParsedRow",
    "RowRejected",
    "Statement",
    "StatementFormatError",
    "StatementLine",
    "open_statement",
    "parse_amount_cents",
    "parse_date",
    "parse_line",
]

REQUIRED_COLUMNS: tuple[str, ...] = ("Date", "Amount", "Fee", "Net", "Description")
"""Columns a statement must have (canonical spelling; matched trimmed and case-insensitively)."""
OPTIONAL_COLUMNS: tuple[str, ...] = ("Status",)

StatementType = Literal["subscription", "renewal", "message", "post", "tip", "stream_tip", "refund", "chargeback"]

TYPES_BY_PREFIX: tuple[tuple[str, StatementType], ...] = (
    ("recurring subscription from", "renewal"),
    ("subscription from", "subscription"),
    ("stream tip from", "stream_tip"),
    ("tips for stream from", "stream_tip"),
    ("tip for stream from", "stream_tip"),
    ("tip from", "tip"),  # "Tip from X (@x) for stream" → stream_tip (see _FOR_STREAM)
    ("payment for message from", "message"),
    ("post purchase by", "post"),
    ("payment for post from", "post"),
    ("refund", "refund"),
    ("chargeback", "chargeback"),
)
"""Description prefix (lower case, single spaces) → transaction type; the first match wins."""

SALE_TYPES = frozenset({"subscription", "renewal", "message", "post", "tip", "stream_tip"})
REVERSAL_TYPES = frozenset({"refund", "chargeback"})
PLATFORM_FEE_RATE = Decimal("0.20")
"""OnlyFans' fee, used to derive an empty Fee (rounded half-up to the cent)."""

SNIFF_BYTES = 1024
MAX_CENTS = 10**12
MAX_HANDLE = 128
MAX_DISPLAY_NAME = 100


class StatementFormatError(ValueError):
    """The upload is not a CSV statement (binary, empty, no header...): nothing can be imported."""


class MissingColumns(StatementFormatError):
    """The header lacks required columns; ``missing`` names them (``Date``, ``Amount``, ...)."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__("missing columns: " + ", ".join(missing))


class RowRejected(ValueError):
    """One row cannot be imported; ``reason`` is short and human (the line number is not in it)."""

    def __init__(self, reason: str, line_no: int | None = None) -> None:
        self.reason = reason
        self.line_no = line_no
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One record as read, fields as strings ('' when the record is too short)."""

    line_no: int
    date: str
    amount: str
    fee: str
    net: str
    description: str
    status: str | None
    """None when the file has no Status column."""
    problem: str | None = None
    """Set when the record cannot be read as a row (``expected 6 fields, got 4``): parse_line rejects it."""


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line_no: int
    type: StatementType
    fan_external_id: str
    fan_display_name: str
    gross_cents: int
    fee_cents: int
    net_cents: int
    occurred_at: datetime
    """Aware, UTC."""
    status: Literal["complete", "pending"]


# ---------------------------------------------------------------------------------------------
# The file


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0", "an Excel .xls workbook"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)


class _Rewound(io.RawIOBase):
    """The sniffed head followed by the rest of ``binary``; never closes ``binary``."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        if not data:
            return 0
        n = len(data)
        buffer[:n] = data
        return n


def _read_head(binary: BinaryIO) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < SNIFF_BYTES:
        chunk = binary.read(SNIFF_BYTES - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _sniff(head: bytes) -> None:
    if not head:
        raise StatementFormatError("empty file")
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise StatementFormatError(f"this is {what}, not a CSV statement")
    if b"\x00" in head:
        raise StatementFormatError("binary file (NUL bytes), not a CSV statement")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SNIFF_BYTES)
    except UnicodeDecodeError as exc:
        raise StatementFormatError(f"not UTF-8 text (byte {exc.start}), not a CSV statement") from exc


_BAD_BYTES = re.compile("[\udc80-\udcff]")


def _blank(row: list[str]) -> bool:
    return not "".join(row).strip()


class Statement(Iterator[StatementLine]):
    """The rows of an opened statement, read lazily (one record in memory at a time)."""

    def __init__(self, text: io.TextIOWrapper, reader, columns: dict[str, int], width: int) -> None:  # type: ignore[no-untyped-def]
        self._text = text
        self._reader = reader
        self.columns = columns
        """Canonical column name → index in a record (``Status`` only when present)."""
        self.width = width
        """The header's field count: what every record must have."""
        self._status = columns.get("Status")
        self._indices = tuple(columns[name] for name in REQUIRED_COLUMNS)
        self._get = operator.itemgetter(*self._indices)

    @property
    def has_status(self) -> bool:
        return self._status is not None

    def __iter__(self) -> Statement:
        return self

    def __next__(self) -> StatementLine:
        reader = self._reader
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except csv.Error as exc:
                return self._line(start, [], f"malformed CSV: {exc}")
            if not row or ((not row[0] or row[0].isspace()) and _blank(row)):
                continue
            problem = None
            if len(row) != self.width and not (len(row) > self.width and _blank(row[self.width :])):
                problem = f"expected {self.width} fields, got {len(row)}"
            return self._line(start, row, problem)

    def _line(self, line_no: int, row: list[str], problem: str | None) -> StatementLine:
        n = len(row)
        if n >= self.width:
            d, a, f, nt, desc = self._get(row)
        else:
            d, a, f, nt, desc = (row[i] if i < n else "" for i in self._indices)
        status = None
        if self._status is not None:
            status = row[self._status] if self._status < n else ""
        if problem is None and _BAD_BYTES.search(f"{d}{a}{f}{nt}{desc}{status or ''}"):
            problem = "invalid UTF-8 bytes"
        return StatementLine(line_no, d, a, f, nt, desc, status, problem)


_CANONICAL = {name.lower(): name for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS}


def open_statement(binary: BinaryIO) -> Statement:
    """Checks that ``binary`` is a CSV statement and reads its header; the rows are read lazily.

    Raises StatementFormatError (MissingColumns for absent columns). Reads ``binary`` from its
    current position, in chunks; does not close it."""
    head = _read_head(binary)
    _sniff(head)
    raw = _Rewound(head, binary)
    text = io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(text)
    try:
        header = next((row for row in reader if not _blank(row)), None)
    except csv.Error as exc:
        raise StatementFormatError(f"not a CSV statement: {exc}") from exc
    if header is None:
        raise StatementFormatError("no header row")
    if any(_BAD_BYTES.search(name) for name in header):
        raise StatementFormatError("the header is not UTF-8 text")
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        canonical = _CANONICAL.get(name.strip().lower())
        if canonical is None:
            continue
        if canonical in columns:
            raise StatementFormatError(f'column "{canonical}" appears twice')
        columns[canonical] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise MissingColumns(missing)
    return Statement(text, reader, columns, len(header))


# ---------------------------------------------------------------------------------------------
# Amounts

_SPACES = re.compile(r"\s+")
_AMOUNT = re.compile(r"(?P<s1>[+-]?)\$?(?P<s2>[+-]?)(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)")
_PLAIN_AMOUNT = re.compile(r"(-?)\$?(\d{1,9})\.(\d\d)")
_CENT = Decimal(1)


def parse_amount_cents(text: str, what: str = "amount") -> int | None:
    """``"$1,234.56"`` → 123456, ``"(5.00)"`` → -500, ``""`` → None; RowRejected otherwise.

    The common ``$25.00``/``-$5.00`` shape is read with integer arithmetic on its digits; every
    other shape goes through :class:`decimal.Decimal`. Both exact, neither touches a float."""
    plain = _PLAIN_AMOUNT.fullmatch(text)
    if plain is not None:
        cents = int(plain[2]) * 100 + int(plain[3])
        return -cents if plain[1] else cents
    s = _SPACES.sub("", text).replace("\u2212", "-")
    if not s:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    m = _AMOUNT.fullmatch(s)
    if m is None or (m["s1"] and m["s2"]) or (negative and (m["s1"] or m["s2"])):
        raise RowRejected(f'unparseable {what} "{text.strip()}"')
    try:
        cents = Decimal(m["num"].replace(",", "")) * 100
    except InvalidOperation as exc:  # pragma: no cover - the pattern only lets digits through
        raise RowRejected(f'unparseable {what} "{text.strip()}"') from exc
    if cents != cents.to_integral_value():
        raise RowRejected(f'{what} "{text.strip()}" has more than 2 decimals')
    value = int(cents)
    if value > MAX_CENTS:
        raise RowRejected(f'{what} out of range "{text.strip()}"')
    return -value if negative or "-" in (m["s1"], m["s2"]) else value


def _fee_of(gross: int) -> int:
    return int((Decimal(gross) * PLATFORM_FEE_RATE).quantize(_CENT, rounding=ROUND_HALF_UP))


# ---------------------------------------------------------------------------------------------
# Dates

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_OF_DATE = re.compile(
    r"\s*(?P<mon>[A-Za-z]+)\.?\s+(?P<day>\d{1,2})\s*,?\s*(?P<year>\d{4})\s*,?\s+"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ap>[AaPp])\.?[Mm]\.?\s*"
)
_ISO_DATE = re.compile(
    r"\s*(?P<year>\d{4})-(?P<mo>\d{2})-(?P<day>\d{2})[Tt ]\s*(?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?"
    r"\s*(?P<z>[Zz]|[+-]\d{2}:?\d{2})?\s*"
)


_last_date: tuple[str, tzinfo | None, datetime | None] = ("", None, None)


def parse_date(text: str, tz: tzinfo) -> datetime:
    """A statement date (see the module docstring) → aware UTC datetime; RowRejected otherwise.

    Exports are sorted and busy creators sell several times a minute, so the last result is kept:
    a row with the same date text as the previous one costs a comparison."""
    global _last_date
    last = _last_date
    if last[0] == text and last[1] is tz:
        return last[2]  # type: ignore[return-value]
    try:
        m = _OF_DATE.fullmatch(text)
        if m is not None:
            mon, day, year, h, mi, sec, ap = m.groups()
            month = _MONTHS.get(mon.lower())
            hour = int(h)
            if month is None or not 1 <= hour <= 12:
                raise ValueError
            if ap in "pP":
                hour = hour % 12 + 12
            elif hour == 12:
                hour = 0
            local = datetime(int(year), month, int(day), hour, int(mi), int(sec) if sec else 0, tzinfo=tz)
        else:
            m = _ISO_DATE.fullmatch(text)
            if m is None:
                raise ValueError
            year, mo, day, h, mi, sec, z = m.groups()
            zone: tzinfo = tz
            if z:
                offset = z.replace(":", "")
                if offset in ("Z", "z"):
                    zone = UTC
                else:
                    sign = -1 if offset[0] == "-" else 1
                    zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
            local = datetime(int(year), int(mo), int(day), int(h), int(mi), int(sec) if sec else 0, tzinfo=zone)
        result = local.astimezone(UTC)  # fold=0 (the constructor's default): see the module docstring
    except (ValueError, OverflowError):
        raise RowRejected(f'unparseable date "{text.strip()}"') from None
    _last_date = (text, tz, result)
    return result


# ---------------------------------------------------------------------------------------------
# Descriptions

_FOR_STREAM = re.compile(r"\s+for\s+(?:the\s+|a\s+)?(?:live\s+)?stream\b.*$", re.IGNORECASE)
_PAREN_HANDLE = re.compile(r"\(\s*@([\w.\-]+)\s*\)")
_BARE_HANDLE = re.compile(r"(?<![\w@.])@([\w.\-]*\w)")
_SALE_WORDING = re.compile(
    r"^\W*(?:for\s+|of\s+)?(?:(?:recurring\s+)?subscription|(?:stream\s+)?tips?(?:\s+for\s+stream)?|"
    r"payment\s+for\s+(?:message|post)|post\s+purchase|message|post|purchase)?\s*(?:from|by)\s+",
    re.IGNORECASE,
)
_FROM_BY = re.compile(r"\b(?:from|by)\s+", re.IGNORECASE)
_STATUS_OK = {"": "complete", "complete": "complete", "completed": "complete", "pending": "pending"}


def _prefix_pattern(prefix: str, kind: str) -> str:
    words = r"\s+".join(re.escape(word) for word in prefix.split())
    return words if kind in REVERSAL_TYPES else words + r"(?=\s|$)"


_PREFIXES = re.compile(
    r"\s*(?:" + "|".join(f"(?P<p{i}>{_prefix_pattern(p, k)})" for i, (p, k) in enumerate(TYPES_BY_PREFIX)) + ")",
    re.IGNORECASE,
)
_KIND_OF_GROUP = {f"p{i}": kind for i, (_, kind) in enumerate(TYPES_BY_PREFIX)}


def _classify(description: str) -> tuple[StatementType, str]:
    """→ (type, the text after the prefix, whitespace collapsed); RowRejected for a non-fan description."""
    m = _PREFIXES.match(description)
    if m is None:
        normal = _SPACES.sub(" ", description).strip()
        raise RowRejected(f'not a fan transaction: unknown description "{normal}"')
    kind = _KIND_OF_GROUP[m.lastgroup]  # type: ignore[index]
    rest = description[m.end() :]
    if "  " in rest or "\n" in rest or "\t" in rest or "\r" in rest or "\u00a0" in rest:
        rest = _SPACES.sub(" ", rest)
    if kind == "tip":
        cut = _FOR_STREAM.search(rest)
        if cut is not None:
            kind, rest = "stream_tip", rest[: cut.start()]
    return kind, rest


def _fan(rest: str, kind: str) -> tuple[str, str]:
    """→ (external id, display name) from the text after the description prefix."""
    at = rest.rfind("(@")
    match = _PAREN_HANDLE.match(rest, at) if at >= 0 else None
    if match is None:
        for found in _PAREN_HANDLE.finditer(rest):  # the last "(@handle)" is the handle
            match = found
    if match is not None:
        handle, name = match.group(1), rest[: match.start()]
    else:
        match = _BARE_HANDLE.search(rest)
        if match is None:
            raise RowRejected("no fan handle in description")
        handle, name = match.group(1), rest[: match.start()]
    if kind in REVERSAL_TYPES:
        wording = _SALE_WORDING.match(name)
        if wording is not None:
            name = name[wording.end() :]
        else:  # unknown wording: the name follows the last "from" or "by"
            name = _FROM_BY.split(name)[-1]
    handle = handle.rstrip(".-")
    if not handle or len(handle) > MAX_HANDLE:
        raise RowRejected("no fan handle in description" if not handle else "fan handle too long")
    name = name.strip(" ,:-–—")[:MAX_DISPLAY_NAME].strip() or handle
    return handle.lower(), name


# ---------------------------------------------------------------------------------------------
# A row


def parse_line(line: StatementLine, tz: tzinfo) -> ParsedRow:
    """One statement line → ParsedRow (rules in the module docstring); RowRejected otherwise."""
    try:
        if line.problem is not None:
            raise RowRejected(line.problem)
        status = "complete"
        if line.status is not None:
            key = _SPACES.sub(" ", line.status).strip().lower()
            found = _STATUS_OK.get(key)
            if found is None:
                raise RowRejected(f'status "{line.status.strip()}" is not a completed sale')
            status = found
        kind, rest = _classify(line.description)
        external_id, display_name = _fan(rest, kind)
        occurred_at = parse_date(line.date, tz)
        gross = parse_amount_cents(line.amount, "amount")
        fee = parse_amount_cents(line.fee, "fee")
        net = parse_amount_cents(line.net, "net")
        if gross is None:
            raise RowRejected("missing amount")
        if gross == 0:
            raise RowRejected("zero amount")
        if gross < 0 and kind in SALE_TYPES:
            kind = "refund"
        g = abs(gross)
        if fee is None and net is None:
            f = _fee_of(g)
            n = g - f
        elif fee is None:
            n = abs(net)  # type: ignore[arg-type]
            f = g - n
        elif net is None:
            f = abs(fee)
            n = g - f
        else:
            f, n = abs(fee), abs(net)
            if g - f != n:
                raise RowRejected("amount, fee and net do not add up")
        if f < 0 or n < 0:
            raise RowRejected("amount, fee and net do not add up")
        if kind in REVERSAL_TYPES:
            g, f, n = -g, -f, -n
        return ParsedRow(line.line_no, kind, external_id, display_name, g, f, n, occurred_at, status)  # type: ignore[arg-type]
    except RowRejected as exc:
        exc.line_no = line.line_no
        raise
