"""An in-memory BillingRepository with the SQL one's semantics, and a fake Stripe, for unit tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from billing.accounts import Account
from billing.plans import SEED_PLANS, Plan, PlanIn
from billing.ports import StoredEvent, Unit
from billing.stripe_api import CheckoutRequest, StripeUnavailable


def seed_plans() -> list[Plan]:
    return [Plan.of(PlanIn.model_validate(p)) for p in SEED_PLANS]


class FakeBillingRepository:
    def __init__(self) -> None:
        self.plan_rows: dict[str, Plan] = {p.code: p for p in seed_plans()}
        self.events: dict[str, StoredEvent] = {}
        self.accounts: dict[uuid.UUID, Account] = {}
        self.creator_orgs: dict[uuid.UUID, tuple[uuid.UUID, int]] = {}
        self.units: dict[uuid.UUID, Unit] = {}
        self.counters: dict[tuple[uuid.UUID, str, str], int] = {}

    async def plans(self) -> list[Plan]:
        return sorted(self.plan_rows.values(), key=lambda p: (p.rank, p.code))

    async def upsert_plans(self, plans: Sequence[Plan]) -> None:
        self.plan_rows.update({p.code: p for p in plans})

    async def store_stripe_event(self, event: StoredEvent) -> bool:
        if event.id in self.events:
            return False
        self.events[event.id] = event
        return True

    async def stripe_event(self, event_id: str) -> StoredEvent | None:
        return self.events.get(event_id)

    async def mark_stripe_event(self, event_id: str, *, outcome: str, org_id: uuid.UUID | None, at: datetime) -> None:
        self.events[event_id] = replace(self.events[event_id], processed_at=at, outcome=outcome, org_id=org_id)

    async def account(self, org_id: uuid.UUID, *, lock: bool = False) -> Account | None:
        return self.accounts.get(org_id)

    async def account_by_customer(self, customer_id: str, *, lock: bool = False) -> Account | None:
        return next((a for a in self.accounts.values() if a.stripe_customer_id == customer_id), None)

    async def save_account(self, account: Account) -> None:
        self.accounts[account.org_id] = account

    async def map_creators(self, org_id: uuid.UUID, creator_ids: Sequence[uuid.UUID], revision: int) -> None:
        for c in creator_ids:
            held = self.creator_orgs.get(c)
            if held is None or held[0] == org_id or held[1] <= revision:
                self.creator_orgs[c] = (org_id, revision)

    async def org_of_creator(self, creator_id: uuid.UUID) -> uuid.UUID | None:
        held = self.creator_orgs.get(creator_id)
        return held[0] if held else None

    async def add_unit(self, unit: Unit) -> bool:
        if unit.id in self.units:
            return False
        self.units[unit.id] = unit
        return True

    async def pending_units(self, creator_ids: Sequence[uuid.UUID]) -> list[Unit]:
        found = [u for u in self.units.values() if u.org_id is None and u.creator_id in creator_ids]
        return sorted(found, key=lambda u: (u.occurred_at, u.id))

    async def attribute_unit(self, unit_id: uuid.UUID, org_id: uuid.UUID) -> None:
        self.units[unit_id] = replace(self.units[unit_id], org_id=org_id)

    async def count_unit(self, org_id: uuid.UUID, metric: str, period: str) -> int:
        key = (org_id, metric, period)
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]

    async def usage(self, org_id: uuid.UUID, period: str) -> dict[str, int]:
        return {m: n for (o, m, p), n in self.counters.items() if o == org_id and p == period}


class FakeStripe:
    def __init__(self) -> None:
        self.customers: dict[str, str] = {}
        self.checkouts: list[CheckoutRequest] = []
        self.meter_events: dict[str, tuple[str, str, int]] = {}
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise StripeUnavailable("connection refused")

    async def create_customer(self, org_id: str, name: str) -> str:
        self._check()
        return self.customers.setdefault(org_id, f"cus_{len(self.customers) + 1}")

    async def create_checkout(self, request: CheckoutRequest) -> tuple[str, str]:
        self._check()
        self.checkouts.append(request)
        n = len(self.checkouts)
        return f"cs_test_{n}", f"https://checkout.stripe.test/c/pay/cs_test_{n}"

    async def create_portal(self, customer_id: str) -> str:
        self._check()
        return f"https://billing.stripe.test/p/session/{customer_id}"

    async def meter_event(self, event_name: str, customer_id: str, value: int, identifier: str) -> str:
        self._check()
        self.meter_events.setdefault(identifier, (event_name, customer_id, value))  # Stripe dedupes by identifier
        return identifier
