"""Anomaly alerts on the real platform: three weeks of a busy account's sales (three an hour) then three
silent hours, and a tracking link that converted a fifth of its visitors for ten days then nobody
yesterday, reach the ai through Kafka; the creator's first hourly check (20 s after their first event
here) raises one revenue_drop and one link_conversion_drop; GET /v1/ai/anomalies lists them with their
evidence, the owner gets two notifications, and a webhook endpoint that chose anomaly.detected receives
both, signed. Another creator sees none of it; bad queries answer 422."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from huntaze_events import (
    REGISTRY,
    ConversionTracked,
    EventPayload,
    FanRef,
    LinkClicked,
    TransactionRecorded,
    kafka_headers,
    make_envelope,
)
from huntaze_testkit import Api, eventually
from huntaze_testkit.webhook_receiver import WebhookReceiver, suite_port

PER_HOUR = 3


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(suite_port()) as peer:
        yield peer


def series(creator: uuid.UUID, link: uuid.UUID, now: datetime) -> list[tuple[EventPayload, str]]:
    last = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    events: list[tuple[EventPayload, str]] = []
    hour = last - timedelta(weeks=3, hours=6)
    while hour <= last - timedelta(hours=3):  # the last three whole hours: nothing sold
        for i in range(PER_HOUR):
            fan = uuid.uuid4()
            events.append((TransactionRecorded(
                transaction_id=uuid.uuid4(), fan_id=fan, fan=FanRef(fan_id=fan, external_id=f"an_{fan.hex[:8]}",
                display_name="Fan"), type="message", gross_cents=1500, fee_cents=300, net_cents=1200, currency="USD",
                occurred_at=hour + timedelta(minutes=11 * i + 3), source="connector"), "fans"))  # fmt: skip
        hour += timedelta(hours=1)
    for days_ago in range(1, 12):
        day = datetime.combine(now.date() - timedelta(days=days_ago), datetime.min.time(), tzinfo=UTC)
        events += [(LinkClicked(link_id=link, click_id=uuid.uuid4(), clicked_at=day + timedelta(minutes=9 * i),
                                bot=False), "marketing") for i in range(80)]  # fmt: skip
        events += [(ConversionTracked(fan_id=uuid.uuid4(), link_id=link, onlyfans_link="https://onlyfans.com/a",
                                      converted_at=day + timedelta(hours=3, minutes=i)), "marketing")
                   for i in range(0 if days_ago == 1 else 16)]  # fmt: skip
    return events


async def publish(kafka: str, creator: uuid.UUID, events: list[tuple[EventPayload, str]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", linger_ms=20)
    await producer.start()
    try:
        for payload, source in events:
            spec = REGISTRY.for_model(type(payload))
            envelope = make_envelope(payload, producer=source, creator_id=creator)
            await producer.send(spec.topic, envelope.to_json(), key=spec.key_for(payload).encode(),
                                headers=kafka_headers(envelope))  # fmt: skip
        await producer.flush()
    finally:
        await producer.stop()


async def test_a_drop_and_a_link_that_stopped_converting_are_alerts_notices_and_webhooks(
    gateway: Any, infra: Any, receiver: WebhookReceiver
) -> None:
    api, other = await Api.sign_up(gateway, "Anomalies"), await Api.sign_up(gateway, "AnomaliesOther")
    path = f"/anomalies/{uuid.uuid4().hex[:8]}"
    created = await api.post("/v1/webhooks", json={"url": receiver.base + path, "events": ["anomaly.detected"]})
    assert created.status_code == 201, created.text
    receiver.secrets[path] = created.json()["secret"]
    link = uuid.uuid4()
    await publish(infra.kafka, uuid.UUID(api.creator_id), series(uuid.UUID(api.creator_id), link, datetime.now(UTC)))

    async def both() -> list[dict[str, Any]] | None:
        items = (await api.get("/v1/ai/anomalies")).json()["items"]
        return items if {i["kind"] for i in items} == {"revenue_drop", "link_conversion_drop"} else None

    items = {i["kind"]: i for i in await eventually(both, timeout=90, interval=1)}
    drop, stopped = items["revenue_drop"], items["link_conversion_drop"]
    assert drop["subject"] == "USD" and drop["unit"] == "cents" and drop["observed"] == 0
    assert drop["expected"] > drop["low"] > 0 and drop["evidence"]["observed_sales"] == 0
    assert datetime.fromisoformat(drop["window_end"]) <= datetime.now(UTC)
    assert stopped["subject"] == str(link) and stopped["unit"] == "conversions" and stopped["observed"] == 0
    assert (
        stopped["expected"] == 16 and stopped["evidence"]["clicks"] == 80 and stopped["evidence"]["baseline_days"] == 10
    )

    async def told() -> list[dict[str, Any]] | None:
        found = [n for n in (await api.get("/v1/notifications")).json()["items"] if n["kind"] == "anomaly"]
        return found if len(found) == 2 else None

    titles = {n["title"] for n in await eventually(told, timeout=30)}
    assert titles == {"Revenue dropped below its usual range", "A tracking link stopped converting"}
    await eventually(lambda: len(set(receiver.delivery_ids("anomaly.detected"))) == 2 or None, timeout=30)
    kinds = {a["body"]["data"]["kind"] for a in receiver.accepted if a["body"]["type"] == "anomaly.detected"}
    assert kinds == {"revenue_drop", "link_conversion_drop"} and receiver.refused == []

    assert (await other.get("/v1/ai/anomalies")).json()["items"] == []
    for bad in ("kind=outage", "since=yesterday", "limit=0", "limit=201", "since=2026-11-01T00:00:00"):
        answer = await api.get(f"/v1/ai/anomalies?{bad}")
        assert answer.status_code == 422, (bad, answer.text)
