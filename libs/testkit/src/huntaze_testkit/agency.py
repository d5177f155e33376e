"""An agency on the running platform: an owner, a manager, a chatter, an analyst and a connector key,
with one creator account holding a fan, a conversation with a draft and an offer, a scheduled mass
message, a segment, an import, a shift, a pending invitation, a vault medium (uploaded to the S3
server through its presigned URL), a calendar drop, a calendar import and an idea — what the
permission and tenant tests walk the API with."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from . import Api, eventually

PASSWORD = "correct horse battery staple"
STATEMENT = (
    "Date,Amount,Fee,Net,Description,Status\r\n"
    '"Nov 3, 2026 8:14 pm",$25.00,$5.00,$20.00,Payment for message from Jake (@jake_88),Complete\r\n'
)


@dataclass
class Agency:
    owner: Api
    staff: dict[str, Api] = field(default_factory=dict)
    """Role → a member with that role (owner, manager, chatter, analyst)."""
    connector_key: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    """Path parameter name → an id of this agency's (fan_id, draft_id, user_id, key_id…)."""

    def headers(self, role: str) -> dict[str, str]:
        token = self.connector_key if role == "connector" else self.staff[role].token
        return {"Authorization": f"Bearer {token}", "X-Creator-Id": self.owner.creator_id}


async def invite(owner: Api, role: str, name: str, creator_ids: list[str] | None = None) -> Api:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    invited = await owner.post("/v1/org/invitations", json={"email": email, "role": role, "creator_ids": creator_ids})
    assert invited.status_code == 201, invited.text
    accepted = await owner.client.post(
        "/v1/auth/accept-invitation",
        json={"token": invited.json()["token"], "password": PASSWORD, "display_name": name},
    )
    assert accepted.status_code == 201, accepted.text
    return await Api.log_in(owner.client, email, PASSWORD)


