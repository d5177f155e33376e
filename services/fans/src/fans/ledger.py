"""Transactions: validation rules, the platform fee, and the rule that matches the same sale
arriving twice (live from the connector and later from a statement, or the other way round).

Matching rule (documented in the README):
1. A connector transaction is identified by (creator, its ``external_id``): the same id again is a
   duplicate, whatever else it says.
2. A sale has a *match key*: fan + type + gross amount + currency + the UTC minute it happened
   (statements show minutes only). Within one source, the n-th sale with a given key is
   ``(key, n)`` (two $5 tips in the same minute are two sales: ``n = 1, 2``).
3. A statement row ``(key, n)`` that already exists — from an earlier statement, an overlapping one,
   or the connector — is a duplicate. Re-importing a file, or importing overlapping files, adds nothing.
4. A connector sale whose key matches a statement row not yet claimed by a connector id claims it
   (the row keeps its amounts and gets the connector's id and ref) and is a duplicate; otherwise it
   is a new sale ``(key, max n + 1)``.
So a sale counts once whichever way, and in whichever order, it arrives; identical sales in the
same minute count as many times as the source that saw more of them says.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from huntaze_events import REVERSAL_TYPES, TransactionType

PLATFORM_FEE = Decimal("0.20")
"""OnlyFans keeps 20 % of every payment; used when a source gives no fee or net."""

SUBSCRIPTION_PERIOD = timedelta(days=30)
"""What one subscription payment buys when the source does not say (OnlyFans' month)."""

Source = Literal["connector", "statement"]
Outcome = Literal["accepted", "duplicate"]


class InvalidAmounts(ValueError):
    """Amounts that cannot describe a payment (reason in the message)."""


def default_fee(gross_cents: int) -> int:
    """20 % of the gross, rounded half up to the cent, with the gross' sign."""
    fee = (Decimal(abs(gross_cents)) * PLATFORM_FEE).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(fee) if gross_cents >= 0 else -int(fee)


def settle_amounts(
    type_: TransactionType, gross_cents: int, fee_cents: int | None, net_cents: int | None
) -> tuple[int, int, int]:
    """(gross, fee, net) as stored: sales positive, refunds and chargebacks negative, gross − fee = net.

    A reversal may be given with either sign (statements show a minus, connectors often do not)."""
    if gross_cents == 0:
        raise InvalidAmounts("gross_cents must not be 0")
    reversal = type_ in REVERSAL_TYPES
    if not reversal and gross_cents < 0:
        raise InvalidAmounts(f"a {type_} cannot have a negative amount (send a refund)")
    for name, value in (("fee_cents", fee_cents), ("net_cents", net_cents)):
        if value is not None and not reversal and value < 0:
            raise InvalidAmounts(f"{name} cannot be negative on a {type_}")
    sign = -1 if reversal else 1
    gross = sign * abs(gross_cents)
    fee = None if fee_cents is None else sign * abs(fee_cents)
    net = None if net_cents is None else sign * abs(net_cents)
    if fee is None and net is None:
        fee = default_fee(gross)
        net = gross - fee
    elif fee is None:
        assert net is not None
        fee = gross - net
    elif net is None:
        net = gross - fee
    if gross - fee != net:
        raise InvalidAmounts("gross_cents − fee_cents must equal net_cents")
    if fee * sign < 0 or net * sign < 0:
        raise InvalidAmounts("net_cents cannot exceed gross_cents (the fee would be negative)")
    if abs(fee) > abs(gross):
        raise InvalidAmounts("fee_cents cannot exceed gross_cents")
    return gross, fee, net


def match_key(fan_id: uuid.UUID, type_: str, gross_cents: int, currency: str, occurred_at: datetime) -> str:
    minute = int(occurred_at.timestamp()) // 60
    return f"{fan_id}|{type_}|{gross_cents}|{currency}|{minute}"


@dataclass
class NewTransaction:
    """A transaction about to be recorded (after validation; amounts settled)."""

    id: uuid.UUID
    creator_id: uuid.UUID
    fan_id: uuid.UUID
    type: TransactionType
    gross_cents: int
    fee_cents: int
    net_cents: int
    currency: str
    occurred_at: datetime
    source: Source
    external_id: str | None = None
    ref_kind: str | None = None
    ref_id: str | None = None
    import_id: uuid.UUID | None = None
    line_no: int | None = None
    match_n: int | None = None
    """Statement rows know their n within the file; connector sales get theirs when stored."""

    @property
    def key(self) -> str:
        return match_key(self.fan_id, self.type, self.gross_cents, self.currency, self.occurred_at)

    @property
    def is_sale(self) -> bool:
        return self.type not in REVERSAL_TYPES
