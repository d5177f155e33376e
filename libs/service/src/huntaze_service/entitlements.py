"""A service's own read model of what each organisation's plan allows (``entitlement.changed``, from
billing), and the exact monthly quota counters a service reserves against: the fold, its tables, its
SQL, its consumer and the checks, in one place. Services never ask billing on the hot path.

The read model keeps, per organisation, the highest ``revision`` of its entitlements (the events may
arrive in any order and any number of times) and, per creator account, the organisation whose plan it
counts against (``entitlement_creators``: replaced whole when a newer revision arrives).

**Reserving** a unit of a monthly metric (:func:`reserve`: an AI text, a mass message) is one
statement on ``quota_usage`` (org, metric, period ``YYYY-MM`` in UTC, used)::

    INSERT … VALUES (…, 1) ON CONFLICT (org, metric, period)
      DO UPDATE SET used = quota_usage.used + 1 WHERE quota_usage.used < :limit RETURNING used

PostgreSQL locks the counter's row and evaluates the ``WHERE`` on its latest committed version, so
two workers reserving at once are serialised on that row and never grant more than the limit: no row
returned means refused. The reservation is made in the same transaction as what it pays for (the
drafting call recorded, the mass message stored): a rollback gives the unit back, a commit keeps both.
With no limit (``None``) the counter still counts, so a downgrade in the middle of a month starts from
the month's real use.

**Unknown organisation** (a creator whose organisation's first ``entitlement.changed`` has not
arrived yet — the seconds after sign-up): nothing is enforced (fail open), the service logs it at
INFO and counts ``huntaze_entitlement_unknown_total{service}``. Refusing would lock a new customer
out of the product for a race of ours; what is used meanwhile is not counted locally (billing still
meters it from the events).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal, NamedTuple, Protocol

from prometheus_client import REGISTRY, Counter

from huntaze_events import EntitlementChanged, Envelope

from .db import PlainSql
from .subscriptions import Subscriptions
from .uow import UnitOfWork

log = logging.getLogger(__name__)

Metric = Literal["ai_drafts", "mass_messages"]
LIMIT_OF: dict[str, str] = {"ai_drafts": "ai_drafts_per_month", "mass_messages": "mass_messages_per_month"}
"""Each metered metric and the limit (a key of ``Limits``) that caps it per month."""

PLAN_LIMIT = "plan_limit"
"""The error code of a 402 answer."""

DDL = (
    """
    CREATE TABLE entitlements (
        organization_id uuid PRIMARY KEY,
        revision integer NOT NULL CHECK (revision >= 1),
        plan text NOT NULL,
        plan_name text NOT NULL,
        status text NOT NULL,
        limits jsonb NOT NULL,
        features jsonb NOT NULL,
        upgrades jsonb NOT NULL
    )
    """,
    """
    CREATE TABLE entitlement_creators (
        creator_id uuid PRIMARY KEY,
        organization_id uuid NOT NULL
    )
    """,
    "CREATE INDEX entitlement_creators_org ON entitlement_creators (organization_id)",
    """
    CREATE TABLE quota_usage (
        organization_id uuid NOT NULL,
        metric text NOT NULL,
        period text NOT NULL,
        used integer NOT NULL CHECK (used >= 0),
        PRIMARY KEY (organization_id, metric, period)
    )
    """,
)
"""The read model's tables (a service's migration runs them; :data:`DROP` undoes). Never edit:
services' migrations have applied it; add a version."""

DROP = (
    "DROP TABLE IF EXISTS quota_usage",
    "DROP TABLE IF EXISTS entitlement_creators",
    "DROP TABLE IF EXISTS entitlements",
)


class Entitlement(NamedTuple):
    organization_id: uuid.UUID
    revision: int
    plan: str
    plan_name: str
    status: str
    limits: Mapping[str, int | None]
    features: Mapping[str, Any]
    upgrades: Mapping[str, str]
    creator_ids: tuple[uuid.UUID, ...] = ()


class Allowed(NamedTuple):
    used: int | None = None
    """The month's count once this unit is counted (None: no counting, e.g. a feature)."""


class Refused(NamedTuple):
    limit_name: str
    """``ai_drafts_per_month``, ``mass_messages_per_month``, ``autopilot``, ``marketing_networks``…"""
    limit: int | None
    """The allowance reached (None for a feature switched off)."""
    plan_name: str
    upgrade_to: str | None
    period: str | None = None

    def message(self) -> str:
        """What a 402 says: the limit, the plan, and the plan that would allow more."""
        if self.limit is not None:
            what = f"the {self.plan_name} plan allows {self.limit} {self.limit_name} ({self.period}), all used"
        else:
            what = f"the {self.plan_name} plan does not include {self.limit_name}"
        more = f"; the {self.upgrade_to} plan allows it" if self.upgrade_to else ""
        return what + more