async def grant_plan(
    org: str, revision: int, *, creators: int | None = None, seats: int | None = None, plan_name: str = "Test"
) -> None:
    """billing's ``entitlement.changed`` for ``org``, produced straight to Kafka (an internal event):
    ``revision`` above billing's own wins in every reader. No limit by default."""
    import os

    from aiokafka import AIOKafkaProducer

    from huntaze_events import REGISTRY, EntitlementChanged, Features, Limits, make_envelope

    payload = EntitlementChanged(
        organization_id=uuid.UUID(org),
        revision=revision,
        plan="test",
        plan_name=plan_name,
        status="active",
        limits=Limits(ai_drafts_per_month=None, creators=creators, seats=seats, mass_messages_per_month=None),
        features=Features(
            autopilot=True, stream_exports=True, marketing_networks=["instagram", "tiktok", "x", "reddit"]
        ),
        creator_ids=[],
        upgrades={} if creators is None and seats is None else {"creators": "Agency", "seats": "Agency"},
    )
    envelope = make_envelope(payload, producer="billing", creator_id=uuid.UUID(org))
    producer = AIOKafkaProducer(bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"], acks="all")
    await producer.start()
    try:
        topic = REGISTRY.for_model(EntitlementChanged).topic
        await producer.send_and_wait(topic, value=envelope.to_json(), key=org.encode())
    finally:
        await producer.stop()


UNLIMITED_REVISION = 1_000_000


async def unlimited_plan(owner: Api) -> str:
    """Lifts the plan's creator and seat limits for the owner's organisation (billing gives a new one
    the free plan: 1 creator account, 2 seats) and waits until the gateway has it. Returns the id of a
    pending invitation (the probe that proved it). Step 1, a plan allowing no seat: an invitation is
    refused naming it (nothing made) once the gateway has it; step 2, no limit: the next one is made."""
    org = owner.organization_id
    await grant_plan(org, UNLIMITED_REVISION, creators=0, seats=0, plan_name="Probe")

    async def probe() -> Any:
        email = f"probe-{uuid.uuid4().hex[:8]}@example.com"
        return await owner.post("/v1/org/invitations", json={"email": email, "role": "analyst"})

    async def refused_by_probe() -> bool:
        answer = await probe()
        return answer.status_code == 402 and answer.json()["plan"] == "Probe"

    await eventually(refused_by_probe, timeout=60)
    await grant_plan(org, UNLIMITED_REVISION + 1)

    async def made() -> str | None:
        answer = await probe()
        return str(answer.json()["id"]) if answer.status_code == 201 else None

    return str(await eventually(made, timeout=60))


async def build_agency(client: Any, name: str = "Agency", *, with_inbox: bool = True) -> Agency:
    owner = await Api.sign_up(client, name)
    agency = Agency(owner, {"owner": owner})
    await unlimited_plan(owner)  # staff beyond the free plan's two seats
    for role in ("manager", "chatter", "analyst"):
        agency.staff[role] = await invite(owner, role, f"{name}{role.title()}")
    key = await owner.post(f"/v1/creators/{owner.creator_id}/connector-keys", json={"name": "extension"})
    assert key.status_code == 201, key.text
    agency.connector_key = key.json()["key"]
    ids = agency.ids
    ids.update(creator_id=owner.creator_id, key_id=key.json()["id"], user_id=agency.staff["chatter"].user_id)
    pending = await owner.post(
        "/v1/org/invitations", json={"email": f"p-{uuid.uuid4().hex[:6]}@example.com", "role": "analyst"}
    )
    ids["invitation_id"] = pending.json()["id"]
    start = datetime.now(UTC) + timedelta(days=1)
    shift = await owner.post(
        "/v1/org/shifts",
        json={
            "user_id": ids["user_id"],
            "creator_ids": [owner.creator_id],
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=6)).isoformat(),
        },
    )
    assert shift.status_code == 201, shift.text
    ids["shift_id"] = shift.json()["id"]
    segment = await owner.post("/v1/fans/segments", json={"name": "mine", "filter": {"tag": "x"}})
    assert segment.status_code == 201, segment.text
    ids["segment_id"] = segment.json()["segment_id"]
    social = await owner.post(
        "/v1/marketing/accounts", json={"network": "x", "handle": f"{name}_x", "credentials": {"token": "t"}}
    )
    assert social.status_code == 201, social.text
    ids["account_id"] = social.json()["account_id"]
    post = await owner.post(
        "/v1/marketing/posts",
        json={"account_id": ids["account_id"], "caption": "hello", "publish_at": start.isoformat()},
    )
    assert post.status_code == 201, post.text
    ids["post_id"] = post.json()["post_id"]
    campaign = await owner.post(
        "/v1/marketing/campaigns",
        json={"name": "launch", "cost_cents": 100, "currency": "USD", "from": start.isoformat(),
              "to": (start + timedelta(days=7)).isoformat()},
    )  # fmt: skip
    assert campaign.status_code == 201, campaign.text
    ids["campaign_id"] = campaign.json()["campaign_id"]
    link = await owner.post(
        "/v1/marketing/links",
        json={"target_url": f"https://onlyfans.com/{name.lower()}/c1", "label": "bio", "post_id": ids["post_id"]},
    )
    assert link.status_code == 201, link.text
    ids["link_id"], ids["code"] = link.json()["link_id"], link.json()["code"]
    await content_ids(owner, ids, start)
    await notification_ids(owner, ids)
    experiment = await owner.post("/v1/ai/pricing/experiments", json={"name": "12 or 18", "prices_cents": [1200, 1800]})
    assert experiment.status_code == 201, experiment.text
    ids["experiment_id"] = experiment.json()["experiment_id"]
    imported = await owner.post("/v1/revenue/imports", files={"file": ("s.csv", STATEMENT.encode(), "text/csv")})
    assert imported.status_code == 202, imported.text
    ids["import_id"] = imported.json()["import_id"]
    if with_inbox:
        posted = await owner.post(
            "/v1/inbox/messages",
            json={"fan": {"external_id": f"of_{name}", "display_name": "Alex"}, "text": "hi there"},
        )
        assert posted.status_code in (200, 201, 202), posted.text
        ids["conversation_id"] = posted.json()["conversation_id"]
        ids["fan_id"] = posted.json()["fan_id"]

        async def draft() -> str | None:
            body = (await owner.get(f"/v1/inbox/conversations/{ids['conversation_id']}")).json()
            return body["drafts"][0]["draft_id"] if body["drafts"] else None

        ids["draft_id"] = await eventually(draft, timeout=60)
        offered = await owner.post(
            f"/v1/inbox/conversations/{ids['conversation_id']}/offers",
            json={"text": "the new set", "price_cents": 1500, "media_ids": [str(uuid.uuid4())]},
        )
        assert offered.status_code == 202, offered.text
        ids["offer_id"] = offered.json()["offer_id"]

        async def fan_known() -> bool:
            return (await owner.get(f"/v1/fans/{ids['fan_id']}")).status_code == 200

        await eventually(fan_known, timeout=60)
        later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        mass = {"audience": {"segments": ["never_spent"]}, "text": "hi {name}", "send_at": later}

        async def scheduled() -> str | None:  # once the fan's segment reached the inbox
            answer = await owner.post("/v1/inbox/mass-messages", json=mass)
            return answer.json()["mass_message_id"] if answer.status_code == 201 else None

        ids["mass_message_id"] = await eventually(scheduled, timeout=60, interval=0.5)
    return agency


