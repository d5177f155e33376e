"""The entitlements read model on fakes (:mod:`huntaze_service.entitlements`) for unit tests, and
``entitlement.changed`` as billing emits it, for unit and integration tests (produced to Kafka by
:func:`publish_entitlement`, since billing's own events are internal: nobody signs them).

    class FakeAiRepository(FakeEntitlements, ...): ...
    await worker.deliver(entitlement_changed(org, [creator], revision=1, ai_drafts=10))
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from huntaze_events import EntitlementChanged, Features, Limits
from huntaze_service.entitlements import Entitlement

from .fakes import envelope

FREE_UPGRADES = {
    "ai_drafts_per_month": "Pro",
    "creators": "Pro",
    "seats": "Pro",
    "mass_messages_per_month": "Pro",
    "autopilot": "Pro",
    "stream_exports": "Agency",
    "marketing_networks": "Pro",
}


class FakeEntitlements:
    """The read model and counters in memory, with the SQL adapter's semantics: the highest revision
    wins and replaces the organisation's creators; a reservation counts only below the limit."""

    def __init__(self) -> None:
        super().__init__()
        self.entitlements: dict[uuid.UUID, Entitlement] = {}
        self.entitlement_creators: dict[uuid.UUID, uuid.UUID] = {}
        self.quota_usage: dict[tuple[uuid.UUID, str, str], int] = {}

    async def record_entitlement(self, entitlement: Entitlement) -> bool:
        known = self.entitlements.get(entitlement.organization_id)
        if known is not None and known.revision >= entitlement.revision:
            return False
        self.entitlements[entitlement.organization_id] = entitlement
        org = entitlement.organization_id
        self.entitlement_creators = {c: o for c, o in self.entitlement_creators.items() if o != org}
        self.entitlement_creators.update(dict.fromkeys(entitlement.creator_ids, org))
        return True

    async def entitlement_for(self, creator_id: uuid.UUID) -> Entitlement | None:
        org = self.entitlement_creators.get(creator_id)
        return None if org is None else self.entitlements[org]

    async def reserve_quota(
        self, organization_id: uuid.UUID, metric: str, period: str, limit: int | None
    ) -> int | None:
        key = (organization_id, metric, period)
        used = self.quota_usage.get(key, 0)
        if limit is not None and used >= limit:
            return None
        self.quota_usage[key] = used + 1
        return used + 1

    async def release_quota(self, organization_id: uuid.UUID, metric: str, period: str) -> None:
        key = (organization_id, metric, period)
        if self.quota_usage.get(key, 0) > 0:
            self.quota_usage[key] -= 1


def entitlement_payload(
    organization_id: uuid.UUID,
    creator_ids: Iterable[uuid.UUID],
    *,
    revision: int = 1,
    plan: str = "free",
    plan_name: str = "Free",
    ai_drafts: int | None = 100,
    mass_messages: int | None = 4,
    creators: int | None = 1,
    seats: int | None = 2,
    autopilot: bool = False,
    stream_exports: bool = False,
    networks: Iterable[str] = ("instagram", "x"),
    upgrades: dict[str, str] | None = None,
) -> EntitlementChanged:
    """``entitlement.changed`` (the free plan's allowances unless told otherwise)."""
    return EntitlementChanged(
        organization_id=organization_id,
        revision=revision,
        plan=plan,
        plan_name=plan_name,
        status="free" if plan == "free" else "active",
        limits=Limits(
            ai_drafts_per_month=ai_drafts, creators=creators, seats=seats, mass_messages_per_month=mass_messages
        ),
        features=Features(autopilot=autopilot, stream_exports=stream_exports, marketing_networks=list(networks)),  # type: ignore[arg-type]
        creator_ids=list(creator_ids),
        upgrades=FREE_UPGRADES if upgrades is None and plan == "free" else (upgrades or {}),
    )


def entitlement_changed(organization_id: uuid.UUID, creator_ids: Iterable[uuid.UUID], **kw: Any) -> Any:
    """The event as billing emits it (tenant: the organisation)."""
    return envelope(
        entitlement_payload(organization_id, creator_ids, **kw), producer="billing", creator_id=organization_id
    )


async def publish_entitlement(
    kafka: str, organization_id: uuid.UUID, creator_ids: Iterable[uuid.UUID], **kw: Any
) -> None:
    """Produces ``entitlement.changed`` to Kafka as billing would (its topic, key = the organisation)."""
    from aiokafka import AIOKafkaProducer

    from huntaze_events import REGISTRY, kafka_headers, make_envelope

    payload = entitlement_payload(organization_id, creator_ids, **kw)
    spec = REGISTRY.for_model(EntitlementChanged)
    event = make_envelope(payload, producer="billing", creator_id=organization_id)
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            spec.topic, event.to_json(), key=spec.key_for(payload).encode(), headers=kafka_headers(event)
        )
    finally:
        await producer.stop()


UNLIMITED: dict[str, Any] = {
    "plan": "test_unlimited",
    "plan_name": "Unlimited",
    "ai_drafts": None,
    "mass_messages": None,
    "creators": None,
    "seats": None,
    "autopilot": True,
    "stream_exports": True,
    "networks": ("instagram", "tiktok", "x", "reddit"),
    "upgrades": {},
}
"""Everything allowed: for an integration test about something else than the plan, whose organisation
would otherwise get billing's free plan seconds after sign-up (100 AI drafts, no autopilot, two
networks…). Produce it with a revision above billing's (``publish_entitlement(…, revision=10**6,
**UNLIMITED)``) and wait until the services hold it."""
