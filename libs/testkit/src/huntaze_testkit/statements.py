"""A realistic OnlyFans statement export ("Statements → Earnings" CSV), generated, with the totals a
correct importer must arrive at. Used by integration tests and benchmarks.

    statement = generate_statement(seed=7, rows=200_000, start=datetime(2026, 9, 1), tz=ZoneInfo("America/New_York"))
    with open(path, "wb") as f:
        statement.write(f)             # streamed: rows are generated while written, never held
    statement.expected.by_source["tips"].net_cents
    list(statement.connector_sales(0, 50))   # the same sales as the connector would post them

Deterministic: the same arguments give the same bytes. Rows are regenerated from the seed on each
pass (``write``, ``expected``, ``connector_sales``), so memory does not grow with ``rows``.

The file: columns ``Date,Amount,Fee,Net,Description,Status``; UTF-8 (``bom=True`` adds a BOM); CRLF
(``crlf=False``: LF); dates in the OnlyFans format (``"Nov 3, 2026 8:14 pm"``) in ``tz``, newest
first, a row every 0.75 minute on average (``start`` = the oldest row; naive = wall clock in ``tz``,
aware = converted to ``tz``). The wall clock is the truth: UTC = wall clock read in ``tz`` with
``fold=0``, the rule of ``fans.statement`` (so rows in a DST gap or overlap agree with the parser).
No field contains a line break, so a row's line number is its index + 2.

Types are balanced: each row takes the type with the fewest rows so far (ties broken by the seed),
so every one of the 8 types has at least ``(expected.valid_rows - 1) // 8`` rows (``rows // 8``
without edge cases). Refunds and chargebacks are stored negative, as in ``TransactionRecorded``.

``edge_cases=True`` (needs ``rows >= 100`` and ``fans >= 5``) forces, and accounts for: amounts of
$1,000 and more (``$1,234.56``), Fee and/or Net left empty (derived: 20 % rounded half-up), names with
commas, quotes, unicode and parentheses (quoted CSV fields), a handle-only fan, a mixed-case handle,
two identical sales by one fan in one minute (both count), a refund written as a sale with a
negative amount, refunds in ``(9.99)``, ``$-9.99`` and ``−9.99`` notation, a chargeback with
positive amounts, ``Pending``, ``Completed`` and empty statuses, upper-case and double-spaced
descriptions, the stream-tip wordings, ``Payment for post from``, amounts without ``$``; and four
INVALID rows listed in ``expected.rejected`` as ``(line_no, reason substring)``: an unparseable
amount, an unparseable date (day 31 of a 30-day month...), an unknown description (``Referral
payment``) and a ``Reversed`` status. Beyond the forced ones, ~2 % of rows get a random variation.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

__all__ = [
    "COLUMNS",
    "SOURCES",
    "TYPES",
    "ExpectedTotals",
    "GeneratedStatement",
    "Totals",
    "generate_statement",
]

COLUMNS = ("Date", "Amount", "Fee", "Net", "Description", "Status")
TYPES = ("subscription", "renewal", "message", "post", "tip", "stream_tip", "refund", "chargeback")
SOURCES: dict[str, tuple[str, ...]] = {
    "subscriptions": ("subscription", "renewal"),
    "messages": ("message",),
    "posts": ("post",),
    "tips": ("tip", "stream_tip"),
    "refunds": ("refund",),
    "chargebacks": ("chargeback",),
}
_SOURCE_OF = {t: source for source, types in SOURCES.items() for t in types}
_REVERSALS = ("refund", "chargeback")
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class Totals:
    gross_cents: int = 0
    fee_cents: int = 0
    net_cents: int = 0
    count: int = 0

    def add(self, gross: int, fee: int, net: int) -> None:
        self.gross_cents += gross
        self.fee_cents += fee
        self.net_cents += net
        self.count += 1


@dataclass
class ExpectedTotals:
    """What a correct import of the statement arrives at (signed: reversals are negative)."""

    by_type: dict[str, Totals] = field(default_factory=lambda: {t: Totals() for t in TYPES})
    by_source: dict[str, Totals] = field(default_factory=lambda: {s: Totals() for s in SOURCES})
    gross_cents: int = 0
    fee_cents: int = 0
    net_cents: int = 0
    net_by_fan: dict[str, int] = field(default_factory=dict)
    """Fan external id (lower-case handle) → net cents."""
    valid_rows: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    """(line number, a substring of the reason) of each row the importer must reject."""

    def _add(self, row: _Row) -> None:
        if row.reject is not None:
            self.rejected.append((row.line_no, row.reject))
            return
        assert row.type is not None and row.fan is not None
        self.by_type[row.type].add(row.gross, row.fee, row.net)
        self.by_source[_SOURCE_OF[row.type]].add(row.gross, row.fee, row.net)
        self.gross_cents += row.gross
        self.fee_cents += row.fee
        self.net_cents += row.net
        self.net_by_fan[row.fan.external_id] = self.net_by_fan.get(row.fan.external_id, 0) + row.net
        self.valid_rows += 1


@dataclass(frozen=True, slots=True)
class _Fan:
    external_id: str
    handle: str
    """As written in the file (may have capitals)."""
    name: str | None

    @property
    def text(self) -> str:
        return f"{self.name} (@{self.handle})" if self.name else f"@{self.handle}"

    @property
    def display_name(self) -> str:
        return self.name or self.handle


@dataclass(frozen=True, slots=True)
class _Row:
    index: int
    line_no: int
    fields: tuple[str, ...]
    type: str | None
    fan: _Fan | None
    gross: int
    fee: int
    net: int
    occurred_at: datetime
    second: float
    reject: str | None = None


_SPECIAL_FANS = (
    ("Ana, María", "ana.maria"),  # a comma and an accent: a quoted field
    ("Zoë (LA) ✨", "zoe_la"),  # unicode and parentheses
    ('Mike "The Boss"', "bossmike"),  # quotes, doubled in the CSV
    (None, "u48213377"),  # no display name: "@u48213377"
    ("Jake", "Jake_88"),  # mixed-case handle: external id "jake_88"
)
_FIRST = (
    "Jake", "Mia", "Liam", "Noah", "Emma", "Olivia", "Ava", "Lucas", "Ethan", "Chloe", "Mateo", "Sofía",
    "Zoë", "Björn", "Renée", "Łukasz", "Hiro", "Aarav", "Yuki", "Chen", "Kwame", "Amara", "Diego", "Nora",
)  # fmt: skip
_PRICES = {
    "subscription": (499, 799, 999, 1299, 1499, 1999, 2499),
    "renewal": (499, 799, 999, 1299, 1499, 1999, 2499),
    "message": (300, 500, 799, 999, 1500, 2000, 2500, 3500, 4999),
    "post": (500, 799, 1000, 1500, 2500),
    "tip": (100, 200, 500, 1000, 2000, 5000, 10000),
    "stream_tip": (100, 200, 300, 500, 1000, 2500),
}
_WORDING = {
    "subscription": ("Subscription from {fan}",),
    "renewal": ("Recurring subscription from {fan}",),
    "message": ("Payment for message from {fan}",),
    "post": ("Post purchase by {fan}",),
    "tip": ("Tip from {fan}",),
    "stream_tip": ("Stream tip from {fan}",),
}
_WORDING_VARIANTS = {
    "post": ("Payment for post from {fan}",),
    "stream_tip": ("Tip from {fan} for stream", "Tips for stream from {fan}"),
}
_REVERSED_SALE = (
    ("message", "message from"),
    ("message", "payment for message from"),
    ("tip", "tip from"),
    ("subscription", "subscription from"),
    ("post", "post purchase by"),
)

# Edge cases applied once each to the first eligible row at or after a seeded position.
_EDGES: dict[str, tuple[str, ...] | None] = {  # kind → eligible types (None: any)
    "thousands": ("tip", "message"),
    "missing_fee_net": None,
    "missing_fee": None,
    "missing_net": None,
    "pending": None,
    "completed": None,
    "empty_status": None,
    "plain_amount": None,
    "negative_sale_refund": ("refund",),
    "paren_refund": ("refund",),
    "dollar_minus_refund": ("refund",),
    "unicode_minus_refund": ("refund",),
    "positive_chargeback": ("chargeback",),
    "upper_case": None,
    "double_spaces": None,
    "tip_for_stream": ("stream_tip",),
    "tips_for_stream": ("stream_tip",),
    "payment_for_post": ("post",),
    "fan_0": None,
    "fan_1": None,
    "fan_2": None,
    "fan_3": None,
    "fan_4": None,
}
_INVALID = {
    "bad_amount": "unparseable amount",
    "bad_date": "unparseable date",
    "unknown_description": "unknown description",
    "reversed": 'status "Reversed"',
}
_RANDOM_EDGE_RATE = 0.02


def _fee(gross: int) -> int:
    """20 % rounded half-up to the cent (gross ≥ 0)."""
    return (gross * 20 + 50) // 100


def _money(cents: int, style: str = "$") -> str:
    """``style``: "$" → -$5.00, "$-" → $-5.00, "()" → (5.00), "−" → −5.00, "" → -5.00."""
    body = f"{abs(cents) // 100:,}.{abs(cents) % 100:02d}"
    if cents >= 0:
        return ("" if style == "" else "$") + body
    return {"$": "-$" + body, "$-": "$-" + body, "()": f"({body})", "−": "\u2212" + body, "": "-" + body}[style]


def _date_text(wall: datetime, day: int | None = None) -> str:
    hour = wall.hour % 12 or 12
    ampm = "am" if wall.hour < 12 else "pm"
    return f"{_MONTHS[wall.month]} {wall.day if day is None else day}, {wall.year} {hour}:{wall.minute:02d} {ampm}"


def _ascii(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower())


class GeneratedStatement:
    """A statement generated from a seed; see the module docstring."""

    def __init__(
        self,
        *,
        seed: int,
        rows: int,
        start: datetime,
        tz: ZoneInfo,
        fans: int,
        edge_cases: bool,
        bom: bool,
        crlf: bool,
    ) -> None:
        if rows < 0 or fans < 1:
            raise ValueError("rows must be >= 0 and fans >= 1")
        if edge_cases and (rows < 100 or fans < len(_SPECIAL_FANS)):
            raise ValueError(f"edge_cases needs rows >= 100 and fans >= {len(_SPECIAL_FANS)}")
        self.seed, self.rows, self.tz, self.fans = seed, rows, tz, fans
        self.edge_cases, self.bom, self.crlf = edge_cases, bom, crlf
        if start.tzinfo is not None:
            start = start.astimezone(tz).replace(tzinfo=None)
        self.start = start.replace(second=0, microsecond=0)
        """Wall clock (in ``tz``) of the oldest row."""
        self._expected: ExpectedTotals | None = None

    # -- output --------------------------------------------------------------------------

    @property
    def expected(self) -> ExpectedTotals:
        """The totals (computed by one generation pass, or as a by-product of ``write``)."""
        if self._expected is None:
            expected = ExpectedTotals()
            for row in self._rows():
                expected._add(row)
            self._expected = expected
        return self._expected

    def write(self, fileobj: BinaryIO) -> None:
        """Streams the CSV into a binary file object (rows generated as they are written)."""
        text = io.TextIOWrapper(fileobj, encoding="utf-8-sig" if self.bom else "utf-8", newline="")
        try:
            writer = csv.writer(text, lineterminator="\r\n" if self.crlf else "\n")
            writer.writerow(COLUMNS)
            expected = ExpectedTotals()
            for row in self._rows():
                writer.writerow(row.fields)
                expected._add(row)
            self._expected = expected
        finally:
            text.flush()
            text.detach()

    def csv_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.write(buffer)
        return buffer.getvalue()

    def connector_sales(self, start: int = 0, stop: int | None = None) -> Iterator[dict[str, Any]]:
        """The valid rows with index in ``[start, stop)`` (0 = the first data row, the newest) as the
        connector posts them: its own external id, a timestamp precise to the microsecond within
        the statement row's minute, the same fan, type and signed cents."""
        stop = self.rows if stop is None else min(stop, self.rows)
        for row in self._rows():
            if row.index >= stop:
                return
            if row.index < start or row.reject is not None:
                continue
            assert row.fan is not None
            yield {
                "external_id": f"of_tx_{self.seed}_{row.index}",
                "fan": {"external_id": row.fan.external_id, "display_name": row.fan.display_name},
                "type": row.type,
                "gross_cents": row.gross,
                "fee_cents": row.fee,
                "net_cents": row.net,
                "currency": "USD",
                "occurred_at": (row.occurred_at + timedelta(seconds=row.second)).isoformat(),
            }

    # -- generation ----------------------------------------------------------------------

    def _fan_pool(self, rng: Random) -> list[_Fan]:
        pool: list[_Fan] = []
        taken: set[str] = set()
        if self.edge_cases:
            for name, handle in _SPECIAL_FANS:
                pool.append(_Fan(handle.lower(), handle, name))
                taken.add(handle.lower())
        while len(pool) < self.fans:
            first = rng.choice(_FIRST)
            handle = f"{_ascii(first)}{rng.choice(('', '_', '.'))}{rng.randint(1, 99999)}"
            if handle in taken:
                continue
            taken.add(handle)
            r = rng.random()
            name = None if r < 0.15 else first if r < 0.6 else f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}."
            pool.append(_Fan(handle, handle, name))
        return pool

    def _rows(self) -> Iterator[_Row]:
        rng = Random(self.seed)
        pool = self._fan_pool(rng)
        n_fans = len(pool)
        rows = self.rows
        invalid: dict[int, str] = {}
        edges: list[tuple[int, str]] = []
        duplicate = -1
        if self.edge_cases:
            duplicate = rng.randrange(rows // 4, rows // 2)  # the first sale from there is sold twice
            invalid = dict(zip(rng.sample(range(rows * 3 // 4, rows), len(_INVALID)), _INVALID, strict=True))
            edges = sorted((rng.randrange(0, rows // 4), kind) for kind in _EDGES)
        counts = dict.fromkeys(TYPES, 0)
        pending: list[str] = []
        previous: _Row | None = None
        for index in range(rows):
            k = rows - 1 - index  # 0 = the oldest row
            wall = self.start + timedelta(minutes=(k * 3) // 4)
            line_no = index + 2
            if previous is not None:  # the same sale again, same minute
                counts[previous.type or ""] += 1
                row = _Row(
                    index, line_no, previous.fields, previous.type, previous.fan,
                    previous.gross, previous.fee, previous.net, previous.occurred_at, rng.uniform(0, 60),
                )  # fmt: skip
                previous = None
                yield row
                continue
            while edges and edges[0][0] <= index:
                pending.append(edges.pop(0)[1])
            if index in invalid:
                yield self._invalid(rng, index, line_no, wall, invalid[index], pool)
                continue
            least = min(counts.values())
            kind = rng.choice([t for t in TYPES if counts[t] == least])
            counts[kind] += 1
            row = self._valid(rng, index, line_no, wall, kind, pool, n_fans, pending)
            if duplicate >= 0 and index >= duplicate and kind not in _REVERSALS:
                previous, duplicate = row, -1
            yield row
        if pending or edges:
            raise RuntimeError(f"edge cases not placed: {pending + [kind for _, kind in edges]}")

    def _valid(
        self,
        rng: Random,
        index: int,
        line_no: int,
        wall: datetime,
        kind: str,
        pool: list[_Fan],
        n_fans: int,
        pending: list[str],
    ) -> _Row:
        random_edges = self.edge_cases and rng.random() < _RANDOM_EDGE_RATE
        applied: set[str] = set()
        for edge in list(pending):
            eligible = _EDGES[edge]
            if eligible is not None and kind not in eligible:
                continue
            if edge.startswith("fan_") and any(a.startswith("fan_") for a in applied):
                continue
            if not edge.startswith("fan_") and any(not a.startswith("fan_") for a in applied):
                continue
            applied.add(edge)
            pending.remove(edge)
        if random_edges and not applied:
            choices = [e for e, eligible in _EDGES.items() if eligible is None or kind in eligible]
            applied.add(rng.choice(choices))

        fan_edge = next((a for a in applied if a.startswith("fan_")), None)
        fan = pool[int(fan_edge[4:])] if fan_edge else pool[int(rng.random() ** 2 * n_fans)]
        sale = kind
        if kind in _REVERSALS:
            sale, wording = rng.choice(_REVERSED_SALE)
            title = "Refund" if kind == "refund" else "Chargeback"
            description = f"{title} for {wording} {fan.text}"
        else:
            templates = _WORDING[kind]
            if "tip_for_stream" in applied:
                templates = ("Tip from {fan} for stream",)
            elif "tips_for_stream" in applied:
                templates = ("Tips for stream from {fan}",)
            elif "payment_for_post" in applied:
                templates = ("Payment for post from {fan}",)
            description = rng.choice(templates).format(fan=fan.text)
        if "negative_sale_refund" in applied:
            description = rng.choice(_WORDING[sale]).format(fan=fan.text)

        if "thousands" in applied:
            gross = 123456 if kind == "tip" else rng.randint(100_000, 500_000)
        elif self.edge_cases and kind in ("tip", "message") and rng.random() < 0.005:
            gross = rng.randint(100_000, 500_000)
        elif kind == "tip" and rng.random() < 0.3:
            gross = rng.randint(100, 9_999)
        else:
            gross = rng.choice(_PRICES[sale])
        fee = _fee(gross)
        net = gross - fee

        sign = -1 if kind in _REVERSALS else 1
        style = "$"
        if "paren_refund" in applied:
            style = "()"
        elif "dollar_minus_refund" in applied:
            style = "$-"
        elif "unicode_minus_refund" in applied:
            style = "−"
        elif "plain_amount" in applied:
            style = ""
        written = 1 if "positive_chargeback" in applied else sign  # the sign as the file shows it
        amount_text = _money(written * gross, style)
        fee_text = _money(written * fee, style)
        net_text = _money(written * net, style)
        if "missing_fee_net" in applied:
            fee_text = net_text = ""
        elif "missing_fee" in applied:
            fee_text = ""
        elif "missing_net" in applied:
            net_text = ""

        if "upper_case" in applied:
            at = description.index(fan.text)
            description = description[:at].upper() + description[at:]
        elif "double_spaces" in applied:
            description = description.replace(" ", "  ", 2)

        status = "Complete"
        if "pending" in applied:
            status = "Pending"
        elif "completed" in applied:
            status = "Completed"
        elif "empty_status" in applied:
            status = ""

        occurred_at = wall.replace(tzinfo=self.tz).astimezone(UTC)
        fields = (_date_text(wall), amount_text, fee_text, net_text, description, status)
        return _Row(
            index, line_no, fields, kind, fan, sign * gross, sign * fee, sign * net, occurred_at, rng.uniform(0, 60)
        )

    def _invalid(self, rng: Random, index: int, line_no: int, wall: datetime, defect: str, pool: list[_Fan]) -> _Row:
        kind = rng.choice(TYPES[:6])
        fan = pool[rng.randrange(len(pool))]
        gross = rng.choice(_PRICES[kind])
        date = _date_text(wall)
        amount, fee, net = _money(gross), _money(_fee(gross)), _money(gross - _fee(gross))
        description = _WORDING[kind][0].format(fan=fan.text)
        status = "Complete"
        if defect == "bad_amount":
            amount = amount[:2] + "x" + amount[3:]  # "$25.00" → "$2x.00"
        elif defect == "bad_date":
            date = _date_text(wall, day=calendar.monthrange(wall.year, wall.month)[1] + 1)
        elif defect == "unknown_description":
            description = "Referral payment"
        else:
            status = "Reversed"
        occurred_at = wall.replace(tzinfo=self.tz).astimezone(UTC)
        return _Row(index, line_no, (date, amount, fee, net, description, status), None, None, 0, 0, 0,
                    occurred_at, 0.0, _INVALID[defect])  # fmt: skip


def generate_statement(
    *,
    seed: int,
    rows: int,
    start: datetime,
    tz: ZoneInfo,
    fans: int = 300,
    edge_cases: bool = True,
    bom: bool = False,
    crlf: bool = True,
) -> GeneratedStatement:
    """A deterministic statement of ``rows`` data rows (see the module docstring). Cheap: nothing is
    generated until ``write``, ``csv_bytes``, ``expected`` or ``connector_sales`` is used."""
    return GeneratedStatement(
        seed=seed, rows=rows, start=start, tz=tz, fans=fans, edge_cases=edge_cases, bom=bom, crlf=crlf
    )
