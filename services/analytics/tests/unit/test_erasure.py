"""fan.erased in analytics, on fakes: the fan's name deleted and never stored again, the tombstone
recorded, and every report — revenue, summary, retention — unchanged to the cent, before and after
later sales of the erased fan."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

import analytics.consumers as consumers
import analytics.handlers as handlers
from analytics import erasure
from huntaze_events import FanErased, make_envelope
from huntaze_service import PermanentError
from huntaze_testkit.fakes import FakeUnitOfWork, FakeWorker

from .events import CREATOR, fan, subscription, transaction
from .fakes import FakeAnalyticsRepository

USER = uuid.uuid4()
NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)  # the fake worker's clock
JAKE = fan("jake_88").fan_id


def erased(fan_id: uuid.UUID = JAKE, *, creator: uuid.UUID = CREATOR):
    return make_envelope(
        FanErased(fan_id=fan_id, creator_id=creator, erased_at=NOW, requested_by=USER),
        producer="fans",
        creator_id=CREATOR,
    )


async def figures(w: FakeWorker) -> tuple:
    summary = await handlers.summary(w.uow(), CREATOR, currency="USD", tz="UTC")
    revenue = await handlers.revenue(
        w.uow(), CREATOR, currency="USD", tz="UTC", granularity="month", start="2026-09-01", end="2026-12-01"
    )
    retention = await handlers.subscriber_retention(w.uow(), CREATOR, tz="UTC")
    top = [(f.fan_id, f.amount) for f in summary.top_fans]
    return revenue.totals, [p.figures for p in summary.periods.values()], top, retention


@pytest.fixture
async def worker() -> FakeWorker[FakeAnalyticsRepository]:
    w = FakeWorker(FakeAnalyticsRepository(), producer="analytics", subscriptions=consumers.subscriptions())
    start = NOW - timedelta(days=40)
    await w.deliver(
        transaction("jake_88", "tip", 5000, NOW - timedelta(days=2), name="Jake Sparrow"),
        transaction("jake_88", "message", 1500, NOW - timedelta(days=1), name="Jake Sparrow"),
        transaction("ann", "tip", 700, NOW - timedelta(days=1), name="Ann"),
    )
    await w.deliver(subscription("started", "jake_88", start, start + timedelta(days=30), name="Jake Sparrow"))
    return w


async def test_erasure_deletes_the_name_and_keeps_every_figure(worker: FakeWorker) -> None:
    before = await figures(worker)
    assert worker.repo.fans[(CREATOR, JAKE)].display_name == "Jake Sparrow"
    await worker.deliver(erased())
    assert (CREATOR, JAKE) not in worker.repo.fans and (CREATOR, fan("ann").fan_id) in worker.repo.fans
    assert await figures(worker) == before
    summary = await handlers.summary(worker.uow(), CREATOR, currency="USD", tz="UTC")
    top = {f.fan_id: (f.display_name, f.external_id) for f in summary.top_fans}
    assert top[JAKE] == (None, None)
    assert worker.repo.applications == {JAKE: 1}


async def test_later_events_of_an_erased_fan_count_their_money_and_store_no_name(worker: FakeWorker) -> None:
    await worker.deliver(erased())
    totals = (await figures(worker))[0]
    later = transaction("jake_88", "tip", 2000, NOW - timedelta(hours=1), name="Jake Sparrow")
    renewed = subscription(
        "renewed", "jake_88", NOW - timedelta(days=40), NOW + timedelta(days=20), name="Jake Sparrow", event_at=NOW
    )
    await worker.deliver(later, renewed)
    assert (CREATOR, JAKE) not in worker.repo.fans
    after = (await figures(worker))[0]
    assert after.total.gross_cents == totals.total.gross_cents + 2000
    # a replay of the first sale (same transaction id) changes nothing
    first = next(f for f in worker.repo.facts.values() if f.fan_id == JAKE and f.gross_cents == 5000)
    await worker.deliver(
        transaction("jake_88", "tip", 5000, first.occurred_at, name="Jake", transaction_id=first.transaction_id)
    )
    assert (await figures(worker))[0] == after and (CREATOR, JAKE) not in worker.repo.fans


async def test_an_erasure_naming_another_tenant_is_refused_for_good(worker: FakeWorker) -> None:
    with pytest.raises(PermanentError):
        await erasure.erase_fan(FakeUnitOfWork(worker.repo, producer="analytics"), erased(creator=uuid.uuid4()))
    assert (CREATOR, JAKE) in worker.repo.fans and worker.repo.erased_fans == {}


async def test_personal_data_before_and_after(worker: FakeWorker) -> None:
    found = await erasure.personal_data(worker.uow(), CREATOR, JAKE)
    assert found.name is not None and found.name.display_name == "Jake Sparrow"
    assert [f.gross_cents for f in found.transactions] == [5000, 1500] and len(found.subscriptions) == 1
    assert (await erasure.personal_data(worker.uow(), uuid.uuid4(), JAKE)).transactions == []
    await worker.deliver(erased())
    after = await erasure.personal_data(worker.uow(), CREATOR, JAKE)
    assert (after.erased_at, after.name) == (NOW, None)
    assert [f.gross_cents for f in after.transactions] == [5000, 1500]  # the money, pseudonymous
