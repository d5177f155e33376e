"""Mass messages through the gateway, on real Kafka and PostgreSQL: the audience of segments with
its exclusions is exactly the fans service's members less those who bought the media or were
written to lately; each fan gets one copy with their name; a paid copy's unlock shows on the mass
message to the cent; a scheduled one is cancelled before anything leaves; bad input is a clear 4xx."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from huntaze_testkit import Api, eventually

FANS = 30
WHALES = range(0, 10)  # spend $200 each (threshold set to $100)
SMALL = range(10, 15)  # spend $10: neither whales nor never_spent
BOUGHT = 3  # a whale who already bought the media
MESSAGED = 20  # a never_spent fan we sent an offer to an hour ago … just now


def fan(i: int) -> dict[str, str]:
    return {"external_id": f"mm_fan_{i}", "display_name": f"Fan{i}"}


def sale(i: int, gross: int, ref: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "external_id": f"mm-{i}-{uuid.uuid4()}",
        "fan": fan(i),
        "type": "message" if ref else "tip",
        "gross_cents": gross,
        "currency": "USD",
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    if ref:
        item["ref"] = {"kind": "message", "id": ref}
    return item


async def members(api: Api, segment: str) -> set[str]:
    found: set[str] = set()
    cursor = None
    while True:
        params = {"segment": segment, "limit": 200, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/v1/fans", params=params)).json()
        found |= {f["fan_id"] for f in page["items"]}
        if not (cursor := page.get("next_cursor")):
            return found


async def test_a_mass_message_reaches_exactly_its_audience_once_and_its_unlocks_count(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "Mass")
    assert (await api.put("/v1/revenue/settings", json={"whale_threshold_cents": 10_000})).status_code == 200
    conversations: dict[int, str] = {}
    fan_ids: dict[int, str] = {}
    for i in range(FANS):
        posted = await api.post("/v1/inbox/messages", json={"fan": fan(i), "text": "hey"})
        assert posted.status_code == 202, posted.text
        conversations[i], fan_ids[i] = posted.json()["conversation_id"], posted.json()["fan_id"]
    media = str(uuid.uuid4())
    bought = await api.post(
        f"/v1/inbox/conversations/{conversations[BOUGHT]}/offers",
        json={"text": "the set", "price_cents": 1000, "media_ids": [media]},
    )
    sales = [sale(i, 20_000) for i in WHALES] + [sale(i, 1_000) for i in SMALL]
    sales.append(sale(BOUGHT, 1000, ref=bought.json()["offer_id"]))
    assert (await api.post("/v1/revenue/transactions", json={"items": sales})).json()["accepted"] == len(sales)
    messaged = await api.post(
        f"/v1/inbox/conversations/{conversations[MESSAGED]}/offers",
        json={"text": "another set", "price_cents": 1000, "media_ids": [str(uuid.uuid4())]},
    )
    assert messaged.status_code == 202

    # the expected audience, from the fans service: whales or never_spent, less the two exclusions
    async def segments_settled() -> bool:
        counts = (len(await members(api, "whales")), len(await members(api, "never_spent")))
        assert counts == (len(WHALES), FANS - 15), counts
        return True

    await eventually(segments_settled, timeout=30)
    expected = (await members(api, "whales") | await members(api, "never_spent")) - {fan_ids[BOUGHT], fan_ids[MESSAGED]}
    assert len(expected) == 23
    body = {
        "audience": {
            "segments": ["whales", "never_spent"],
            "exclude_segments": ["lapsed"],
            "exclude_bought_media": True,
            "exclude_messaged_within_hours": 24,
        },
        "text": "Hey {name}, a new set just for you",
        "price_cents": 1200,
        "media_ids": [media],
    }

    async def previewed() -> dict[str, Any] | None:
        answer = await api.post("/v1/inbox/mass-messages/preview", json=body)
        assert answer.status_code in (200, 422), answer.text
        return answer.json() if answer.status_code == 200 and answer.json()["recipients"] == 23 else None

    preview = await eventually(previewed, timeout=30)
    assert len(preview["sample"]) == 10 and {r["fan_id"] for r in preview["sample"]} <= expected

    created = await api.post("/v1/inbox/mass-messages", json=body)
    assert created.status_code == 201, created.text
    mass_id = created.json()["mass_message_id"]

    async def done() -> dict[str, Any] | None:
        answer = (await api.get(f"/v1/inbox/mass-messages/{mass_id}")).json()
        return answer if answer["status"] == "done" else None

    finished = await eventually(done, timeout=60)
    assert (finished["recipients"], finished["sent"], finished["failed"], finished["waiting"]) == (23, 23, 0, 0)

    # each recipient has exactly one copy, with their name, as a paid offer; nobody else has one
    got: dict[str, dict[str, Any]] = {}
    for i in range(FANS):
        conversation = (await api.get(f"/v1/inbox/conversations/{conversations[i]}")).json()
        copies = [o for o in conversation["offers"] if o["text"].startswith("Hey ")]
        assert len(copies) <= 1, copies
        if copies:
            assert copies[0]["text"] == f"Hey Fan{i}, a new set just for you" and copies[0]["price_cents"] == 1200
            got[fan_ids[i]] = copies[0]
    assert set(got) == expected

    # the connector reports an unlock of one copy: it shows on the mass message, to the cent
    whale = next(i for i in WHALES if fan_ids[i] in expected)
    unlock = sale(whale, 1200, ref=got[fan_ids[whale]]["offer_id"])
    assert (await api.post("/v1/revenue/transactions", json={"items": [unlock]})).json()["accepted"] == 1

    async def unlocked() -> dict[str, Any] | None:
        answer = (await api.get(f"/v1/inbox/mass-messages/{mass_id}")).json()
        return answer if answer["unlocked"] == 1 else None

    counted = await eventually(unlocked, timeout=30)
    assert (counted["revenue_cents"], counted["net_cents"]) == (1200, 960)

    # scheduled for later, then cancelled: nothing leaves, and it cannot be cancelled twice
    later = {
        **body,
        "audience": {"segments": ["whales"]},  # everybody else was just written to
        "send_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    }
    answer = await api.post("/v1/inbox/mass-messages", json=later)
    assert answer.status_code == 201, answer.text
    scheduled = answer.json()
    assert scheduled["status"] == "scheduled" and scheduled["recipients"] == len(WHALES)
    cancelled = await api.post(f"/v1/inbox/mass-messages/{scheduled['mass_message_id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    assert cancelled.json()["sent"] == 0 and cancelled.json()["waiting"] == 0
    again = await api.post(f"/v1/inbox/mass-messages/{scheduled['mass_message_id']}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "not_cancellable"
    listed = (await api.get("/v1/inbox/mass-messages")).json()["items"]
    assert [m["mass_message_id"] for m in listed] == [scheduled["mass_message_id"], mass_id]


async def test_bad_mass_messages_get_a_clear_4xx(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "BadMass")
    posted = await api.post("/v1/inbox/messages", json={"fan": fan(0), "text": "hey"})
    assert posted.status_code == 202

    async def known() -> bool:
        answer = await api.post(
            "/v1/inbox/mass-messages/preview", json={"audience": {"segments": ["never_spent"]}, "text": "hi"}
        )
        return answer.status_code == 200 and answer.json()["recipients"] == 1

    await eventually(known, timeout=30)
    good: dict[str, Any] = {"audience": {"segments": ["never_spent"]}, "text": "hi {name}"}
    media = [str(uuid.uuid4())]
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({**good, "price_cents": 100, "media_ids": media}, "price_out_of_range"),
        ({**good, "price_cents": 1000}, None),  # a price needs media
        ({**good, "audience": {"segments": ["dolphins"]}}, "unknown_segment"),
        ({**good, "audience": {"segments": [f"custom:{uuid.uuid4()}"]}}, "unknown_segment"),
        ({**good, "audience": {"segments": []}}, None),
        ({**good, "audience": {"segments": ["lapsed"]}}, "empty_audience"),
        ({**good, "audience": {"segments": ["never_spent"], "exclude_messaged_within_hours": 0}}, None),
        ({**good, "send_at": past}, "send_at_in_past"),
        ({**good, "send_at": "tomorrow"}, None),
        ({**good, "text": "hi {nmae}"}, None),
        ({**good, "text": "x" * 4001}, None),
        ({**good, "text": "send it to my venmo"}, "restricted_word"),
        ({**good, "price_cents": "12.00", "media_ids": media}, None),
        ({**good, "surprise": True}, None),
    ]
    for body, code in cases:
        answer = await api.post("/v1/inbox/mass-messages", json=body)
        assert answer.status_code == 422, (body, answer.status_code, answer.text)
        if code:
            assert answer.json()["code"] == code, (body, answer.text)
    assert (await api.get("/v1/inbox/mass-messages")).json()["items"] == []
    assert (await api.get(f"/v1/inbox/mass-messages/{uuid.uuid4()}")).status_code == 404
    assert (await api.post(f"/v1/inbox/mass-messages/{uuid.uuid4()}/cancel")).status_code == 404
