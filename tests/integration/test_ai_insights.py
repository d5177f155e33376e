"""The weekly review on the real platform: ``week.summarized`` (analytics' weekly summary, published here
as analytics would) reaches the ai through Kafka; ``GET /v1/ai/insights?period=week`` through the gateway
returns the stored review, every number of which passes the grounding check against the facts returned
with it; the week stays readable with ``start=`` and is listed by ``/v1/ai/insights/weeks``; the summary
repeated changes nothing; another creator gets 404 for it; bad parameters answer 422."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from ai.insights.facts import WeeklyFacts
from ai.insights.grounding import check
from huntaze_events import REGISTRY, WeekMover, WeekSummarized, kafka_headers, make_envelope
from huntaze_testkit import Api, eventually


def mover(ref: str, label: str, revenue: int, previous: int) -> WeekMover:
    return WeekMover(ref=ref, label=label, revenue_cents=revenue, previous_revenue_cents=previous,
                     change_cents=revenue - previous)  # fmt: skip


def summary(creator: uuid.UUID, start: date, revenue: int, previous: int) -> WeekSummarized:
    at = datetime(start.year, start.month, start.day, tzinfo=UTC)
    pct = None if not previous else round((revenue - previous) * 100 / previous, 1)
    return WeekSummarized(
        summary_key=f"{creator}:{start}", period_start=start, period_end=start + timedelta(days=6), starts_at=at,
        ends_at=at + timedelta(days=7), currency="USD", revenue_cents=revenue, previous_revenue_cents=previous,
        change_cents=revenue - previous, change_pct=pct,
        by_source=[mover("ppv", "PPV unlocks", revenue // 2, previous // 3), mover("tip", "Tips", revenue // 4, previous // 2)],
        by_segment=[mover("whales", "Whales", revenue // 3, previous // 4)],
        top_posts=[mover(str(uuid.uuid4()), "Top 10 beach pics", 30000, 5000)],
        top_links=[mover(str(uuid.uuid4()), "TikTok bio link", 9000, 12000)],
        top_media=[mover(str(uuid.uuid4()), "Sunset set", 12000, 0)],
        chatters=[mover(str(uuid.uuid4()), "Anna", 20000, 15000)],
        new_subscribers=12, churned_subscribers=31,
    )  # fmt: skip


async def publish(kafka: str, creator: uuid.UUID, *weeks: WeekSummarized) -> None:
    spec = REGISTRY.for_model(WeekSummarized)
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all")
    await producer.start()
    try:
        for week in weeks:
            envelope = make_envelope(week, producer="analytics", creator_id=creator)
            await producer.send(spec.topic, envelope.to_json(), key=spec.key_for(week).encode(),
                                headers=kafka_headers(envelope))  # fmt: skip
        await producer.flush()
    finally:
        await producer.stop()


async def test_the_weekly_review_states_only_its_facts_and_is_kept_per_week(gateway: Any, infra: Any) -> None:
    api, other = await Api.sign_up(gateway, "Insights"), await Api.sign_up(gateway, "InsightsOther")
    creator = uuid.UUID(api.creator_id)
    missing = await api.get("/v1/ai/insights?period=week")
    assert missing.status_code == 404 and "no weekly review yet" in missing.json()["detail"], missing.text

    earlier, latest = date(2026, 11, 9), date(2026, 11, 16)
    first = summary(creator, latest, revenue=123456, previous=105971)
    await publish(infra.kafka, creator, summary(creator, earlier, 105971, 98000), first)

    async def written() -> dict[str, Any] | None:
        answer = await api.get("/v1/ai/insights?period=week")
        body = answer.json() if answer.status_code == 200 else {}
        return body if body.get("period_start") == latest.isoformat() else None

    body = await eventually(written, timeout=60, interval=0.5)
    facts = WeeklyFacts.model_validate(body["facts"])
    assert facts.creator_id == creator and facts.revenue_cents == 123456 and facts.change_pct == 16.5
    assert (body["period"], body["period_end"], body["currency"]) == ("week", "2026-11-22", "USD")
    assert body["source"] == "offline" and body["grounded"] is True and body["refused_numbers"] == []
    assert check(body["text"], facts).ok and "1,234.56" in body["text"] and "“Top 10 beach pics”" in body["text"]

    # readable later by its start; the earlier week too; the list of weeks
    again = (await api.get("/v1/ai/insights?period=week&start=2026-11-16")).json()
    assert again == body
    older = (await api.get("/v1/ai/insights?start=2026-11-09")).json()
    assert (
        older["facts"]["revenue_cents"] == 105971
        and check(older["text"], WeeklyFacts.model_validate(older["facts"])).ok
    )
    weeks = (await api.get("/v1/ai/insights/weeks")).json()
    assert [(w["period_start"], w["written"], w["source"]) for w in weeks["items"]] == [
        ("2026-11-16", True, "offline"),
        ("2026-11-09", True, "offline"),
    ]

    # the summary repeated with other figures (analytics summarizing again): the first one stays
    await publish(infra.kafka, creator, summary(creator, latest, revenue=1, previous=105971))
    await publish(infra.kafka, creator, summary(creator, date(2026, 11, 23), 5000, 123456))  # a marker after it

    async def marker() -> bool:
        return (await api.get("/v1/ai/insights?start=2026-11-23")).status_code == 200

    await eventually(marker, timeout=60, interval=0.5)
    assert (await api.get("/v1/ai/insights?start=2026-11-16")).json() == body

    # another creator: none of it
    theirs = await other.get("/v1/ai/insights?period=week&start=2026-11-16")
    assert theirs.status_code == 404 and "2026-11-16" in theirs.json()["detail"]
    assert (await other.get("/v1/ai/insights")).status_code == 404
    assert (await other.get("/v1/ai/insights/weeks")).json()["items"] == []
    unknown = await api.get("/v1/ai/insights?start=2026-11-17")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    for query in ("period=month", "period=", "start=2026-13-01", "start=yesterday", "period=week&start=16/11/2026"):
        answer = await api.get(f"/v1/ai/insights?{query}")
        assert answer.status_code == 422, (query, answer.text)
    for query in ("limit=0", "limit=9999", "period=day"):
        assert (await api.get(f"/v1/ai/insights/weeks?{query}")).status_code == 422, query
