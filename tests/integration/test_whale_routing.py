"""Whale routing picks the right chatter, through the gateway on the real platform: two chatters on
shift (Bob's shift started first: the fallback would pick him), Anna sold to the fan before — the
fan's purchase of her offer makes them a whale (fans service → ``fan.segment_changed`` → inbox) —
then the fan writes: the conversation is priority in the list, routed to Anna (``sold_before``),
Anna has a ``whale`` notification and Bob does not; Anna answers with an offer and the priority clears."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from huntaze_testkit import Api, eventually
from huntaze_testkit.agency import invite, unlimited_plan

FAN = {"external_id": "whale_routing_fan", "display_name": "Jake"}


async def test_whale_routing_picks_the_chatter_who_sold_to_the_fan_before(gateway: Any) -> None:
    owner = await Api.sign_up(gateway, "Whales")
    await unlimited_plan(owner)  # seats for two chatters
    anna = await invite(owner, "chatter", "WhaleAnna")
    bob = await invite(owner, "chatter", "WhaleBob")
    creator = owner.creator_id
    key = await owner.post(f"/v1/creators/{creator}/connector-keys", json={"name": "extension"})
    assert key.status_code == 201, key.text
    connector = {"Authorization": f"Bearer {key.json()['key']}", "X-Creator-Id": creator}

    def as_(who: Api) -> dict[str, str]:
        return {**who.auth, "X-Creator-Id": creator}

    now = datetime.now(UTC)
    for who, started in ((bob, 30), (anna, 10)):
        scheduled = await owner.post(
            "/v1/org/shifts",
            json={"user_id": who.user_id, "creator_ids": [creator], "starts_at": (now - timedelta(minutes=started)).isoformat(),
                  "ends_at": (now + timedelta(hours=3)).isoformat()},
        )  # fmt: skip
        assert scheduled.status_code == 201, scheduled.text

    async def writes(text: str) -> dict[str, Any]:  # the connector webhook: the fan writes
        posted = await gateway.post("/v1/inbox/messages", headers=connector, json={"fan": FAN, "text": text})
        assert posted.status_code == 202, posted.text
        return dict(posted.json())

    async def conversations(**params: Any) -> list[dict[str, Any]]:
        page = await gateway.get("/v1/inbox/conversations", headers=as_(anna), params=params)
        assert page.status_code == 200, page.text
        return list(page.json()["items"])

    # not a whale yet: nothing is priority
    conversation = (await writes("hi!"))["conversation_id"]
    (listed,) = await conversations()
    assert listed["priority"] is False and listed["assigned_user_id"] is None
    assert await conversations(priority="true") == []

    # Anna sells to the fan: a purchase above the whale threshold ($500)
    made = await gateway.post(
        f"/v1/inbox/conversations/{conversation}/offers",
        headers=as_(anna),
        json={"text": "the full set", "price_cents": 5000, "media_ids": [str(uuid.uuid4())]},
    )
    assert made.status_code == 202, made.text
    offer = made.json()["offer_id"]

    async def offer_status() -> str:
        return str((await owner.get(f"/v1/inbox/offers/{offer}")).json()["status"])

    await eventually(lambda: _is(offer_status(), "sent"), timeout=30)
    sale = {"external_id": f"whale-{offer}", "fan": FAN, "type": "message", "gross_cents": 80_000, "fee_cents": 16_000,
            "currency": "USD", "occurred_at": datetime.now(UTC).isoformat(), "ref": {"kind": "message", "id": offer}}  # fmt: skip
    recorded = await owner.post("/v1/revenue/transactions", json={"items": [sale]})
    assert recorded.status_code == 200, recorded.text
    await eventually(lambda: _is(offer_status(), "unlocked"), timeout=30)

    async def whale_in_inbox() -> bool:  # the inbox's read model of the fan's segments (mass-message audiences)
        body = {"audience": {"segments": ["whales"]}, "text": "hello"}
        preview = await owner.post("/v1/inbox/mass-messages/preview", json=body)
        assert preview.status_code in (200, 422), preview.text
        return preview.status_code == 200 and preview.json()["recipients"] == 1

    await eventually(whale_in_inbox, timeout=60, interval=0.5)

    # the whale writes: priority, routed to Anna who sold to them before
    message = await writes("are you there? 🥺")
    (priority,) = await conversations(priority="true")
    assert priority["conversation_id"] == conversation, priority
    assert priority["priority"] is True and priority["priority_reason"] == "whale"
    assert priority["assigned_user_id"] == anna.user_id and priority["priority_matched_by"] == "sold_before"
    detail = (await gateway.get(f"/v1/inbox/conversations/{conversation}", headers=as_(bob))).json()
    assert detail["priority"] is True and detail["assigned_user_id"] == anna.user_id
    await writes("hello??")  # still priority: told once until answered

    async def whale_notices(who: Api) -> list[dict[str, Any]]:
        page = await gateway.get("/v1/notifications", headers=as_(who))
        assert page.status_code == 200, page.text
        return [n for n in page.json()["items"] if n["kind"] == "whale"]

    async def anna_told() -> list[dict[str, Any]] | None:
        return await whale_notices(anna) or None

    (notice,) = await eventually(anna_told, timeout=60, interval=0.5)
    assert notice["data"]["conversation_id"] == conversation and notice["data"]["matched_by"] == "sold_before"
    assert message["fan_id"] not in str(notice), "the notice names no fan"
    assert await whale_notices(bob) == [] and await whale_notices(owner) == []

    # Anna answers (a paid offer): the priority clears
    answered = await gateway.post(
        f"/v1/inbox/conversations/{conversation}/offers",
        headers=as_(anna),
        json={"text": "just for you", "price_cents": 2500, "media_ids": [str(uuid.uuid4())]},
    )
    assert answered.status_code == 202, answered.text
    assert await conversations(priority="true") == []
    (listed,) = await conversations()
    assert listed["priority"] is False


async def _is(value: Any, expected: str) -> bool:
    return await value == expected
