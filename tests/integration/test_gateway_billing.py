"""The gateway's part of billing on the real platform (Kafka, PostgreSQL, the billing service):
``organization.updated`` at sign-up, creator added, member joined and removed (revision +1, the
organisation as tenant); billing's ``entitlement.changed`` (produced here straight to Kafka: an
internal event) read by the gateway → 402 ``plan_limit`` on creator accounts and seats, and the
upgrade lifts it; the billing routes through the permission table (org-scoped, owners only but the
plans), another organisation not found; Stripe's public webhook route (raw body, signature passed
on, 1 MiB cap)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaProducer

from huntaze_events import REGISTRY, EntitlementChanged, Features, Limits, OrganizationUpdated, make_envelope
from huntaze_testkit import Api, EventTap, eventually
from huntaze_testkit.agency import PASSWORD, invite

TOPIC = REGISTRY.for_model(OrganizationUpdated).topic
ENTITLEMENTS = REGISTRY.for_model(EntitlementChanged)
WEBHOOK = "/v1/billing/webhooks/stripe"


async def grant(org: str, revision: int, *, creators: int | None, seats: int | None) -> None:
    """billing's entitlement.changed for ``org``, straight to Kafka (a revision above billing's own)."""
    payload = EntitlementChanged(
        organization_id=uuid.UUID(org),
        revision=revision,
        plan="test",
        plan_name="Test",
        status="active",
        limits=Limits(ai_drafts_per_month=None, creators=creators, seats=seats, mass_messages_per_month=None),
        features=Features(autopilot=True, stream_exports=True, marketing_networks=["instagram", "x"]),
        creator_ids=[],
        upgrades={"creators": "Agency", "seats": "Agency"},
    )
    envelope = make_envelope(payload, producer="billing", creator_id=uuid.UUID(org))
    producer = AIOKafkaProducer(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"], acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(ENTITLEMENTS.topic, value=envelope.to_json(), key=org.encode())
    finally:
        await producer.stop()


def updates_of(tap: EventTap, org: str) -> list[dict[str, Any]]:
    records = tap.select(TOPIC, lambda r: r.value is not None and r.value["payload"]["organization_id"] == org)
    return sorted(
        (r.value["payload"] | {"tenant": r.value["creator_id"]} for r in records), key=lambda p: p["revision"]
    )


async def test_organisation_changes_are_announced_to_billing_in_order(gateway: Any, event_tap: EventTap) -> None:
    owner = await Api.sign_up(gateway, "OrgEvents")
    org = owner.organization_id
    [announced] = await event_tap.wait_for(
        TOPIC, lambda r: r.value is not None and r.value["payload"]["organization_id"] == org
    )
    assert announced.key == org and announced.value["creator_id"] == org
    assert announced.value["payload"] == {
        "organization_id": org, "revision": 1, "name": "OrgEvents", "creator_ids": [owner.creator_id], "seats": 1,
    }  # fmt: skip
    # billing answers with the free plan (one creator account) within seconds: grant more first
    await grant(org, 1000, creators=None, seats=None)

    async def added() -> bool:  # 402 until the gateway has the grant (nothing made), then made once
        return (await owner.post("/v1/creators", json={"display_name": "Second"})).status_code == 201

    await eventually(added, timeout=60)
    chatter = await invite(owner, "chatter", "OrgEventsChatter")
    removed = await owner.delete(f"/v1/org/members/{chatter.user_id}")
    assert removed.status_code == 204, removed.text
    await event_tap.wait_for(
        TOPIC, lambda r: r.value is not None and r.value["payload"]["organization_id"] == org, count=4
    )
    payloads = updates_of(event_tap, org)
    assert [(p["revision"], len(p["creator_ids"]), p["seats"], p["tenant"]) for p in payloads] == [
        (1, 1, 1, org),
        (2, 2, 1, org),
        (3, 2, 2, org),
        (4, 2, 1, org),
    ]


async def test_creators_and_seats_beyond_the_plan_answer_402_until_an_upgrade(gateway: Any) -> None:
    owner = await Api.sign_up(gateway, "Plan402")
    await grant(owner.organization_id, 1000, creators=1, seats=2)

    async def refused_creator() -> Any:
        answer = await owner.post("/v1/creators", json={"display_name": "Second"})
        return answer if answer.status_code == 402 and answer.json()["plan"] == "Test" else None

    answer = await eventually(refused_creator, timeout=60)  # the gateway's consumer took it (billing's Free first)
    body = answer.json()
    assert body["code"] == "plan_limit" and body["limit"] == "creators" and body["allowed"] == 1
    assert body["plan"] == "Test" and body["upgrade_to"] == "Agency" and "Agency" in body["detail"]
    creators = (await owner.get("/v1/creators")).json()
    assert len(creators) in (1, 2)  # one may have been made before the plan arrived (fail open)
    await grant(owner.organization_id, 1001, creators=len(creators), seats=2)

    # seats: the owner and one open invitation fill 2; the next invitation is refused
    first = await owner.post(
        "/v1/org/invitations", json={"email": f"a-{uuid.uuid4().hex[:6]}@example.com", "role": "analyst"}
    )

    async def refused_seat() -> Any:
        answer = await owner.post(
            "/v1/org/invitations", json={"email": f"b-{uuid.uuid4().hex[:6]}@example.com", "role": "analyst"}
        )
        return answer if answer.status_code == 402 else None

    seat = (await eventually(refused_seat, timeout=60)).json()
    assert (seat["code"], seat["limit"], seat["allowed"], seat["upgrade_to"]) == ("plan_limit", "seats", 2, "Agency")
    assert first.status_code == 201, first.text

    # a plan that shrank: the open invitation can no longer be accepted (once the gateway has it: an
    # invitation refused with allowed=1 says so without changing anything)
    await grant(owner.organization_id, 1002, creators=len(creators), seats=1)

    async def shrunk() -> bool:
        answer = await owner.post(
            "/v1/org/invitations", json={"email": f"c-{uuid.uuid4().hex[:6]}@example.com", "role": "analyst"}
        )
        return answer.status_code == 402 and answer.json()["allowed"] == 1

    await eventually(shrunk, timeout=60)

    async def refused_join() -> Any:
        answer = await owner.client.post(
            "/v1/auth/accept-invitation",
            json={"token": first.json()["token"], "password": PASSWORD, "display_name": "Late"},
        )
        assert answer.status_code == 402, answer.text
        return answer

    assert (await eventually(refused_join, timeout=60)).json()["limit"] == "seats"
    # the upgrade lifts both
    await grant(owner.organization_id, 1003, creators=None, seats=None)

    async def allowed_creator() -> Any:
        answer = await owner.post("/v1/creators", json={"display_name": "After upgrade"})
        return answer if answer.status_code == 201 else None

    await eventually(allowed_creator, timeout=60)
    joined = await owner.client.post(
        "/v1/auth/accept-invitation", json={"token": first.json()["token"], "password": PASSWORD, "display_name": "In"}
    )
    assert joined.status_code == 201, joined.text


async def test_billing_routes_are_org_scoped_and_owners_only_but_the_plans(gateway: Any) -> None:
    owner = await Api.sign_up(gateway, "BillingRoutes")
    other = await Api.sign_up(gateway, "BillingOther")
    chatter = await invite(owner, "chatter", "BillingChatter")
    plans = await chatter.get("/v1/billing/plans")
    assert plans.status_code == 200, plans.text
    for path, method in (("/v1/billing/subscription", "get"), ("/v1/billing/portal", "post")):
        refused = await getattr(chatter, method)(path)
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden", (path, refused.text)
    mine = await owner.get("/v1/billing/subscription")
    assert mine.status_code == 200, mine.text
    # another organisation's id: not found, as an unknown one
    foreign = await gateway.get(
        "/v1/billing/subscription", headers={**owner.auth, "X-Organization-Id": other.organization_id}
    )
    assert foreign.status_code == 404, foreign.text
    bad = await owner.post("/v1/billing/checkout", json={"plan": "no-such-plan", "interval": "month"})
    assert 400 <= bad.status_code < 500, bad.text
    nobody = await gateway.get("/v1/billing/plans")
    assert nobody.status_code == 401


def signed(body: bytes, secret: str, at: int | None = None) -> str:
    t = at if at is not None else int(time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


async def test_the_public_webhook_route_passes_the_raw_body_and_signature_to_billing(gateway: Any) -> None:
    event = {
        "id": f"evt_gw_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": "balance.available",
        "created": int(time.time()),
        "api_version": "2026-10-28",
        "livemode": False,
        "data": {"object": {"object": "balance"}},
    }
    body = json.dumps(event, separators=(",", ":")).encode()
    secret = os.environ["BILLING_STRIPE_WEBHOOK_SECRET"]
    headers = {"content-type": "application/json"}
    missing = await gateway.post(WEBHOOK, content=body, headers=headers)
    assert missing.status_code == 400, missing.text
    forged = await gateway.post(WEBHOOK, content=body, headers=headers | {"Stripe-Signature": signed(body, "whsec_x")})
    assert forged.status_code == 400, forged.text
    good = headers | {"Stripe-Signature": signed(body, secret)}
    first = await gateway.post(WEBHOOK, content=body, headers=good)
    assert first.status_code == 200, first.text
    replay = await gateway.post(WEBHOOK, content=body, headers=good)
    assert replay.status_code == 200, replay.text
    too_big = await gateway.post(WEBHOOK, content=b"{" + b" " * (1024 * 1024) + b"}", headers=good)
    assert too_big.status_code == 413
    assert (await gateway.get(WEBHOOK)).status_code in (404, 405)