class Unknown(NamedTuple):
    """No entitlement known yet for the creator's organisation: allowed (fail open)."""


Decision = Allowed | Refused | Unknown


class PlanLimitReached(Exception):
    """A request the plan does not allow; a service answers it 402 ``plan_limit`` (:func:`api_error`)."""

    def __init__(self, refused: Refused) -> None:
        super().__init__(refused.message())
        self.refused = refused


class EntitlementsRepository(Protocol):
    async def record_entitlement(self, entitlement: Entitlement) -> bool:
        """Stores it when its revision is higher than the one held (True), with its creators."""
        ...

    async def entitlement_for(self, creator_id: uuid.UUID) -> Entitlement | None:
        """The entitlements of the organisation the creator account belongs to, if known."""
        ...

    async def reserve_quota(
        self, organization_id: uuid.UUID, metric: str, period: str, limit: int | None
    ) -> int | None:
        """Counts one unit when the month's count is below ``limit`` (always when None): the new count,
        or None (refused, nothing counted) — atomically, whoever else reserves at the same time."""
        ...

    async def release_quota(self, organization_id: uuid.UUID, metric: str, period: str) -> None:
        """Gives one unit back (never below zero)."""
        ...


# the fold ------------------------------------------------------------------------------------------


def entitlement_of(event: Envelope[EntitlementChanged]) -> Entitlement:
    p = event.payload
    return Entitlement(
        p.organization_id,
        p.revision,
        p.plan,
        p.plan_name,
        p.status,
        p.limits.model_dump(mode="json"),
        p.features.model_dump(mode="json"),
        dict(p.upgrades),
        tuple(dict.fromkeys(p.creator_ids)),
    )


def subscribe(subs: Subscriptions) -> None:
    """Registers the read model's consumer (``entitlements``) on a service's subscriptions; its
    repository must be an :class:`EntitlementsRepository`."""

    @subs.on(EntitlementChanged, name="entitlements")
    async def entitlements(uow: UnitOfWork[EntitlementsRepository], event: Envelope[EntitlementChanged]) -> None:
        """What each organisation's plan allows (highest revision wins), and its creator accounts."""
        await uow.repo.record_entitlement(entitlement_of(event))


# the checks ----------------------------------------------------------------------------------------


def period_of(now: datetime) -> str:
    """The UTC calendar month ``YYYY-MM`` a monthly limit counts in."""
    return now.astimezone(UTC).strftime("%Y-%m")


UNKNOWN_METRIC = "huntaze_entitlement_unknown_total"


@cache
def unknown_counter() -> Counter:
    """``huntaze_entitlement_unknown_total{service}``, created once per process (or the one another
    part of the process registered already under the same name: several services share a test
    process, and the gateway keeps its own read model)."""
    try:
        return Counter(
            UNKNOWN_METRIC,
            "Checks made before any entitlement of the organisation was known (allowed: fail open)",
            ["service"],
        )
    except ValueError:  # registered already
        return REGISTRY._names_to_collectors[UNKNOWN_METRIC]  # type: ignore[attr-defined,no-any-return]


def _unknown(uow: UnitOfWork[Any], creator_id: uuid.UUID, what: str) -> Unknown:
    log.info("no entitlement known yet for creator %s: %s allowed (fail open)", creator_id, what)
    unknown_counter().labels(uow.producer_name).inc()
    return Unknown()


async def reserve(
    uow: UnitOfWork[EntitlementsRepository], creator_id: uuid.UUID, metric: Metric, now: datetime
) -> Decision:
    """Counts one unit of ``metric`` for the creator's organisation this month, if its plan allows it."""
    entitlement = await uow.repo.entitlement_for(creator_id)
    if entitlement is None:
        return _unknown(uow, creator_id, metric)
    name = LIMIT_OF[metric]
    limit = entitlement.limits.get(name)
    period = period_of(now)
    used = await uow.repo.reserve_quota(entitlement.organization_id, metric, period, limit)
    if used is None:
        assert limit is not None
        return Refused(name, limit, entitlement.plan_name, entitlement.upgrades.get(name), period)
    return Allowed(used)


async def release(
    uow: UnitOfWork[EntitlementsRepository], creator_id: uuid.UUID, metric: Metric, period: str | datetime
) -> None:
    """Gives back a unit reserved in ``period`` (``YYYY-MM``, or the time it was reserved at): a mass
    message cancelled before it was sent, an AI text whose call failed for good."""
    entitlement = await uow.repo.entitlement_for(creator_id)
    if entitlement is not None:
        month = period if isinstance(period, str) else period_of(period)
        await uow.repo.release_quota(entitlement.organization_id, metric, month)


