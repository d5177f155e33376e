"""The billing repository on PostgreSQL (its own database): plain SQL on the unit of work's connection.
Accounts are read ``FOR UPDATE`` when a change follows, so changes to one organisation are serialised."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from psycopg.types.json import Jsonb

from huntaze_events.billing import Features, Limits
from huntaze_service.db import PlainSql

from ..accounts import Account
from ..plans import Plan
from ..ports import StoredEvent, Unit

_PLAN_COLS = (
    "code, name, rank, public, stripe_price_monthly, stripe_price_yearly, stripe_meter_event, limits, features, "
    "amount_monthly_cents, amount_yearly_cents, currency"
)
_ACCOUNT_COLS = (
    "org_id, revision, org_revision, name, creator_ids, seats, stripe_customer_id, subscription_id, "
    "subscription_created, canceled_subscriptions, sub_plan, status, billing_interval, current_period_end, "
    "cancel_at_period_end, grace_until, grace_expired, plan"
)
_EVENT_COLS = "id, type, created, body, received_at, processed_at, outcome, org_id"


def _plan(r: tuple) -> Plan:
    return Plan(r[0], r[1], r[2], r[3], r[4], r[5], r[6], Limits.model_validate(r[7]), Features.model_validate(r[8]),
                r[9], r[10], r[11])  # fmt: skip


def _account(r: tuple) -> Account:
    return Account(
        org_id=r[0], revision=r[1], org_revision=r[2], name=r[3], creator_ids=tuple(r[4]), seats=r[5],
        stripe_customer_id=r[6], subscription_id=r[7], subscription_created=r[8],
        canceled_subscriptions=tuple(r[9]), sub_plan=r[10], status=r[11], interval=r[12], current_period_end=r[13],
        cancel_at_period_end=r[14], grace_until=r[15], grace_expired=r[16], plan=r[17],
    )  # fmt: skip


class SqlBillingRepository(PlainSql):
    # plans --------------------------------------------------------------------------------------------
    async def plans(self) -> list[Plan]:
        return [_plan(r) for r in await self._rows(f"SELECT {_PLAN_COLS} FROM plans ORDER BY rank, code", ())]

    async def upsert_plans(self, plans: Sequence[Plan]) -> None:
        for p in plans:
            await self._rows(
                f"INSERT INTO plans ({_PLAN_COLS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (code) DO UPDATE SET name = excluded.name, rank = excluded.rank, public = excluded.public, "
                "stripe_price_monthly = excluded.stripe_price_monthly, stripe_price_yearly = excluded.stripe_price_yearly, "
                "stripe_meter_event = excluded.stripe_meter_event, limits = excluded.limits, "
                "features = excluded.features, amount_monthly_cents = excluded.amount_monthly_cents, "
                "amount_yearly_cents = excluded.amount_yearly_cents, currency = excluded.currency",
                (p.code, p.name, p.rank, p.public, p.stripe_price_monthly, p.stripe_price_yearly, p.stripe_meter_event,
                 Jsonb(p.limits.model_dump(mode="json")), Jsonb(p.features.model_dump(mode="json")),
                 p.amount_monthly_cents, p.amount_yearly_cents, p.currency),
            )  # fmt: skip

    # stripe events ------------------------------------------------------------------------------------
    async def store_stripe_event(self, event: StoredEvent) -> bool:
        rows = await self._rows(
            "INSERT INTO stripe_events (id, type, created, body, received_at) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (id) DO NOTHING RETURNING id",
            (event.id, event.type, event.created, event.body, event.received_at),
        )
        return bool(rows)

    async def stripe_event(self, event_id: str) -> StoredEvent | None:
        rows = await self._rows(f"SELECT {_EVENT_COLS} FROM stripe_events WHERE id = %s FOR UPDATE", (event_id,))
        return StoredEvent(*rows[0]) if rows else None

    async def mark_stripe_event(self, event_id: str, *, outcome: str, org_id: uuid.UUID | None, at: datetime) -> None:
        await self._rows(
            "UPDATE stripe_events SET processed_at = %s, outcome = %s, org_id = %s WHERE id = %s",
            (at, outcome, org_id, event_id),
        )

    # accounts -----------------------------------------------------------------------------------------
    async def account(self, org_id: uuid.UUID, *, lock: bool = False) -> Account | None:
        lock_sql = " FOR UPDATE" if lock else ""
        rows = await self._rows(f"SELECT {_ACCOUNT_COLS} FROM accounts WHERE org_id = %s{lock_sql}", (org_id,))
        return _account(rows[0]) if rows else None

    async def account_by_customer(self, customer_id: str, *, lock: bool = False) -> Account | None:
        lock_sql = " FOR UPDATE" if lock else ""
        rows = await self._rows(
            f"SELECT {_ACCOUNT_COLS} FROM accounts WHERE stripe_customer_id = %s{lock_sql}", (customer_id,)
        )
        return _account(rows[0]) if rows else None

    async def save_account(self, a: Account) -> None:
        names = [c.strip() for c in _ACCOUNT_COLS.split(",")]  # "billing_interval": INTERVAL is an SQL keyword
        updates = ", ".join(f"{n} = excluded.{n}" for n in names[1:])
        await self._rows(
            f"INSERT INTO accounts ({_ACCOUNT_COLS}) VALUES ({', '.join(['%s'] * len(names))}) "
            f"ON CONFLICT (org_id) DO UPDATE SET {updates}",
            (a.org_id, a.revision, a.org_revision, a.name, list(a.creator_ids), a.seats, a.stripe_customer_id,
             a.subscription_id, a.subscription_created, list(a.canceled_subscriptions), a.sub_plan, a.status,
             a.interval, a.current_period_end, a.cancel_at_period_end, a.grace_until, a.grace_expired, a.plan),
        )  # fmt: skip

    # metering -----------------------------------------------------------------------------------------
    async def map_creators(self, org_id: uuid.UUID, creator_ids: Sequence[uuid.UUID], revision: int) -> None:
        for creator in sorted(creator_ids):
            await self._rows(
                "INSERT INTO creator_orgs (creator_id, org_id, revision) VALUES (%s, %s, %s) "
                "ON CONFLICT (creator_id) DO UPDATE SET org_id = excluded.org_id, revision = excluded.revision "
                "WHERE creator_orgs.org_id = excluded.org_id OR creator_orgs.revision <= excluded.revision",
                (creator, org_id, revision),
            )

    async def org_of_creator(self, creator_id: uuid.UUID) -> uuid.UUID | None:
        rows = await self._rows("SELECT org_id FROM creator_orgs WHERE creator_id = %s", (creator_id,))
        return rows[0][0] if rows else None

    async def add_unit(self, unit: Unit) -> bool:
        rows = await self._rows(
            "INSERT INTO usage_units (unit_id, creator_id, org_id, metric, period, occurred_at) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (unit_id) DO NOTHING RETURNING unit_id",
            (unit.id, unit.creator_id, unit.org_id, unit.metric, unit.period, unit.occurred_at),
        )
        return bool(rows)

    async def pending_units(self, creator_ids: Sequence[uuid.UUID]) -> list[Unit]:
        rows = await self._rows(
            "SELECT unit_id, creator_id, metric, period, occurred_at FROM usage_units "
            "WHERE org_id IS NULL AND creator_id = ANY(%s) ORDER BY occurred_at, unit_id FOR UPDATE",
            (list(creator_ids),),
        )
        return [Unit(*r) for r in rows]

    async def attribute_unit(self, unit_id: uuid.UUID, org_id: uuid.UUID) -> None:
        await self._rows("UPDATE usage_units SET org_id = %s WHERE unit_id = %s", (org_id, unit_id))

    async def count_unit(self, org_id: uuid.UUID, metric: str, period: str) -> int:
        rows = await self._rows(
            "INSERT INTO usage_counters (org_id, metric, period, total) VALUES (%s, %s, %s, 1) "
            "ON CONFLICT (org_id, metric, period) DO UPDATE SET total = usage_counters.total + 1 RETURNING total",
            (org_id, metric, period),
        )
        return int(rows[0][0])

    async def usage(self, org_id: uuid.UUID, period: str) -> dict[str, int]:
        rows = await self._rows(
            "SELECT metric, total FROM usage_counters WHERE org_id = %s AND period = %s", (org_id, period)
        )
        return {m: int(t) for m, t in rows}
