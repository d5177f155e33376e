"""The usage history of media and a fan's sent/bought flags, on the real Kafka and PostgreSQL, built by
the content service from events only: real offers (inbox) and their unlock and refund (the connector's
transactions naming the offer, reported twice) → the medium's history (offers sent and bought, unlock
rate, revenue exact to the cent, the refund subtracted) and the fans' flags; the ``sold`` view the
vault's list joins; an erased fan leaves the flags while the money stays; another creator's ids
answer 404 and bad input a clear 4xx."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from aiokafka import AIOKafkaProducer

from huntaze_events import REGISTRY, EventPayload, MassMessageSent, PostPublished, kafka_headers, make_envelope
from huntaze_service.db import libpq_url
from huntaze_testkit import Api, eventually
from huntaze_testkit.agency import upload_media


def sale(
    offer_id: str, external_id: str, gross: int, type_: str = "message", fan: str = "of_usage_a"
) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "fan": {"external_id": fan, "display_name": fan},
        "type": type_,
        "gross_cents": gross,
        "fee_cents": abs(gross) // 5,
        "currency": "USD",
        "occurred_at": datetime.now(UTC).isoformat(),
        "ref": {"kind": "message", "id": offer_id},
    }


async def conversation(api: Api, fan: str) -> tuple[str, str]:
    posted = await api.post("/v1/inbox/messages", json={"fan": {"external_id": fan, "display_name": fan}, "text": "hi"})
    assert posted.status_code == 202, posted.text
    return posted.json()["conversation_id"], posted.json()["fan_id"]


async def offer(api: Api, conversation_id: str, media: list[str], price: int) -> str:
    made = await api.post(
        f"/v1/inbox/conversations/{conversation_id}/offers",
        json={"text": "the new set", "price_cents": price, "media_ids": media},
    )
    assert made.status_code == 202, made.text
    return made.json()["offer_id"]


async def usage(api: Api, media_id: str) -> dict[str, Any]:
    answer = await api.get(f"/v1/content/media/{media_id}/usage")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def flags(api: Api, fan_id: str, media: list[str]) -> dict[str, str | None]:
    answer = await api.get(f"/v1/content/fans/{fan_id}/media-flags", params=[("media_id", m) for m in media])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["fan_id"] == fan_id and [f["media_id"] for f in body["media"]] == media
    return {f["media_id"]: f["flag"] for f in body["media"]}


async def sold_media(url: str, creator_id: str) -> set[str]:
    """What the vault's ``sold`` filter sees (the view it joins on)."""
    async with await psycopg.AsyncConnection.connect(libpq_url(url)) as conn:
        rows = await (
            await conn.execute("SELECT DISTINCT media_id FROM usage_sold_media WHERE creator_id = %s", (creator_id,))
        ).fetchall()
    return {str(r[0]) for r in rows}