def tiny_jpeg(seed: str) -> bytes:
    """A real JPEG, different for each seed (the vault files the same bytes once per creator)."""
    import io

    from PIL import Image

    image = Image.new("RGB", (16, 16), tuple(uuid.uuid5(uuid.NAMESPACE_URL, seed).bytes[:3]))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


async def upload_media(owner: Api, seed: str) -> dict[str, Any]:
    """Uploads a JPEG to the vault as the frontend does: presign, PUT to S3, complete."""
    import httpx

    body = tiny_jpeg(seed)
    made = await owner.post(
        "/v1/content/media/uploads", json={"filename": f"{seed}.jpg", "content_type": "image/jpeg", "size": len(body)}
    )
    assert made.status_code == 201, made.text
    upload = made.json()
    async with httpx.AsyncClient(timeout=30) as s3:
        put = await s3.put(upload["url"], content=body, headers=upload["headers"])
    assert put.status_code == 200, put.text
    done = await owner.post(f"/v1/content/media/uploads/{upload['upload_id']}/complete", json={})
    assert done.status_code == 200, done.text
    return done.json()


async def notification_ids(owner: Api, ids: dict[str, str]) -> None:
    """A webhook endpoint with a delivery, and a notification: a post due now on the agency's X account,
    whose token the X peer refuses, fails at once and its team is told."""
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    failing = await owner.post(
        "/v1/marketing/posts", json={"account_id": ids["account_id"], "caption": "refused", "publish_at": soon}
    )
    assert failing.status_code == 201, failing.text
    endpoint = await owner.post(
        "/v1/webhooks", json={"url": "https://hooks.example.com/huntaze", "events": ["post.failed"]}
    )
    assert endpoint.status_code == 201, endpoint.text
    ids["endpoint_id"] = endpoint.json()["endpoint_id"]
    tested = await owner.post(f"/v1/webhooks/{ids['endpoint_id']}/test")
    assert tested.status_code == 202, tested.text
    ids["delivery_id"] = tested.json()["delivery_id"]

    async def notice() -> str | None:
        items = (await owner.get("/v1/notifications")).json()["items"]
        return items[0]["notification_id"] if items else None

    ids["notification_id"] = await eventually(notice, timeout=60, interval=0.5)


async def content_ids(owner: Api, ids: dict[str, str], start: datetime) -> None:
    """A vault medium, a calendar drop, a calendar import and an idea of this agency's."""
    filed = await upload_media(owner, f"agency-{owner.creator_id}")
    ids["upload_id"], ids["media_id"] = filed["upload_id"], filed["media"]["media_id"]
    drop = await owner.post(
        "/v1/calendar/items", json={"kind": "drop", "title": "New set", "starts_at": start.isoformat()}
    )
    assert drop.status_code == 201, drop.text
    ids["item_id"] = ids["entry_id"] = drop.json()["entry_id"]
    imported = await owner.post(
        "/v1/calendar/import",
        json={"rows": [{"kind": "drop", "title": "Imported drop", "starts_at": start.isoformat()}]},
    )
    assert imported.status_code == 201, imported.text
    ids["calendar_import_id"] = imported.json()["import_id"]
    asked = await owner.post("/v1/content/ideas/generate", json={"for": "onlyfans", "count": 1})
    assert asked.status_code == 202, asked.text

    async def idea() -> str | None:
        items = (await owner.get("/v1/content/ideas", params={"request_id": asked.json()["request_id"]})).json()
        return items["items"][0]["idea_id"] if items.get("items") else None

    ids["idea_id"] = await eventually(idea, timeout=60, interval=0.3)
