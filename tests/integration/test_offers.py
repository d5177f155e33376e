"""Paid offers (PPV) one to one through the gateway, on real Kafka and PostgreSQL: a chatter offers
media at a price → the connector takes it (``ppv.offered``) → the connector reports the unlock as a
``message`` sale naming the offer → the offer shows ``unlocked`` with its revenue (``ppv.unlocked``,
once), a refund takes it back to the cent, and the conversation shows the fan's media history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from huntaze_testkit import Api, EventTap, eventually
from huntaze_testkit.agency import build_agency


async def offer_of(api: Api, offer_id: str) -> dict[str, Any]:
    answer = await api.get(f"/v1/inbox/offers/{offer_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def sale(offer_id: str, external_id: str, gross: int, type_: str = "message") -> dict[str, Any]:
    return {
        "external_id": external_id,
        "fan": {"external_id": "of_offer_fan", "display_name": "Jake"},
        "type": type_,
        "gross_cents": gross,
        "fee_cents": abs(gross) // 5,
        "currency": "USD",
        "occurred_at": datetime.now(UTC).isoformat(),
        "ref": {"kind": "message", "id": offer_id},
    }


async def test_an_offer_is_sent_unlocked_by_its_sale_once_and_refunded_to_the_cent(
    gateway: Any, event_tap: EventTap
) -> None:
    agency = await build_agency(gateway, "Offers", with_inbox=False)
    owner, chatter = agency.owner, agency.staff["chatter"]
    posted = await owner.post(
        "/v1/inbox/messages",
        json={"fan": {"external_id": "of_offer_fan", "display_name": "Jake"}, "text": "anything new?"},
    )
    assert posted.status_code == 202, posted.text
    conversation_id, fan_id = posted.json()["conversation_id"], posted.json()["fan_id"]
    media = [str(uuid.uuid4()), str(uuid.uuid4())]

    made = await chatter.post(
        f"/v1/inbox/conversations/{conversation_id}/offers",
        json={"text": "the full set from Saturday 🔥", "price_cents": 1500, "media_ids": media},
    )
    assert made.status_code == 202, made.text
    offer_id = made.json()["offer_id"]
    assert made.json()["status"] in ("approved", "sent") and made.json()["created_by"] == chatter.user_id

    async def sent() -> dict[str, Any] | None:
        offer = await offer_of(owner, offer_id)
        return offer if offer["status"] == "sent" else None

    offer = await eventually(sent, timeout=30)
    assert offer["expires_at"] and offer["revenue_cents"] == 0
    mine = lambda r: r.value is not None and r.value["payload"]["offer_id"] == offer_id  # noqa: E731
    (offered,) = [r.value for r in await event_tap.wait_for("ppv.offered.v1", mine)]
    assert offered["payload"]["by"]["user_id"] == chatter.user_id and offered["payload"]["price_cents"] == 1500
    assert offered["payload"]["media_ids"] == media and offered["creator_id"] == owner.creator_id

    # the connector reports the unlock (twice: a retry), then a partial refund
    for _ in range(2):
        answer = await owner.post(
            "/v1/revenue/transactions", json={"items": [sale(offer_id, f"unlock-{offer_id}", 1500)]}
        )
        assert answer.status_code == 200, answer.text

    async def unlocked() -> dict[str, Any] | None:
        offer = await offer_of(owner, offer_id)
        return offer if offer["status"] == "unlocked" else None

    offer = await eventually(unlocked, timeout=30)
    assert (offer["revenue_cents"], offer["net_cents"]) == (1500, 1200) and offer["unlocked_at"]
    refund = sale(offer_id, f"refund-{offer_id}", 500, "refund")
    assert (await owner.post("/v1/revenue/transactions", json={"items": [refund]})).status_code == 200

    async def refunded() -> dict[str, Any] | None:
        offer = await offer_of(owner, offer_id)
        return offer if offer["revenue_cents"] == 1000 else None

    offer = await eventually(refunded, timeout=30)
    assert offer["net_cents"] == 800 and offer["status"] == "unlocked"
    unlocks = await event_tap.wait_for("ppv.unlocked.v1", mine)
    assert len(event_tap.select("ppv.unlocked.v1", mine)) == 1, unlocks
    assert unlocks[0].value["payload"]["gross_cents"] == 1500 and unlocks[0].key == conversation_id

    # the conversation shows the offer, the message that carried it, and the fan's media history
    conversation = (await chatter.get(f"/v1/inbox/conversations/{conversation_id}")).json()
    assert [o["offer_id"] for o in conversation["offers"]] == [offer_id]
    assert [m["offer_id"] for m in conversation["messages"] if m["direction"] == "out"] == [offer_id]
    history = {h["media_id"]: h for h in conversation["media"]}
    assert set(history) == set(media) and all(h["bought"] and h["sent"] == 1 for h in history.values())
    assert fan_id == offer["fan_id"]


async def test_bad_offers_get_a_clear_4xx_and_nothing_is_sent(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "BadOffers")
    posted = await api.post(
        "/v1/inbox/messages", json={"fan": {"external_id": "of_bad", "display_name": "Bad"}, "text": "hi"}
    )
    conversation_id = posted.json()["conversation_id"]
    url = f"/v1/inbox/conversations/{conversation_id}/offers"
    good = {"text": "just for you", "price_cents": 1500, "media_ids": [str(uuid.uuid4())]}
    cases: list[tuple[dict[str, Any], int, str | None]] = [
        ({**good, "price_cents": 299}, 422, "price_out_of_range"),
        ({**good, "price_cents": 20001}, 422, "price_out_of_range"),
        ({**good, "price_cents": "15.00"}, 422, None),
        ({**good, "price_cents": 15.5}, 422, None),
        ({**good, "media_ids": []}, 422, None),
        ({**good, "media_ids": ["not-a-uuid"]}, 422, None),
        ({**good, "media_ids": [good["media_ids"][0]] * 2}, 422, None),
        ({**good, "text": "x" * 4001}, 422, None),
        ({**good, "text": "   "}, 422, None),
        ({**good, "text": "pay me on cashapp"}, 422, "restricted_word"),
        ({**good, "surprise": 1}, 422, None),
    ]
    for body, status, code in cases:
        answer = await api.post(url, json=body)
        assert answer.status_code == status, (body, answer.status_code, answer.text)
        if code:
            assert answer.json()["code"] == code, answer.text
    assert (await api.post(f"/v1/inbox/conversations/{uuid.uuid4()}/offers", json=good)).status_code == 404
    assert (await api.get(f"/v1/inbox/offers/{uuid.uuid4()}")).status_code == 404
    assert (await api.get("/v1/inbox/offers/not-a-uuid")).status_code == 422
    conversation = (await api.get(f"/v1/inbox/conversations/{conversation_id}")).json()
    assert conversation["offers"] == [] and [m["direction"] for m in conversation["messages"]] == ["in"]
