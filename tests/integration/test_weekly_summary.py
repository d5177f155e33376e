"""The weekly summary on the real platform: a creator's sales of two weeks (a refund, another currency,
an older sale) reach analytics over Kafka as the fans service emits them; their first revenue event
sets the creator's weekly timer (``ANALYTICS_WEEKLY_FIRST_S``: 5 s here, an hour by default), whose
firing emits ``week.summarized`` once, with the exact figures — the same as analytics' own revenue
report over the summary's bounds, each source line too; the fan's segment at each sale, the post and
the link that brought the fan (named by the post's latest caption) from their own events. Fired again for the same period (its timer
moved back by hand), it emits nothing more."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import (
    REGISTRY,
    ConversionTracked,
    Envelope,
    FanRef,
    FanSegmentChanged,
    PostScheduled,
    TransactionRecorded,
    fan_id_for,
    kafka_headers,
    make_envelope,
)
from huntaze_testkit import Api, EventTap, eventually

FEE_RATE = 5  # fee = gross / 5
POST, LINK = uuid.uuid4(), uuid.uuid4()
CAPTION = "New set tonight 🔥 link in bio"


def sale(creator: str, fan: str, type_: str, gross: int, at: datetime, currency: str = "USD") -> Envelope[Any]:
    """A transaction.recorded as the fans service emits it."""
    who = FanRef(fan_id=fan_id_for(uuid.UUID(creator), fan), external_id=fan, display_name=fan.title())
    fee = -(abs(gross) // FEE_RATE) if gross < 0 else gross // FEE_RATE
    payload = TransactionRecorded(transaction_id=uuid.uuid4(), fan_id=who.fan_id, fan=who, type=type_,  # type: ignore[arg-type]
                                  gross_cents=gross, fee_cents=fee, net_cents=gross - fee, currency=currency,
                                  occurred_at=at, source="connector")  # fmt: skip
    return make_envelope(payload, producer="fans", creator_id=uuid.UUID(creator))


def net(gross: int) -> int:
    sign = -1 if gross < 0 else 1
    return sign * (abs(gross) - abs(gross) // FEE_RATE)


async def publish(kafka: str, envelopes: list[Envelope[Any]]) -> None:
    """All at once (the creator's weekly timer is set by the first sale analytics applies)."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", linger_ms=50)
    await producer.start()
    try:
        for e in envelopes:
            spec = REGISTRY.for_model(type(e.payload))
            await producer.send(spec.topic, e.to_json(), key=spec.key_for(e.payload).encode(), headers=kafka_headers(e))
        await producer.flush()
    finally:
        await producer.stop()


async def report(api: Api, start: str, end: str) -> dict[str, Any]:
    params = {"from": local(start), "to": local(end), "granularity": "day", "tz": "UTC", "currency": "USD"}
    answer = await api.get("/v1/analytics/revenue", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["totals"]  # type: ignore[no-any-return]


def local(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(UTC).replace(tzinfo=None).isoformat()


def context(creator: str, now: datetime) -> list[Envelope[Any]]:
    """Before the sales: ann came through a tracking link shared in a post (marketing), whose caption
    was edited; ann entered the whales 4 days ago (fans)."""
    c, ann = uuid.UUID(creator), fan_id_for(uuid.UUID(creator), "ann")
    post = {"post_id": POST, "account_id": uuid.uuid4(), "network": "x", "publish_at": now - timedelta(days=20),
            "status": "scheduled"}  # fmt: skip
    return [
        make_envelope(PostScheduled(**post, revision=2, caption_excerpt=CAPTION), producer="marketing", creator_id=c),
        make_envelope(PostScheduled(**post, revision=1, caption_excerpt="draft"), producer="marketing", creator_id=c),
        make_envelope(ConversionTracked(fan_id=ann, link_id=LINK, post_id=POST, network="x", onlyfans_link="https://of/x",
                                        converted_at=now - timedelta(days=20)), producer="marketing", creator_id=c),
        make_envelope(FanSegmentChanged(fan_id=ann, segment="whales", change="entered", segment_name="Whales",
                                        at=now - timedelta(days=4)), producer="fans", creator_id=c),
    ]  # fmt: skip


async def test_week_summarized_once_with_the_revenue_reports_figures(
    gateway: Any, infra: Any, event_tap: EventTap
) -> None:
    api = await Api.sign_up(gateway, "Weekly")
    now = datetime.now(UTC)
    day = timedelta(days=1)
    db = create_async_engine(infra.url("analytics"))
    params: dict[str, Any] = {"k": api.creator_id}

    async def count(table: str, where: str = "true") -> int:
        async with db.connect() as conn:
            query = text(f"SELECT count(*) FROM {table} WHERE creator_id = CAST(:k AS uuid) AND {where}")
            return int((await conn.execute(query, params)).scalar_one())

    async def context_applied() -> bool:
        known = [await count(t) for t in ("post_captions", "link_conversions", "fan_segment_changes")]
        return known == [1, 1, 1] and await count("post_captions", "revision = 2") == 1

    try:
        await publish(infra.kafka, context(api.creator_id, now))
        await eventually(context_applied, timeout=60, interval=0.5)
        current = [("ann", "subscription", 999, now - day), ("bob", "tip", 5000, now - 2 * day),
                   ("ann", "message", 2500, now - 3 * day), ("ann", "refund", -999, now - day + timedelta(hours=1))]  # fmt: skip
        previous = [("ann", "subscription", 999, now - 9 * day), ("cat", "tip", 1501, now - 10 * day)]
        others = [sale(api.creator_id, "bob", "tip", 700, now - 2 * day, "EUR"),  # another currency
                  sale(api.creator_id, "dan", "tip", 4000, now - 30 * day)]  # before both weeks  # fmt: skip
        await publish(infra.kafka, [sale(api.creator_id, *row) for row in current + previous] + others)

        def mine(r: Any) -> bool:
            return bool(r.value) and r.value["creator_id"] == api.creator_id

        (record,) = await event_tap.wait_for("week.summarized.v1", mine, timeout=90)
        s = record.value["payload"]  # type: ignore[index]
        revenue, before = sum(net(r[2]) for r in current), sum(net(r[2]) for r in previous)
        assert (s["currency"], s["other_currencies"]) == ("USD", ["EUR"])
        assert (s["revenue_cents"], s["previous_revenue_cents"], s["change_cents"]) == (revenue, before, 3999)
        assert (revenue, before, s["change_pct"]) == (6000, 2001, 199.9)  # 3999 / 2001 = 199.85…: half-up
        assert s["summary_key"] == f"{api.creator_id}:{s['period_start']}" and record.key == s["summary_key"]

        # analytics' own revenue report over the same bounds says the same, source by source
        totals = await report(api, s["starts_at"], s["ends_at"])
        assert totals["net_cents"] == s["revenue_cents"]
        by_source = {m["ref"]: (m["revenue_cents"], m["previous_revenue_cents"]) for m in s["by_source"]}
        week_before = await report(api, (datetime.fromisoformat(s["starts_at"]) - 7 * day).isoformat(), s["starts_at"])
        assert week_before["net_cents"] == s["previous_revenue_cents"]
        for line, figures in totals["by_source"].items():
            expected = (figures["net_cents"], week_before["by_source"][line]["net_cents"])
            assert by_source.get(line, (0, 0)) == expected, line
        assert by_source == {
            "tips": (4000, 1201),
            "messages": (2000, 0),
            "refunds": (-800, 0),
            "subscriptions": (800, 800),
        }
        assert [m["ref"] for m in s["by_source"]] == ["tips", "messages", "refunds", "subscriptions"]

        # ann's sales: in the whales since 4 days (the others' in none), and through the post's link
        def figures(key: str) -> list[tuple[str, str, int, int]]:
            return [(m["ref"], m["label"], m["revenue_cents"], m["previous_revenue_cents"]) for m in s[key]]

        assert figures("by_segment") == [("whales", "Whales", 2000, 0), ("none", "No segment", 4000, 2001)]
        assert figures("top_posts") == [(str(POST), CAPTION, 2000, 800)]
        assert figures("top_links") == [(str(LINK), f"Link {LINK.hex[:8]}", 2000, 800)]
        assert s["top_media"] == s["chatters"] == [] and s["new_subscribers"] == s["churned_subscribers"] == 0

        # the timer fired again for the same period (moved back by hand): one summary still
        params["due"] = datetime.fromisoformat(s["ends_at"])
        async with db.begin() as conn:
            moved = await conn.execute(
                text("UPDATE timers SET due_at = :due WHERE kind = 'weekly_summary' AND key = :k"), params
            )
            assert moved.rowcount == 1

        async def fired_again() -> bool:
            async with db.connect() as conn:
                due = (
                    await conn.execute(
                        text("SELECT due_at FROM timers WHERE kind = 'weekly_summary' AND key = :k"), params
                    )
                ).scalar_one()
            return bool(due > params["due"])

        await eventually(fired_again, timeout=60, interval=0.5)
        async with db.connect() as conn:
            emitted = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM outbox WHERE topic = 'week.summarized.v1' "
                        "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = :k"
                    ),
                    params,
                )
            ).scalar_one()
        rows = await count("weekly_summaries")
    finally:
        await db.dispose()
    assert (emitted, rows) == (1, 1)
    assert len(event_tap.select("week.summarized.v1", mine)) == 1
