"""Media ROI through the gateway, on real Kafka and PostgreSQL: offers made in the inbox at two
prices to a whale and to a fan who never spent, one of them a bundle; unlocks and a refund reported
by the connector through the revenue API; the vault's descriptions on ``media.uploaded`` (produced
here as the content service does). ``GET /v1/analytics/media`` shows per item what sold, to whom
(the fan's segment when the offer left) and at which price, exact to the cent, the bundle split so
the items add up to the total; another creator sees none of it; bad parameters are a 422."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from huntaze_events import MediaUploaded, kafka_headers, make_envelope
from huntaze_testkit import Api, eventually

WHALE, SMALL = "mr_whale", "mr_small"


def fan(external_id: str) -> dict[str, str]:
    return {"external_id": external_id, "display_name": external_id.title()}


def sale(external_id: str, gross: int, type_: str, offer_id: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "external_id": f"mr-{uuid.uuid4()}",
        "fan": fan(external_id),
        "type": type_,
        "gross_cents": gross,
        "fee_cents": abs(gross) // 5,
        "currency": "USD",
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    if offer_id:
        item["ref"] = {"kind": "message", "id": offer_id}
    return item


async def post_sales(api: Api, *items: dict[str, Any]) -> None:
    answer = await api.post("/v1/revenue/transactions", json={"items": list(items)})
    assert answer.status_code == 200 and answer.json()["accepted"] == len(items), answer.text


async def segments_of(api: Api, external_id: str) -> list[str]:
    page = (await api.get("/v1/fans", params={"q": external_id})).json()
    return page["items"][0]["segments"] if page["items"] else []


async def upload(kafka: str, creator_id: str, media_id: str, title: str, kind: str, tags: list[str]) -> None:
    """What the content service produces when a file is filed in the vault."""
    envelope = make_envelope(
        MediaUploaded(
            media_id=uuid.UUID(media_id),
            kind=kind,  # type: ignore[arg-type]
            content_type="image/jpeg" if kind == "photo" else "video/mp4",
            size_bytes=123_456,
            sha256=uuid.uuid4().hex * 2,
            title=title,
            tags=tags,
            uploaded_at=datetime.now(UTC),
        ),
        producer="content",
        creator_id=uuid.UUID(creator_id),
    )
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            "media.uploaded.v1", envelope.to_json(), key=media_id.encode(), headers=kafka_headers(envelope)
        )
    finally:
        await producer.stop()


async def test_media_roi_per_item_by_segment_and_price_to_the_cent(gateway: Any, infra: Any) -> None:
    api = await Api.sign_up(gateway, "MediaRoi")
    other = await Api.sign_up(gateway, "MediaRoiOther")
    assert (await api.put("/v1/revenue/settings", json={"whale_threshold_cents": 10_000})).status_code == 200
    conversations = {}
    for who in (WHALE, SMALL):
        posted = await api.post("/v1/inbox/messages", json={"fan": fan(who), "text": "hey"})
        assert posted.status_code == 202, posted.text
        conversations[who] = posted.json()["conversation_id"]
    await post_sales(api, sale(WHALE, 20_000, "tip"))  # above the threshold: a whale

    async def segmented() -> bool:
        whale, small = await segments_of(api, WHALE), await segments_of(api, SMALL)
        assert whale == ["whales"] and small == ["never_spent"], (whale, small)
        return True

    await eventually(segmented, timeout=30)

    beach, gym, extra = (str(uuid.uuid4()) for _ in range(3))  # `extra` the vault never describes
    await upload(infra.kafka, api.creator_id, beach, "Beach set", "photo", ["summer", "beach"])
    await upload(infra.kafka, api.creator_id, gym, "Gym video", "video", ["gym"])

    async def offer(who: str, media: list[str], price: int) -> str:
        made = await api.post(
            f"/v1/inbox/conversations/{conversations[who]}/offers",
            json={"text": "a new set", "price_cents": price, "media_ids": media},
        )
        assert made.status_code == 202, made.text
        return made.json()["offer_id"]

    whale_beach = await offer(WHALE, [beach], 1500)
    small_beach = await offer(SMALL, [beach], 2500)
    small_bundle = await offer(SMALL, [gym, extra], 1001)
    whale_gym = await offer(WHALE, [gym], 2500)

    async def all_sent() -> bool:
        for offer_id in (whale_beach, small_beach, small_bundle, whale_gym):
            answer = await api.get(f"/v1/inbox/offers/{offer_id}")
            assert answer.status_code == 200 and answer.json()["status"] == "sent", answer.text
        return True

    await eventually(all_sent, timeout=30)
    # unlocks (after every offer left: the small fan stops being never_spent only now), then a refund
    await post_sales(
        api,
        sale(WHALE, 1500, "message", whale_beach),
        sale(SMALL, 1001, "message", small_bundle),
        sale(WHALE, 2500, "message", whale_gym),
    )
    await post_sales(api, sale(WHALE, 500, "refund", whale_beach))

    today = datetime.now(UTC).date()
    window = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}

    async def settled() -> dict[str, Any] | None:
        answer = await api.get("/v1/analytics/media", params=window)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items = {i["media_id"]: i for i in body["items"]}
        done = (
            body["totals"]
            and body["totals"][0]["unlocks"] == 3
            and items.get(beach, {}).get("gross_cents") == 1000
            and items.get(beach, {}).get("title") == "Beach set"
            and items.get(gym, {}).get("title") == "Gym video"
            and all(i["by_segment"][0]["segment"] for i in body["items"])
        )
        return body if done else None

    body = await eventually(settled, timeout=60, interval=0.5)
    assert body["totals"] == [
        {"currency": "USD", "offers": 4, "unlocks": 3, "unlock_rate": 0.75, "gross_cents": 4501, "net_cents": 3601}
    ]
    assert [i["media_id"] for i in body["items"]] == [gym, beach, extra], "by net revenue"
    items = {i["media_id"]: i for i in body["items"]}
    assert sum(i["gross_cents"] for i in body["items"]) == 4501 and sum(i["net_cents"] for i in body["items"]) == 3601

    def figures(row: dict[str, Any]) -> tuple[Any, ...]:
        return row["offers"], row["unlocks"], row["unlock_rate"], row["gross_cents"], row["net_cents"]

    # the beach set: 1500 unlocked by the whale, 500 refunded (fees 20 %); the never_spent fan passed at 25.00
    b = items[beach]
    assert (b["title"], b["kind"], b["tags"], b["known"], b["bundle_offers"]) == (
        "Beach set",
        "photo",
        ["summer", "beach"],
        True,
        0,
    )
    assert figures(b) == (2, 1, 0.5, 1000, 800) and (b["gross_per_offer_cents"], b["net_per_offer_cents"]) == (500, 400)
    assert {s["segment"]: figures(s) for s in b["by_segment"]} == {
        "whales": (1, 1, 1.0, 1000, 800),
        "never_spent": (1, 0, 0.0, 0, 0),
    }
    assert [(p["price_cents"], p["bundle_of"], *figures(p), p["net_per_offer_cents"]) for p in b["by_price"]] == [
        (1500, 1, 1, 1, 1.0, 1000, 800, 800),
        (2500, 1, 1, 0, 0.0, 0, 0, 0),
    ]
    # the gym video: 2500 alone to the whale, and the first half of the 10.01 bundle (501 / 401)
    g = items[gym]
    assert figures(g) == (2, 2, 1.0, 3001, 2401) and g["bundle_offers"] == 1 and g["kind"] == "video"
    assert {s["segment"]: figures(s) for s in g["by_segment"]} == {
        "whales": (1, 1, 1.0, 2500, 2000),
        "never_spent": (1, 1, 1.0, 501, 401),
    }
    assert [(p["price_cents"], p["bundle_of"], *figures(p)) for p in g["by_price"]] == [
        (1001, 2, 1, 1, 1.0, 501, 401),
        (2500, 1, 1, 1, 1.0, 2500, 2000),
    ]
    # the item the vault never described: the bundle's second half, shown by id
    e = items[extra]
    assert (e["known"], e["title"], e["kind"], figures(e)) == (False, None, None, (1, 1, 1.0, 500, 400))
    assert [s["segment"] for s in e["by_segment"]] == ["never_spent"]

    # pages, the currency filter, the tenant wall
    first = (await api.get("/v1/analytics/media", params={**window, "limit": 2})).json()
    assert [i["media_id"] for i in first["items"]] == [gym, beach] and first["next_cursor"]
    rest = (await api.get("/v1/analytics/media", params={**window, "limit": 2, "cursor": first["next_cursor"]})).json()
    assert [i["media_id"] for i in rest["items"]] == [extra] and rest["next_cursor"] is None
    eur = (await api.get("/v1/analytics/media", params={**window, "currency": "EUR"})).json()
    assert eur["items"] == [] and eur["totals"] == []
    theirs = await other.get("/v1/analytics/media", params=window)
    assert theirs.status_code == 200 and theirs.json()["items"] == [] and theirs.json()["totals"] == []

    # bad parameters: a clear 422
    for params in (
        {"from": window["to"], "to": window["from"]},
        {"from": window["from"], "to": window["from"]},
        {"from": "2024-01-01", "to": window["to"]},
        {"from": "last week", "to": window["to"]},
        {**window, "currency": "DOLLARS"},
        {**window, "limit": 0},
        {**window, "limit": 1000},
        {**window, "cursor": "garbage"},
        {**window, "tz": "Nowhere/Town"},
    ):
        answer = await api.get("/v1/analytics/media", params=params)
        assert answer.status_code == 422, (params, answer.status_code, answer.text)
