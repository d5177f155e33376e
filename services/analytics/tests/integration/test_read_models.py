"""The analytics read models on the real PostgreSQL: the database migrated by the service's CLI,
events applied by the real handlers and SQL repository in real units of work (no Kafka, no
platform), then every report checked against sums computed here from the input, to the cent.

Each test uses its own creator id, so the shared ``analytics`` test database needs no cleanup.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import analytics.api as api
import analytics.consumers as consumers
import analytics.handlers as handlers
from analytics.adapters.orm import Base
from analytics.adapters.repository import SqlAnalyticsRepository
from analytics.domain import LINE_OF_TYPE, LINES, REVERSAL_LINES, Amount
from analytics.schemas import RetentionOut, RevenueOut, SalesHoursOut, SummaryOut
from huntaze_events import Envelope
from huntaze_service import InternalTokenVerifier, new_key_pair
from huntaze_service.http import install_error_handlers
from huntaze_service.runtime import runtime_of
from huntaze_service.uow import SqlUnitOfWork
from huntaze_service.wall import InternalWallMiddleware
from huntaze_testkit import internal_headers

from ..unit.events import fan, subscription, transaction

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)
KOLKATA = ZoneInfo("Asia/Kolkata")
TYPES = list(LINE_OF_TYPE)


class ClockedUow(SqlUnitOfWork[Any]):
    """The real unit of work, with the tests' clock."""

    def now(self) -> datetime:
        return NOW


