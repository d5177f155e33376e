"""What an organisation's plan allows, as the gateway enforces it (pure): creator accounts, seats, features.

The gateway keeps its own read model of billing's ``entitlement.changed`` (highest ``revision`` per
organisation wins, so replays and reordering are harmless) and never calls billing on the hot path.

Unknown entitlement (an organisation billing has not announced yet: the seconds right after sign-up,
before billing's first ``entitlement.changed`` arrives) — the gateway **fails open**: nothing is
refused, an INFO line is logged and ``huntaze_entitlement_unknown_total{service="gateway"}`` counts
it. Refusing would lock every new organisation out of its own set-up for those seconds; billing's
answer always comes (it is driven by the gateway's own ``organization.updated``). The static
``GATEWAY_MAX_CREATORS_PER_ORG`` stays as the upper safety bound whatever the plan says.

A refusal is :class:`PlanLimit`: answered ``402 plan_limit``, naming the limit, the plan and the
plan that allows more (``upgrades`` of the entitlement; None when no public plan does).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import REGISTRY, Counter

from huntaze_events import EntitlementChanged

log = logging.getLogger("gateway.plans")

UNKNOWN_METRIC = "huntaze_entitlement_unknown_total"


def _unknown_counter() -> Counter:
    """The counter every enforcing service shares (labelled by service): made once per process, or
    the one another module of the process (the chassis' entitlements) already registered."""
    try:
        return Counter(
            UNKNOWN_METRIC,
            "Checks against an organisation whose entitlements are not known yet (allowed: fail open).",
            ["service"],
        )
    except ValueError:  # already registered in this process
        return REGISTRY._names_to_collectors[UNKNOWN_METRIC]  # type: ignore[attr-defined,no-any-return]


ENTITLEMENT_UNKNOWN = _unknown_counter()


@dataclass(frozen=True)
class Entitlement:
    """The read model's row: the whole entitlement set of an organisation, as billing last said it."""

    org_id: uuid.UUID
    revision: int
    plan: str
    plan_name: str
    status: str
    limits: dict[str, int | None] = field(default_factory=dict)
    features: dict[str, Any] = field(default_factory=dict)
    upgrades: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, event: EntitlementChanged) -> Entitlement:
        return cls(
            event.organization_id,
            event.revision,
            event.plan,
            event.plan_name,
            event.status,
            event.limits.model_dump(mode="json"),
            event.features.model_dump(mode="json"),
            dict(event.upgrades),
        )


NOUNS = {"creators": ("creator account", "creator accounts"), "seats": ("seat", "seats")}
"""How a 402 names a limit (singular, plural)."""


class PlanLimit(Exception):
    """Beyond what the organisation's plan allows: 402 ``plan_limit``."""

    def __init__(self, limit: str, allowed: int | None, plan: str, upgrade_to: str | None) -> None:
        noun = NOUNS.get(limit, (limit.replace("_", " "),) * 2)
        what = f"at most {allowed} {noun[0] if allowed == 1 else noun[1]}" if allowed is not None else f"no {noun[1]}"
        more = f": upgrade to {upgrade_to} for more" if upgrade_to else ""
        super().__init__(f"the {plan} plan allows {what}{more}")
        self.limit = limit
        self.allowed = allowed
        self.plan = plan
        self.upgrade_to = upgrade_to

    def body(self) -> dict[str, Any]:
        return {
            "detail": str(self),
            "code": "plan_limit",
            "limit": self.limit,
            "allowed": self.allowed,
            "plan": self.plan,
            "upgrade_to": self.upgrade_to,
        }


def unknown(org_id: uuid.UUID, what: str) -> None:
    """Fail open, said once per check: logged and counted."""
    log.info("no entitlement known yet for organisation %s: %s allowed (fail open)", org_id, what)
    ENTITLEMENT_UNKNOWN.labels("gateway").inc()


def check_limit(ent: Entitlement | None, org_id: uuid.UUID, limit: str, wanted: int) -> None:
    """Refuses ``wanted`` (the count once the request is done) beyond ``limits[limit]``."""
    if ent is None:
        unknown(org_id, limit)
        return
    allowed = ent.limits.get(limit)
    if allowed is not None and wanted > allowed:
        raise PlanLimit(limit, allowed, ent.plan_name, ent.upgrades.get(limit))


def check_feature(ent: Entitlement | None, org_id: uuid.UUID, feature: str) -> None:
    """Refuses a feature the plan switches off."""
    if ent is None:
        unknown(org_id, feature)
        return
    if not ent.features.get(feature):
        raise PlanLimit(feature, None, ent.plan_name, ent.upgrades.get(feature))
