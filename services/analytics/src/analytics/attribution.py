"""Which chatter a sale is attributed to, and why (pure rules of the append-only sales ledger).

A sale is attributed to a person when

- it unlocks an offer they made (one to one, or a copy of a mass message they created) — the
  ``ppv.unlocked`` event names them (``by.user_id``); an offer the autopilot sent is nobody's;
- or, for a sale that unlocks none of our offers (a tip, a post, a subscription, a paid message sent
  outside Huntaze), it comes within the window after a reply a person approved to that fan: the last
  such reply wins.

A line is never changed after the fact. A refund or chargeback is a new, negative line against the
sale it reverses: the unlock of the offer its ``ref`` names, or else that fan's latest attributed sale
before it that is not reversed in full yet. A reversal of a sale nobody was credited with is nobody's.

Every line says why, in words a commission dispute can be settled with.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

REVERSAL_TYPES = frozenset({"refund", "chargeback"})


class LineKind(StrEnum):
    UNLOCK = "unlock"
    """The sale unlocked the chatter's offer (or a copy of their mass message)."""
    AFTER_REPLY = "after_reply"
    """The sale came within the window after the chatter's reply to that fan."""
    REVERSAL = "reversal"
    """A refund or chargeback of a sale credited to the chatter (negative amounts)."""


@dataclass(frozen=True)
class Reply:
    """A reply a person approved, as ``reply.sent`` reported it."""

    message_id: uuid.UUID
    fan_id: uuid.UUID
    chatter_id: uuid.UUID
    shift_id: uuid.UUID | None
    sent_at: datetime


@dataclass(frozen=True)
class Sale:
    """A transaction as ``transaction.recorded`` reported it (reversals have negative amounts)."""

    transaction_id: uuid.UUID
    fan_id: uuid.UUID
    type: str
    gross_cents: int
    net_cents: int
    currency: str
    occurred_at: datetime
    ref_kind: str | None = None
    ref_id: str | None = None

    @property
    def reversal(self) -> bool:
        return self.type in REVERSAL_TYPES

    @property
    def unlocks_an_offer(self) -> bool:
        return self.ref_kind == "message"


@dataclass(frozen=True)
class Unlock:
    """An offer's unlock, as ``ppv.unlocked`` reported it."""

    offer_id: uuid.UUID
    transaction_id: uuid.UUID
    fan_id: uuid.UUID
    chatter_id: uuid.UUID | None
    shift_id: uuid.UUID | None
    mass_message_id: uuid.UUID | None
    gross_cents: int
    net_cents: int
    currency: str
    unlocked_at: datetime


@dataclass(frozen=True)
class Line:
    transaction_id: uuid.UUID
    fan_id: uuid.UUID
    chatter_id: uuid.UUID
    shift_id: uuid.UUID | None
    kind: LineKind
    reason: str
    gross_cents: int
    net_cents: int
    currency: str
    occurred_at: datetime
    offer_id: uuid.UUID | None = None
    mass_message_id: uuid.UUID | None = None
    reply_message_id: uuid.UUID | None = None
    reverses: uuid.UUID | None = None
    """REVERSAL: the transaction of the sale it reverses."""


def unlock_line(unlock: Unlock) -> Line | None:
    """The line of an unlock; None for an offer the autopilot sent (nobody made it)."""
    if unlock.chatter_id is None:
        return None
    made = f"mass message {unlock.mass_message_id}" if unlock.mass_message_id else f"offer {unlock.offer_id}"
    return Line(
        transaction_id=unlock.transaction_id,
        fan_id=unlock.fan_id,
        chatter_id=unlock.chatter_id,
        shift_id=unlock.shift_id,
        kind=LineKind.UNLOCK,
        reason=f"unlocked {made}, made by {unlock.chatter_id}"
        + (f" on shift {unlock.shift_id}" if unlock.shift_id else ""),
        gross_cents=unlock.gross_cents,
        net_cents=unlock.net_cents,
        currency=unlock.currency,
        occurred_at=unlock.unlocked_at,
        offer_id=unlock.offer_id,
        mass_message_id=unlock.mass_message_id,
    )


def after_reply_line(
    sale: Sale, replies: Sequence[Reply], window: timedelta, *, offer_known: bool = False
) -> Line | None:
    """The line of a sale that unlocks none of our offers (``offer_known``: its ``ref`` is an offer
    the inbox made, whose unlock is credited by :func:`unlock_line`): the last reply a person
    approved to that fan within ``window`` before it (a reply at the very instant of the sale
    counts). None: nobody's."""
    if sale.reversal or sale.gross_cents <= 0 or (sale.unlocks_an_offer and offer_known):
        return None
    candidates = [
        r for r in replies if r.fan_id == sale.fan_id and sale.occurred_at - window <= r.sent_at <= sale.occurred_at
    ]
    if not candidates:
        return None
    last = max(candidates, key=lambda r: (r.sent_at, r.message_id))
    minutes = round((sale.occurred_at - last.sent_at).total_seconds() / 60)
    return Line(
        transaction_id=sale.transaction_id,
        fan_id=sale.fan_id,
        chatter_id=last.chatter_id,
        shift_id=last.shift_id,
        kind=LineKind.AFTER_REPLY,
        reason=f"{sale.type} {minutes} min after reply {last.message_id} by {last.chatter_id} "
        f"(window {_hours(window)})",
        gross_cents=sale.gross_cents,
        net_cents=sale.net_cents,
        currency=sale.currency,
        occurred_at=sale.occurred_at,
        reply_message_id=last.message_id,
    )


def reversal_line(reversal: Sale, credited: Sequence[Line], *, offer_known: bool = True) -> Line | None:
    """The negative line of a refund or chargeback, against the sale it reverses among the fan's
    ``credited`` lines (sales and earlier reversals); None when that sale was nobody's. A reversal
    naming one of our offers (``offer_known``) reverses that offer's unlock only; one naming a paid
    message sent outside Huntaze reverses the fan's latest credited sale, like one naming nothing."""
    if not reversal.reversal:
        return None
    mine = [line for line in credited if line.fan_id == reversal.fan_id and line.currency == reversal.currency]
    left = {line.transaction_id: line.gross_cents for line in mine if line.kind is not LineKind.REVERSAL}
    for line in mine:
        if line.kind is LineKind.REVERSAL and line.reverses in left:
            left[line.reverses] += line.gross_cents  # negative: what is left to reverse
    target: Line | None = None
    if reversal.unlocks_an_offer and reversal.ref_id is not None and offer_known:
        target = next((line for line in mine if str(line.offer_id) == reversal.ref_id), None)
    else:
        open_sales = [
            line
            for line in mine
            if line.kind is not LineKind.REVERSAL
            and line.occurred_at <= reversal.occurred_at
            and left[line.transaction_id] > 0
        ]
        target = max(open_sales, key=lambda line: (line.occurred_at, str(line.transaction_id)), default=None)
    if target is None:
        return None
    return Line(
        transaction_id=reversal.transaction_id,
        fan_id=reversal.fan_id,
        chatter_id=target.chatter_id,
        shift_id=target.shift_id,
        kind=LineKind.REVERSAL,
        reason=f"{reversal.type} of transaction {target.transaction_id}, credited to {target.chatter_id}",
        gross_cents=reversal.gross_cents,
        net_cents=reversal.net_cents,
        currency=reversal.currency,
        occurred_at=reversal.occurred_at,
        offer_id=target.offer_id,
        mass_message_id=target.mass_message_id,
        reverses=target.transaction_id,
    )


def _hours(window: timedelta) -> str:
    hours = window.total_seconds() / 3600
    return f"{hours:g} h"
