"""What the billing use cases need from storage (the SQL adapter and the unit tests' fake implement it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .accounts import Account
from .plans import Plan


@dataclass(frozen=True)
class StoredEvent:
    id: str
    type: str
    created: int
    body: str
    """Stripe's raw bytes as received (UTF-8 JSON): what was verified is what is processed."""
    received_at: datetime
    processed_at: datetime | None = None
    outcome: str | None = None
    org_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Unit:
    """One metered unit: the event that was counted (its id is the unit's id)."""

    id: uuid.UUID
    creator_id: uuid.UUID
    metric: str
    period: str
    occurred_at: datetime
    org_id: uuid.UUID | None = None


class BillingRepository(Protocol):
    # plans
    async def plans(self) -> list[Plan]: ...

    async def upsert_plans(self, plans: Sequence[Plan]) -> None: ...

    # stripe events
    async def store_stripe_event(self, event: StoredEvent) -> bool:
        """Inserts the event unless its id is stored already; whether it was inserted."""
        ...

    async def stripe_event(self, event_id: str) -> StoredEvent | None: ...

    async def mark_stripe_event(
        self, event_id: str, *, outcome: str, org_id: uuid.UUID | None, at: datetime
    ) -> None: ...

    # accounts (``lock``: FOR UPDATE, every change to one account is serialised)
    async def account(self, org_id: uuid.UUID, *, lock: bool = False) -> Account | None: ...

    async def account_by_customer(self, customer_id: str, *, lock: bool = False) -> Account | None: ...

    async def save_account(self, account: Account) -> None: ...

    # metering
    async def map_creators(self, org_id: uuid.UUID, creator_ids: Sequence[uuid.UUID], revision: int) -> None:
        """Each creator → this organisation (unless a higher revision of another one holds it)."""
        ...

    async def org_of_creator(self, creator_id: uuid.UUID) -> uuid.UUID | None: ...

    async def add_unit(self, unit: Unit) -> bool:
        """Stores the unit unless its id is stored; whether it was inserted."""
        ...

    async def pending_units(self, creator_ids: Sequence[uuid.UUID]) -> list[Unit]:
        """Units of these creators not attributed to an organisation yet (locked)."""
        ...

    async def attribute_unit(self, unit_id: uuid.UUID, org_id: uuid.UUID) -> None: ...

    async def count_unit(self, org_id: uuid.UUID, metric: str, period: str) -> int:
        """The month's counter + 1; the new total."""
        ...

    async def usage(self, org_id: uuid.UUID, period: str) -> dict[str, int]: ...