@pytest.fixture(scope="module")
def database(infra: Any) -> str:
    """The test ``analytics`` database, migrated by the service's CLI (a no-op when it is at head)."""
    url: str = infra.url("analytics")
    migrated = subprocess.run(
        [sys.executable, "-m", "analytics", "migrate"],
        env={**os.environ, "ANALYTICS_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    return url


@pytest.fixture(scope="module")
async def engine(database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database)
    yield engine
    await engine.dispose()


def uow(engine: AsyncEngine) -> ClockedUow:
    return ClockedUow(engine, producer_name="analytics", repository=SqlAnalyticsRepository)


async def apply(engine: AsyncEngine, events: Sequence[Envelope[Any]], batch: int = 200) -> None:
    """Each subscription's events in batches, each batch in its own transaction (as the worker does,
    without the chassis' event-id deduplication: the handlers must be idempotent on their own)."""
    for sub in consumers.subscriptions():
        mine = [e for e in events if e.type == sub.spec.type]
        for i in range(0, len(mine), batch):
            async with uow(engine) as u:
                await sub.handler(u, mine[i : i + batch])
                await u.commit()


def random_sales(creator: uuid.UUID, n: int, seed: int) -> list[Envelope[Any]]:
    """n transactions of every type over the 40 days before NOW, odd cents, two currencies."""
    rng = random.Random(seed)
    events = []
    for _ in range(n):
        type_ = rng.choice(TYPES)
        gross = rng.randint(1, 50_000)
        fee = (gross * 20 + 50) // 100
        if LINE_OF_TYPE[type_] in REVERSAL_LINES:
            gross, fee = -gross, -fee
        at = NOW - timedelta(seconds=rng.randint(1, 40 * 86400), microseconds=rng.randint(0, 999_999))
        currency = "USD" if rng.random() < 0.9 else "EUR"
        events.append(
            transaction(f"fan{rng.randint(1, 60)}", type_, gross, at, fee=fee, currency=currency, creator=creator)
        )
    return events


def oracle(events: Sequence[Envelope[Any]], currency: str = "USD") -> list[Any]:
    """The distinct transactions of a currency (what every sum here is computed from)."""
    unique = {e.payload.transaction_id: e.payload for e in events}
    return [t for t in unique.values() if t.currency == currency]


# --------------------------------------------------------------------------------------------------


async def test_the_migrated_schema_is_the_declared_one(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        columns = (
            await conn.execute(
                text(
                    "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND table_name IN ('transactions', 'fans', 'subscriptions', 'erased_fans')"
                )
            )
        ).all()
        index = (
            await conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_transactions_creator_currency_occurred'")
            )
        ).scalar_one()
    found = {(t, c, n == "YES") for t, c, n in columns}
    declared = {(t.name, c.name, bool(c.nullable)) for t in Base.metadata.tables.values() for c in t.columns}
    assert found == declared
    assert "(creator_id, currency, occurred_at) INCLUDE (line, fan_id, gross_cents, net_cents)" in index


async def test_revenue_is_exact_to_the_cent_in_kolkata_days_with_duplicates_counted_once(engine: AsyncEngine) -> None:
    creator = uuid.uuid4()
    events = random_sales(creator, 3000, seed=1)
    same_tx = [  # the same transactions again under new event ids (a producer's retry)
        transaction(
            e.payload.fan.external_id,
            e.payload.type,
            e.payload.gross_cents,
            e.payload.occurred_at,
            fee=e.payload.fee_cents,
            currency=e.payload.currency,
            creator=creator,
            transaction_id=e.payload.transaction_id,
        )
        for e in events[:500]
    ]
    started = time.perf_counter()
    await apply(engine, events + events[:300] + same_tx)  # duplicates in their own batches and mixed in
    await apply(engine, events[1000:1200])  # the same events redelivered
    print(f"applied {len(events) + 1000} events in {time.perf_counter() - started:.2f}s")

    async with uow(engine) as u:
        report = await handlers.revenue(
            u, creator, currency="USD", tz="Asia/Kolkata", granularity="day", start="2026-09-20", end="2026-11-03"
        )
    sales = oracle(events)
    by_day: dict[date, dict[str, Amount]] = defaultdict(lambda: defaultdict(Amount))
    for t in sales:
        by_day[t.occurred_at.astimezone(KOLKATA).date()][LINE_OF_TYPE[t.type]] += Amount(t.gross_cents, t.net_cents, 1)
    days = [b.start.astimezone(KOLKATA) for b in report.buckets]
    assert days[0].isoformat() == "2026-09-20T00:00:00+05:30" and len(days) == 44
    for start, bucket in zip(days, report.buckets, strict=True):
        assert (start.hour, start.minute) == (0, 0)
        want = by_day.get(start.date(), {})
        for line in LINES:
            assert bucket.breakdown.by_line[line] == want.get(line, Amount()), (start, line)
    totals = report.totals
    assert totals.total.count == len(sales)
    assert totals.total.gross_cents == sum(t.gross_cents for t in sales)
    assert totals.total.net_cents == sum(t.net_cents for t in sales)
    assert totals.by_line["refunds"].gross_cents < 0 and totals.by_line["chargebacks"].net_cents < 0

    async with uow(engine) as u:
        eur = await handlers.revenue(
            u, creator, currency="EUR", tz="UTC", granularity="month", start="2026-09-01", end="2026-12-01"
        )
    assert eur.totals.total.net_cents == sum(t.net_cents for t in oracle(events, "EUR"))


async def test_hour_buckets_in_kolkata_start_at_half_past_in_utc(engine: AsyncEngine) -> None:
    creator = uuid.uuid4()
    events = [
        transaction("ann", "tip", 101, datetime(2026, 11, 1, 4, 29, 59, tzinfo=UTC), creator=creator),  # 09:59:59 IST
        transaction("ann", "tip", 202, datetime(2026, 11, 1, 4, 30, tzinfo=UTC), creator=creator),  # 10:00 IST
        transaction("bob", "post", 303, datetime(2026, 11, 1, 5, 29, tzinfo=UTC), creator=creator),  # 10:59 IST
        transaction("bob", "refund", -202, datetime(2026, 11, 1, 5, 30, tzinfo=UTC), fee=-40, creator=creator),
    ]
    await apply(engine, events)
    async with uow(engine) as u:
        report = await handlers.revenue(
            u,
            creator,
            currency="USD",
            tz="Asia/Kolkata",
            granularity="hour",
            start="2026-11-01T09:00",
            end="2026-11-01T12:00",
        )
    got = [(b.start, b.breakdown.total.gross_cents, b.breakdown.total.count) for b in report.buckets]
    assert got == [
        (datetime(2026, 11, 1, 3, 30, tzinfo=UTC), 101, 1),
        (datetime(2026, 11, 1, 4, 30, tzinfo=UTC), 505, 2),
        (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), -202, 1),
    ]


async def test_summary_and_top_fans_from_the_facts_at_read_time(engine: AsyncEngine) -> None:
    creator = uuid.uuid4()
    events = random_sales(creator, 2000, seed=2)
    await apply(engine, events + events[:100])
    async with uow(engine) as u:
        s = await handlers.summary(u, creator, currency="USD", tz="Asia/Kolkata")
    sales = oracle(events)
    for name, period in s.periods.items():
        for window, figures in ((period.window, period.figures), (period.previous_window, period.previous)):
            inside = [t for t in sales if window.start <= t.occurred_at < window.end]
            payers = {t.fan_id for t in inside if LINE_OF_TYPE[t.type] not in REVERSAL_LINES}
            assert figures.gross_cents == sum(t.gross_cents for t in inside), name
            assert figures.net_cents == sum(t.net_cents for t in inside), name
            assert (figures.transactions, figures.paying_fans) == (len(inside), len(payers)), name
    today = s.periods["today"].window
    assert today.start == datetime(2026, 11, 1, 18, 30, tzinfo=UTC)  # local midnight in Kolkata
    month = s.periods["last_30_days"].window
    spend: dict[uuid.UUID, Amount] = defaultdict(Amount)
    for t in sales:
        if month.start <= t.occurred_at < month.end:
            spend[t.fan_id] += Amount(t.gross_cents, t.net_cents, 1)
    ranked = sorted((a.net_cents, a.gross_cents, f) for f, a in spend.items() if a.net_cents > 0)
    want = sorted(ranked, key=lambda r: (-r[0], -r[1], r[2]))[:10]
    assert [(f.fan_id, f.amount.net_cents, f.amount.gross_cents) for f in s.top_fans] == [(f, n, g) for n, g, f in want]
    assert all(f.display_name == (f.external_id or "").title() for f in s.top_fans)


async def test_fan_names_keep_the_latest_event_whatever_the_order(engine: AsyncEngine) -> None:
    creator = uuid.uuid4()
    at = NOW - timedelta(days=1)
    await apply(engine, [transaction("ann", "tip", 500, at, creator=creator, name="Annie", event_at=at)])
    await apply(
        engine,
        [transaction("ann", "tip", 500, at, creator=creator, name="Ann (old)", event_at=at - timedelta(hours=1))],
    )
    async with uow(engine) as u:
        [top] = (await handlers.summary(u, creator, currency="USD", tz="UTC")).top_fans
    assert (top.fan_id, top.display_name, top.amount.count) == (fan("ann", creator=creator).fan_id, "Annie", 2)


async def test_sales_hours_in_kolkata_are_exact_and_leave_reversals_out(engine: AsyncEngine) -> None:
    creator = uuid.uuid4()
    events = random_sales(creator, 1500, seed=3)
    await apply(engine, events)
    async with uow(engine) as u:
        hours = await handlers.sales_hours(u, creator, currency="USD", tz="Asia/Kolkata", days=30)
    want: dict[tuple[int, int], Amount] = defaultdict(Amount)
    for t in oracle(events):
        if hours.window.start <= t.occurred_at < NOW and LINE_OF_TYPE[t.type] not in REVERSAL_LINES:
            local = t.occurred_at.astimezone(KOLKATA)
            want[(local.weekday(), local.hour)] += Amount(t.gross_cents, t.net_cents, 1)
    assert len(hours.cells) == 168
    assert {(c.weekday, c.hour): c.amount for c in hours.cells if c.amount.count} == dict(want)


async def test_retention_from_events_applied_twice_in_any_order(engine: AsyncEngine) -> None:
    """The hand-computed example of the unit tests (test_retention.py), as events."""
    creator = uuid.uuid4()

    def day(month: int, d: int) -> datetime:
        return datetime(2026, month, d, tzinfo=UTC)

    events = [
        subscription("started", "a", day(1, 10), day(2, 10), creator=creator),
        subscription("renewed", "a", day(1, 10), day(3, 10), creator=creator),
        subscription("expired", "a", day(1, 10), day(3, 10), expired_at=day(3, 10), creator=creator),
        subscription("started", "b", day(1, 20), day(2, 20), creator=creator),
        subscription("renewed", "b", day(1, 20), day(7, 20), creator=creator),
        subscription("started", "c", day(1, 25), day(2, 25), creator=creator),
        subscription("expired", "c", day(1, 25), day(2, 25), expired_at=day(2, 25), creator=creator),
        subscription("started", "c", day(4, 1), day(7, 1), creator=creator),
        subscription("started", "d", day(2, 5), day(5, 5), creator=creator),
        subscription("expired", "d", day(2, 5), day(5, 5), expired_at=day(5, 5), creator=creator),
        subscription("started", "e", day(2, 10), day(3, 10), creator=creator),
        subscription("started", "e", day(3, 20), day(6, 20), creator=creator),
    ]
    await apply(engine, list(reversed(events)), batch=3)
    await apply(engine, events)
    async with ClockedUow(engine, producer_name="analytics", repository=SqlAnalyticsRepository) as u:
        u.now = lambda: datetime(2026, 6, 15, tzinfo=UTC)  # type: ignore[method-assign]
        r = await handlers.subscriber_retention(u, creator, tz="UTC")
    assert [(c.month, c.subscribers, c.retained) for c in r.cohorts] == [
        ("2026-01", 3, [0.6667, 0.3333, 0.6667, 0.6667]),
        ("2026-02", 2, [0.5, 1.0, 0.5, 0.5]),
    ]
    assert [(m.month, m.active_at_start, m.expired) for m in r.churn] == [
        ("2026-01", 0, 0),
        ("2026-02", 3, 1),
        ("2026-03", 4, 2),
        ("2026-04", 4, 0),
        ("2026-05", 4, 1),
        ("2026-06", 3, 0),
    ]


async def test_the_routes_answer_from_postgresql(engine: AsyncEngine) -> None:
    creator = uuid.uuid4()
    events = random_sales(creator, 400, seed=4)
    await apply(engine, events)

    class Runtime:
        def uow(self) -> ClockedUow:
            return uow(engine)

    app = FastAPI()
    install_error_handlers(app)
    app.include_router(api.router)
    app.dependency_overrides[runtime_of] = Runtime
    signing, public = new_key_pair()
    app.add_middleware(InternalWallMiddleware, verifier=InternalTokenVerifier(public))
    headers = internal_headers(creator, signing_key=signing)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://analytics") as client:
        answer = await client.get(
            "/v1/analytics/revenue",
            params={
                "from": "2026-09-01T00:00:00+05:30",
                "to": "2026-11-03",
                "granularity": "week",
                "tz": "Asia/Kolkata",
            },
            headers=headers,
        )
        assert answer.status_code == 200, answer.text
        totals = answer.json()["totals"]
        sales = oracle(events)
        assert (totals["gross_cents"], totals["net_cents"], totals["transactions"]) == (
            sum(t.gross_cents for t in sales),
            sum(t.net_cents for t in sales),
            len(sales),
        )
        counts = Counter(LINE_OF_TYPE[t.type] for t in sales)
        assert {line: v["count"] for line, v in totals["by_source"].items()} == {line: counts[line] for line in LINES}
        RevenueOut.model_validate(answer.json())
        for path, model in (("summary", SummaryOut), ("sales-hours", SalesHoursOut), ("retention", RetentionOut)):
            answer = await client.get(f"/v1/analytics/{path}", params={"tz": "Asia/Kolkata"}, headers=headers)
            assert answer.status_code == 200, answer.text
            model.model_validate(answer.json())
        assert (
            await client.get("/v1/analytics/summary", params={"tz": "Asia/Calcutta "}, headers=headers)
        ).status_code == 200
        bad = await client.get("/v1/analytics/sales-hours", params={"tz": "Asia/Kolkatta"}, headers=headers)
        assert bad.status_code == 422 and "unknown time zone" in bad.json()["detail"]
