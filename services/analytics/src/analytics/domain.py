"""Rules of the analytics read models (pure): what a transaction counts as, and money figures.

Money is integer minor units (cents) plus a currency, never a float. A report is in one currency:
amounts in different currencies are never added together.

Source lines (``by_source``): every transaction type belongs to exactly one line —

    subscriptions  subscription, renewal        messages  message (paid message / PPV unlock)
    posts          post                         tips      tip, stream_tip
    refunds        refund (negative amounts)    chargebacks  chargeback (negative amounts)

Reversals carry negative amounts, so the plain sum of every line is the revenue: gross and net
totals already have refunds and chargebacks subtracted. ``transactions`` counts every fact, sales
and reversals; a *paying fan* is a fan with at least one sale (not a reversal) in the period.

ARPPU (average revenue per paying user) = net ÷ paying fans, in integer cents rounded to the
nearest cent, halves away from zero (ROUND_HALF_UP: 100/3 → 33, 50/4 → 13, -50/4 → -13); 0 when
there is no paying fan.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from huntaze_events import (
    Envelope,
    SubscriptionExpired,
    SubscriptionRenewed,
    SubscriptionStarted,
    TransactionRecorded,
)

Line = Literal["subscriptions", "messages", "posts", "tips", "refunds", "chargebacks"]
LINES: tuple[Line, ...] = ("subscriptions", "messages", "posts", "tips", "refunds", "chargebacks")
REVERSAL_LINES: frozenset[str] = frozenset({"refunds", "chargebacks"})
LINE_OF_TYPE: dict[str, Line] = {
    "subscription": "subscriptions",
    "renewal": "subscriptions",
    "message": "messages",
    "post": "posts",
    "tip": "tips",
    "stream_tip": "tips",
    "refund": "refunds",
    "chargeback": "chargebacks",
}

SubscriptionEvent = SubscriptionStarted | SubscriptionRenewed | SubscriptionExpired


# money --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Amount:
    """Gross and net cents of some transactions, and how many they were."""

    gross_cents: int = 0
    net_cents: int = 0
    count: int = 0

    def __add__(self, other: Amount) -> Amount:
        return Amount(self.gross_cents + other.gross_cents, self.net_cents + other.net_cents, self.count + other.count)


ZERO = Amount()


@dataclass(frozen=True)
class Breakdown:
    """An amount split by source line (every line present, zeros included)."""

    by_line: dict[Line, Amount]

    @classmethod
    def of(cls, parts: Iterable[tuple[Line, Amount]]) -> Breakdown:
        by_line = dict.fromkeys(LINES, ZERO)
        for line, amount in parts:
            by_line[line] = by_line[line] + amount
        return cls(by_line)

    @property
    def total(self) -> Amount:
        return total_of(self.by_line.values())

    def __add__(self, other: Breakdown) -> Breakdown:
        return Breakdown({line: self.by_line[line] + other.by_line[line] for line in LINES})

    @classmethod
    def add_up(cls, breakdowns: Sequence[Breakdown]) -> Breakdown:
        return cls({line: total_of([b.by_line[line] for b in breakdowns]) for line in LINES})


def total_of(amounts: Iterable[Amount]) -> Amount:
    """The sum of many amounts (integer sums: no intermediate objects)."""
    amounts = list(amounts)
    return Amount(sum(a.gross_cents for a in amounts), sum(a.net_cents for a in amounts), sum(a.count for a in amounts))


def arppu_cents(net_cents: int, paying_fans: int) -> int:
    """Net per paying fan in whole cents, halves away from zero; 0 without a paying fan."""
    if paying_fans <= 0:
        return 0
    magnitude = (2 * abs(net_cents) + paying_fans) // (2 * paying_fans)
    return magnitude if net_cents >= 0 else -magnitude


@dataclass(frozen=True)
class PeriodFigures:
    """What a period earned."""

    gross_cents: int = 0
    net_cents: int = 0
    transactions: int = 0
    paying_fans: int = 0

    @property
    def arppu_cents(self) -> int:
        return arppu_cents(self.net_cents, self.paying_fans)


# facts kept from the events -----------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """One transaction as analytics keeps it (stored once per ``transaction_id``)."""

    transaction_id: uuid.UUID
    creator_id: uuid.UUID
    fan_id: uuid.UUID
    type: str
    line: Line
    gross_cents: int
    fee_cents: int
    net_cents: int
    currency: str
    occurred_at: datetime

    @property
    def amount(self) -> Amount:
        return Amount(self.gross_cents, self.net_cents, 1)

    @property
    def is_sale(self) -> bool:
        return self.line not in REVERSAL_LINES


@dataclass(frozen=True)
class FanName:
    """How the latest event about a fan named them (``seen_at``: that event's time)."""

    creator_id: uuid.UUID
    fan_id: uuid.UUID
    external_id: str
    display_name: str
    seen_at: datetime


@dataclass(frozen=True)
class SubscriptionPeriod:
    """One subscription of a fan, from ``started_at`` (its identity with the fan) to ``ended_at``
    once it expired; ``expires_at`` is the latest expiry announced (renewals move it)."""

    creator_id: uuid.UUID
    fan_id: uuid.UUID
    started_at: datetime
    expires_at: datetime
    ended_at: datetime | None


def fact_of(event: Envelope[TransactionRecorded]) -> Fact:
    t = event.payload
    return Fact(
        transaction_id=t.transaction_id,
        creator_id=event.creator_id,
        fan_id=t.fan_id,
        type=t.type,
        line=LINE_OF_TYPE[t.type],
        gross_cents=t.gross_cents,
        fee_cents=t.fee_cents,
        net_cents=t.net_cents,
        currency=t.currency,
        occurred_at=t.occurred_at,
    )


def facts_of(events: Sequence[Envelope[TransactionRecorded]]) -> list[Fact]:
    """One fact per transaction id (a transaction delivered twice in a batch counts once)."""
    facts: dict[uuid.UUID, Fact] = {}
    for event in events:
        facts.setdefault(event.payload.transaction_id, fact_of(event))
    return sorted(facts.values(), key=lambda f: f.transaction_id)


def fan_names_of(events: Sequence[Envelope[TransactionRecorded] | Envelope[SubscriptionEvent]]) -> list[FanName]:
    """The newest name of each fan in the batch (by the event's time), in key order."""
    names: dict[tuple[uuid.UUID, uuid.UUID], FanName] = {}
    for event in events:
        fan = event.payload.fan
        key = (event.creator_id, event.payload.fan_id)
        known = names.get(key)
        if known is None or known.seen_at < event.occurred_at:
            names[key] = FanName(key[0], key[1], fan.external_id, fan.display_name, event.occurred_at)
    return [names[key] for key in sorted(names)]


def periods_of(events: Sequence[Envelope[SubscriptionEvent]]) -> list[SubscriptionPeriod]:
    """One period per (creator, fan, started_at), folding the batch's events the way storage folds
    them with what it holds: latest expiry, latest end. The fold is commutative, so events applied
    twice or out of order give the same periods."""
    periods: dict[tuple[uuid.UUID, uuid.UUID, datetime], SubscriptionPeriod] = {}
    for event in events:
        p = event.payload
        ended = p.expired_at if isinstance(p, SubscriptionExpired) else None
        key = (event.creator_id, p.fan_id, p.started_at)
        periods[key] = merge_period(
            periods.get(key), SubscriptionPeriod(key[0], key[1], p.started_at, p.expires_at, ended)
        )
    return [periods[key] for key in sorted(periods)]


def merge_period(known: SubscriptionPeriod | None, new: SubscriptionPeriod) -> SubscriptionPeriod:
    if known is None:
        return new
    ends = [e for e in (known.ended_at, new.ended_at) if e is not None]
    return SubscriptionPeriod(
        known.creator_id,
        known.fan_id,
        known.started_at,
        max(known.expires_at, new.expires_at),
        max(ends) if ends else None,
    )