async def produce(kafka: str, creator_id: str, payloads: list[tuple[EventPayload, str]]) -> None:
    """Events on their topics as their producing service would write them (each with a new event id)."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all")
    await producer.start()
    try:
        for payload, producer_name in payloads:
            spec = REGISTRY.for_model(type(payload))
            envelope = make_envelope(payload, producer=producer_name, creator_id=uuid.UUID(creator_id))
            key = str(getattr(payload, spec.key)).encode()
            await producer.send_and_wait(spec.topic, envelope.to_json(), key=key, headers=kafka_headers(envelope))
    finally:
        await producer.stop()


def revenue(u: dict[str, Any]) -> list[tuple[str, int, int]]:
    return [(m["currency"], m["gross_cents"], m["net_cents"]) for m in u["offers"]["revenue"]]


async def test_usage_history_and_flags_follow_real_offers_unlocks_and_refunds(gateway: Any, infra: Any) -> None:
    api = await Api.sign_up(gateway, "UsageA")
    (conv_a, fan_a), (conv_b, fan_b) = await conversation(api, "of_usage_a"), await conversation(api, "of_usage_b")
    # m1 is in the vault (uploaded through S3), m2 only named by offers
    m1, m2 = (await upload_media(api, f"usage-{api.creator_id}"))["media"]["media_id"], str(uuid.uuid4())
    offer_a = await offer(api, conv_a, [m1, m2], 1500)
    await offer(api, conv_b, [m2], 2500)

    async def offered() -> dict[str, Any] | None:
        answer = await api.get(f"/v1/content/media/{m2}/usage")
        return answer.json() if answer.status_code == 200 and answer.json()["offers"]["sent"] == 2 else None

    u2 = await eventually(offered, timeout=30)
    assert (u2["offers"]["bought"], u2["offers"]["unlock_rate"], u2["first_used_at"] is not None) == (0, 0.0, True)
    assert [(p["price_cents"], p["sent"]) for p in u2["offers"]["by_price"]] == [(1500, 1), (2500, 1)]
    assert await flags(api, fan_a, [m1, m2]) == {m1: "sent", m2: "sent"}
    assert await flags(api, fan_b, [m1, m2]) == {m1: None, m2: "sent"}

    # the connector reports fan A's unlock twice (a retry): counted once
    for _ in range(2):
        answer = await api.post("/v1/revenue/transactions", json={"items": [sale(offer_a, f"unlock-{offer_a}", 1500)]})
        assert answer.status_code == 200, answer.text

    async def bought() -> dict[str, Any] | None:
        u = await usage(api, m2)
        return u if u["offers"]["bought"] == 1 else None

    u2 = await eventually(bought, timeout=30)
    assert (u2["offers"]["sent"], u2["offers"]["unlock_rate"]) == (2, 0.5) and revenue(u2) == [("USD", 1500, 1200)]
    u1 = await usage(api, m1)
    assert (u1["offers"]["sent"], u1["offers"]["bought"], revenue(u1)) == (1, 1, [("USD", 1500, 1200)])
    assert await flags(api, fan_a, [m1, m2]) == {m1: "bought", m2: "bought"}
    assert await flags(api, fan_b, [m2]) == {m2: "sent"}
    assert await sold_media(infra.url("content"), api.creator_id) == {m1, m2}
    # the vault shows it: the item's detail carries its history, the list flags and filters it
    detail = (await api.get(f"/v1/content/media/{m1}")).json()
    assert (detail["usage"]["offers"]["sent"], detail["usage"]["offers"]["bought"]) == (1, 1), detail
    listed = (await api.get("/v1/content/media", params={"fan_id": fan_b})).json()["items"]
    assert [(i["media_id"], i["fan_flag"]) for i in listed] == [(m1, None)]
    listed = (await api.get("/v1/content/media", params={"fan_id": fan_a, "sold": "true"})).json()["items"]
    assert [(i["media_id"], i["fan_flag"]) for i in listed] == [(m1, "bought")]

    # a partial refund subtracts to the cent; the rest refunded makes it unsold, the fan still has it
    refund = sale(offer_a, f"refund-{offer_a}", 501, "refund")
    assert (await api.post("/v1/revenue/transactions", json={"items": [refund]})).status_code == 200

    async def refunded() -> dict[str, Any] | None:
        u = await usage(api, m1)
        return u if revenue(u) == [("USD", 999, 799)] else None

    await eventually(refunded, timeout=30)
    assert await sold_media(infra.url("content"), api.creator_id) == {m1, m2}
    rest = sale(offer_a, f"refund2-{offer_a}", 999, "chargeback")
    assert (await api.post("/v1/revenue/transactions", json={"items": [rest]})).status_code == 200

    async def charged_back() -> dict[str, Any] | None:
        u = await usage(api, m1)
        return u if u["offers"]["refunded"] == 1 else None

    u1 = await eventually(charged_back, timeout=30)
    net = 1500 - 300 - (501 - 100) - (999 - 199)  # each transaction's own fee: -1 cent left to the creator
    assert revenue(u1) == [("USD", 0, net)] and u1["offers"]["bought"] == 1
    assert await sold_media(infra.url("content"), api.creator_id) == set()
    assert await flags(api, fan_a, [m1]) == {m1: "bought"}
    unsold = (await api.get("/v1/content/media", params={"sold": "false"})).json()["items"]
    assert [i["media_id"] for i in unsold] == [m1]

    # another creator: not found, and no flag leaks
    other = await Api.sign_up(gateway, "UsageB")
    assert (await other.get(f"/v1/content/media/{m1}/usage")).status_code == 404
    assert (await other.get(f"/v1/content/fans/{fan_a}/media-flags", params={"media_id": m1})).status_code == 404

    # fan B erased: their flags go, the counts and the money stay
    erased = await api.post(f"/v1/fans/{fan_b}/erase")
    assert erased.status_code == 202, erased.text

    async def forgotten() -> bool:
        return await flags(api, fan_b, [m2]) == {m2: None}

    await eventually(forgotten, timeout=30)
    u2 = await usage(api, m2)
    assert (u2["offers"]["sent"], u2["offers"]["bought"], revenue(u2)) == (2, 1, [("USD", 0, net)])


async def test_bad_input_gets_a_clear_4xx(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "UsageBad")
    _, fan = await conversation(api, "of_usage_bad")  # known to content through fan.profile_updated
    m = str(uuid.uuid4())
    assert await eventually(lambda: flags(api, fan, [m]), timeout=30) == {m: None}
    unknown = await api.get(f"/v1/content/fans/{uuid.uuid4()}/media-flags", params={"media_id": m})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert (await api.get(f"/v1/content/media/{uuid.uuid4()}/usage")).status_code == 404
    assert (await api.get("/v1/content/media/not-a-uuid/usage")).status_code == 422
    url = f"/v1/content/fans/{fan}/media-flags"
    cases: list[Any] = [
        None,  # no media_id
        [("media_id", "not-a-uuid")],
        [("media_id", str(uuid.uuid4())) for _ in range(201)],
    ]
    for params in cases:
        answer = await api.get(url, params=params)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.json()["code"], answer.text
    assert (
        await api.get("/v1/content/fans/not-a-uuid/media-flags", params={"media_id": str(uuid.uuid4())})
    ).status_code == 422
    twice = await api.get(url, params=[("media_id", m), ("media_id", m)])
    assert twice.status_code == 200 and twice.json()["media"] == [{"media_id": m, "flag": None}]


async def test_posts_and_mass_messages_show_once_even_when_their_fact_comes_twice(gateway: Any, infra: Any) -> None:
    """Publishing a post with vault media needs the vault wired into marketing, and a mass message
    needs a segment of fans: their events are produced here as marketing and the inbox write them,
    each twice under two event ids (a repeat the event-id record cannot catch)."""
    api = await Api.sign_up(gateway, "UsagePosts")
    media, mass_id = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC).replace(microsecond=0)
    post = PostPublished(
        post_id=uuid.uuid4(), account_id=uuid.uuid4(), network="instagram", network_post_id="ig_178",
        scheduled_for=now, published_at=now, media_ids=[media],
    )  # fmt: skip
    mass = MassMessageSent(
        mass_message_id=mass_id, status="done", recipients=40, sent=37, failed=1, skipped=2, cancelled=0,
        price_cents=1200, currency="USD", media_ids=[media], created_by=uuid.UUID(api.user_id),
        started_at=now - timedelta(hours=1), finished_at=now - timedelta(minutes=50),
    )  # fmt: skip
    twice = [(post, "marketing"), (mass, "inbox")] * 2
    await produce(infra.kafka, api.creator_id, twice)

    async def shown() -> dict[str, Any] | None:
        answer = await api.get(f"/v1/content/media/{media}/usage")
        if answer.status_code != 200:
            return None
        u = answer.json()
        return u if u["post_count"] == 1 and u["mass_message_count"] == 1 else None

    u = await eventually(shown, timeout=30)
    assert [(p["post_id"], p["network"], p["network_post_id"]) for p in u["posts"]] == [
        (str(post.post_id), "instagram", "ig_178")
    ]
    (m,) = u["mass_messages"]
    assert (m["mass_message_id"], m["status"], m["recipients"], m["delivered"], m["skipped"], m["price_cents"]) == (
        str(mass_id), "done", 40, 37, 2, 1200,
    )  # fmt: skip
    assert datetime.fromisoformat(u["first_used_at"]) == now - timedelta(hours=1)
    assert datetime.fromisoformat(u["last_used_at"]) == now
    assert u["offers"]["sent"] == 0
    other = await Api.sign_up(gateway, "UsagePostsOther")
    assert (await other.get(f"/v1/content/media/{media}/usage")).status_code == 404
