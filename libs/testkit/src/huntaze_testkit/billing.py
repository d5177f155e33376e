"""Billing on the real platform, for integration tests: Stripe-shaped events signed with the local
webhook secret and delivered through the gateway's public route, the organisation's Stripe customer
made by a checkout against stripe-mock, and what billing stored and emitted."""

from __future__ import annotations

import os
import uuid
from typing import Any

import psycopg
from aiokafka import AIOKafkaProducer

from huntaze_events import OrganizationUpdated, kafka_headers, make_envelope
from huntaze_service.db import libpq_url

from . import Api, EventTap, eventually
from . import stripe_events as se

WEBHOOK = "/v1/billing/webhooks/stripe"
ENTITLEMENTS, PLANS = "entitlement.changed.v1", "plan.changed.v1"
PRO, AGENCY = "price_huntaze_pro_monthly", "price_huntaze_agency_yearly"

STARTING = "agency"
"""The plan a new organisation starts on in the suite (conftest.service_env: BILLING_DEFAULT_PLAN; free in
production): losing a subscription falls back to free all the same."""


def secret() -> str:
    return os.environ["BILLING_STRIPE_WEBHOOK_SECRET"]


async def announce(api: Api, name: str) -> None:
    """organization.updated for the new organisation, as the gateway announces it at sign-up (the same
    revision 1: whichever arrives first is kept, they say the same)."""
    org = uuid.UUID(api.organization_id)
    payload = OrganizationUpdated(
        organization_id=org, revision=1, name=name, creator_ids=[uuid.UUID(api.creator_id)], seats=1
    )
    envelope = make_envelope(payload, producer="gateway", creator_id=org)
    producer = AIOKafkaProducer(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"], acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            "organization.updated.v1", envelope.to_json(), key=str(org).encode(), headers=kafka_headers(envelope)
        )
    finally:
        await producer.stop()


def of_org(org: str) -> Any:
    return lambda r: r.value is not None and r.value["payload"]["organization_id"] == org


async def new_org(gateway: Any, event_tap: EventTap, name: str) -> Api:
    """A signed-up owner whose organisation billing knows (its first entitlement is out)."""
    owner = await Api.sign_up(gateway, name)
    await announce(owner, name)
    await event_tap.wait_for(ENTITLEMENTS, of_org(owner.organization_id), timeout=60)
    return owner


def db(sql: str, *params: Any) -> list[tuple]:
    with psycopg.connect(libpq_url(os.environ["BILLING_DATABASE_URL"])) as conn:
        return conn.execute(sql, params).fetchall()


async def customer_of(owner: Api) -> str:
    """Checkout makes the organisation's Stripe customer (stripe-mock) and maps it to the organisation."""
    answer = await owner.post("/v1/billing/checkout", json={"plan": "pro", "interval": "month"})
    assert answer.status_code == 200, answer.text
    [(customer,)] = db("SELECT stripe_customer_id FROM accounts WHERE org_id = %s", uuid.UUID(owner.organization_id))
    assert customer and customer.startswith("cus_")
    return str(customer)


async def deliver(gateway: Any, event: dict[str, Any], **sign: Any) -> Any:
    body, headers = se.signed(event, sign.pop("key", None) or secret(), **sign)
    return await gateway.post(WEBHOOK, content=body, headers=headers)


async def processed(event: dict[str, Any]) -> str:
    async def outcome() -> str | None:
        rows = db("SELECT outcome FROM stripe_events WHERE id = %s AND processed_at IS NOT NULL", event["id"])
        return rows[0][0] if rows else None

    return str(await eventually(outcome, timeout=60))


def plans_of(event_tap: EventTap, org: str) -> list[tuple[int, str, str]]:
    found = [r.value["payload"] for r in event_tap.select(ENTITLEMENTS, of_org(org))]
    return sorted((p["revision"], p["plan"], p["status"]) for p in found)


async def produce(payload: Any, producer_name: str, tenant: str, key: str) -> Any:
    """Produces one event as ``producer_name`` would (an internal event: nobody signs it)."""
    envelope = make_envelope(payload, producer=producer_name, creator_id=uuid.UUID(tenant))
    producer = AIOKafkaProducer(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"], acks="all")
    await producer.start()
    try:
        topic = f"{envelope.type}.v{envelope.version}"
        await producer.send_and_wait(topic, envelope.to_json(), key=key.encode(), headers=kafka_headers(envelope))
    finally:
        await producer.stop()
    return envelope
