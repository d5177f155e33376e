"""One process, three roles: a service run as one `api` process and two `worker` processes on the
real Kafka and PostgreSQL — the API answers, the work spreads over both workers, nothing is applied
twice, and each role does only its own part.

The analytics service is split here (fans' API produces `transaction.recorded`; analytics' workers
consume it); the platform's all-in-one analytics process steps aside for the test and comes back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_testkit import Api, Platform, ServiceProcess, eventually, internal_headers

SALES = 400
FANS = 60
TOPIC = "transaction.recorded.v1"


async def samples(url: str, name: str) -> list[Any]:
    async with httpx.AsyncClient(timeout=5) as client:
        body = (await client.get(f"{url}/metrics")).text
    return [s for family in text_string_to_metric_families(body) for s in family.samples if s.name == name]


async def counted(url: str, name: str, topic: str) -> float:
    return sum(s.value for s in await samples(url, name) if s.labels.get("topic") == topic)


@pytest.fixture
def split_analytics(platform: Platform, infra: Any) -> Iterator[tuple[ServiceProcess, list[ServiceProcess]]]:
    """analytics as `api` on its usual port (the gateway's route) plus two `worker` processes."""
    platform.services["analytics"].stop()
    own = platform.services["analytics"]
    logdir = own.logfile.parent
    api = ServiceProcess("analytics-api", own.port, platform.env, logdir, module="analytics", args=["--role", "api"])
    workers = []
    for n, port in enumerate((own.port + 101, own.port + 102), start=1):
        env = dict(platform.env, ANALYTICS_HTTP_PORT=str(port))
        workers.append(
            ServiceProcess(f"analytics-worker-{n}", port, env, logdir, module="analytics", args=["--role", "worker"])
        )
    processes = [api, *workers]
    try:
        for proc in processes:
            proc.start()
        for proc in processes:
            proc.wait_ready()
        yield api, workers
    finally:
        for proc in processes:
            proc.stop()
        platform.restart("analytics")


async def group_members(bootstrap: str, group: str) -> tuple[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (answer,) = await admin.describe_consumer_groups([group])
        _error, _group, state, _type, _protocol, members = answer.groups[0]
        return state, len(members)
    finally:
        await admin.close()


async def test_one_api_and_two_workers_share_the_work_and_apply_each_event_once(
    gateway: Any, split_analytics: tuple[ServiceProcess, list[ServiceProcess]], infra: Any
) -> None:
    api_process, workers = split_analytics

    # the two workers are the group's only members before any sale is sent
    async def stable_with_two() -> bool:
        return await group_members(infra.kafka, "analytics") == ("Stable", 2)

    await eventually(stable_with_two, timeout=60, interval=0.5)

    api = await Api.sign_up(gateway, "Roles")
    now = datetime.now(UTC)
    sales = [
        {
            "external_id": f"roles-{i}",
            "fan": {"external_id": f"roles_fan_{i % FANS}", "display_name": f"Fan {i % FANS}"},
            "type": "tip",
            "gross_cents": 100 + i,
            "currency": "USD",
            "occurred_at": (now - timedelta(minutes=i)).isoformat(),
        }
        for i in range(SALES)
    ]
    answer = await api.post("/v1/revenue/transactions", json={"items": sales})
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == SALES

    engine = create_async_engine(infra.url("analytics"))
    creator = uuid.UUID(api.creator_id)
    try:

        async def all_applied() -> bool:
            async with engine.connect() as conn:
                n = await conn.scalar(text("SELECT count(*) FROM transactions WHERE creator_id = :c"), {"c": creator})
            return n == SALES

        await eventually(all_applied, timeout=60)
        await asyncio.sleep(1)  # anything applied twice would have landed by now
        async with engine.connect() as conn:
            rows, gross = (
                await conn.execute(
                    text("SELECT count(*), sum(gross_cents) FROM transactions WHERE creator_id = :c"), {"c": creator}
                )
            ).one()
    finally:
        await engine.dispose()
    assert (rows, gross) == (SALES, sum(s["gross_cents"] for s in sales))

    # the API process answers the report (through the gateway) ...
    summary = await api.get("/v1/analytics/revenue", params={
        "from": (now - timedelta(days=1)).isoformat(), "to": (now + timedelta(hours=1)).isoformat(),
        "granularity": "day",
    })  # fmt: skip
    assert summary.status_code == 200, summary.text
    assert summary.json()["totals"]["gross_cents"] == gross

    # ... and consumes nothing; each worker applied part of the stream, none applied anything twice
    assert await counted(api_process.url, "huntaze_events_processed_total", TOPIC) == 0
    per_worker = [await counted(w.url, "huntaze_events_processed_total", TOPIC) for w in workers]
    assert all(n > 0 for n in per_worker), per_worker
    assert sum(per_worker) >= SALES, per_worker
    assert sum([await counted(w.url, "huntaze_events_duplicate_total", TOPIC) for w in workers]) == 0

    async def held() -> list[set[str]] | None:  # the partitions each worker reports lag for (every 10 s)
        found = [{s.labels["partition"] for s in await samples(w.url, "huntaze_consumer_lag")
                  if s.labels["topic"] == TOPIC} for w in workers]  # fmt: skip
        return found if all(found) and len(found[0] | found[1]) == 6 else None

    partitions = await eventually(held, timeout=30, interval=1)
    assert not (partitions[0] & partitions[1]), partitions  # a partition belongs to one worker at a time

    # a worker serves probes and metrics but no API route
    async with httpx.AsyncClient(timeout=5) as client:
        for worker in workers:
            assert (await client.get(f"{worker.url}/ready")).status_code == 200
            signed = internal_headers(uuid.uuid4())  # past the wall, to find no route
            assert (await client.get(f"{worker.url}/v1/analytics/summary", headers=signed)).status_code == 404