async def feature(
    uow: UnitOfWork[EntitlementsRepository], creator_id: uuid.UUID, name: str, value: str | None = None
) -> Decision:
    """Whether the plan switches feature ``name`` on; for a list feature (``marketing_networks``),
    whether ``value`` is in it."""
    entitlement = await uow.repo.entitlement_for(creator_id)
    if entitlement is None:
        return _unknown(uow, creator_id, name)
    on = entitlement.features.get(name)
    allowed = (value in on) if isinstance(on, list) and value is not None else bool(on)
    if allowed:
        return Allowed()
    return Refused(name, None, entitlement.plan_name, entitlement.upgrades.get(name))


def require(decision: Decision) -> None:
    """Raises :class:`PlanLimitReached` when refused."""
    if isinstance(decision, Refused):
        raise PlanLimitReached(decision)


def api_error(exc: PlanLimitReached) -> Exception:
    """The 402 ``plan_limit`` answer (the message names the limit, the plan and ``upgrade_to``)."""
    from .http import ApiError

    return ApiError(402, str(exc), PLAN_LIMIT)


# the SQL -------------------------------------------------------------------------------------------


class SqlEntitlements(PlainSql):
    """The repository mixin on ``entitlements``, ``entitlement_creators`` and ``quota_usage`` (:data:`DDL`)."""

    async def record_entitlement(self, entitlement: Entitlement) -> bool:
        e = entitlement
        rows = await self._rows(
            "INSERT INTO entitlements (organization_id, revision, plan, plan_name, status, limits, features, upgrades) "
            "VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s::jsonb) ON CONFLICT (organization_id) DO UPDATE SET "
            "revision = EXCLUDED.revision, plan = EXCLUDED.plan, plan_name = EXCLUDED.plan_name, "
            "status = EXCLUDED.status, limits = EXCLUDED.limits, features = EXCLUDED.features, "
            "upgrades = EXCLUDED.upgrades WHERE entitlements.revision < EXCLUDED.revision RETURNING organization_id",
            (
                e.organization_id,
                e.revision,
                e.plan,
                e.plan_name,
                e.status,
                json.dumps(dict(e.limits)),
                json.dumps(dict(e.features)),
                json.dumps(dict(e.upgrades)),
            ),
        )
        if not rows:
            return False
        creators = list(e.creator_ids)
        await self._rows(
            "DELETE FROM entitlement_creators WHERE organization_id = %s AND NOT (creator_id = ANY(%s))",
            (e.organization_id, creators),
        )
        if creators:
            await self._rows(
                "INSERT INTO entitlement_creators (creator_id, organization_id) SELECT c, %s FROM unnest(%s::uuid[]) c "
                "ON CONFLICT (creator_id) DO UPDATE SET organization_id = EXCLUDED.organization_id",
                (e.organization_id, creators),
            )
        return True

    async def entitlement_for(self, creator_id: uuid.UUID) -> Entitlement | None:
        rows = await self._rows(
            "SELECT e.organization_id, e.revision, e.plan, e.plan_name, e.status, e.limits, e.features, e.upgrades "
            "FROM entitlement_creators c JOIN entitlements e ON e.organization_id = c.organization_id "
            "WHERE c.creator_id = %s",
            (creator_id,),
        )
        return Entitlement(*rows[0]) if rows else None

    async def reserve_quota(
        self, organization_id: uuid.UUID, metric: str, period: str, limit: int | None
    ) -> int | None:
        rows = await self._rows(
            "INSERT INTO quota_usage (organization_id, metric, period, used) "
            "SELECT %(org)s, %(metric)s, %(period)s, 1 WHERE %(limit)s::integer IS NULL OR %(limit)s::integer > 0 "
            "ON CONFLICT (organization_id, metric, period) DO UPDATE SET used = quota_usage.used + 1 "
            "WHERE %(limit)s::integer IS NULL OR quota_usage.used < %(limit)s::integer RETURNING used",
            {"org": organization_id, "metric": metric, "period": period, "limit": limit},
        )
        return rows[0][0] if rows else None

    async def release_quota(self, organization_id: uuid.UUID, metric: str, period: str) -> None:
        await self._rows(
            "UPDATE quota_usage SET used = used - 1 "
            "WHERE organization_id = %s AND metric = %s AND period = %s AND used > 0",
            (organization_id, metric, period),
        )
