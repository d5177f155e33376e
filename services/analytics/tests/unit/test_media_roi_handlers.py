"""The media ROI read models on a fake worker: offers, unlocks, refunds, segments and the vault's
descriptions folded from their events in any order, each once however often it is delivered, the
fan's segments taken at offer time, the tenant wall, and erasure keeping the figures."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import analytics.consumers as consumers
from analytics import erasure, media
from analytics.media_roi import MediaReport
from analytics.reports import Window
from huntaze_testkit.fakes import FakeWorker

from .events import CREATOR
from .fakes import FakeAnalyticsRepository
from .media_events import erased, offered, refunded, segment, sold, updated, uploaded

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WEEK = Window(NOW - timedelta(days=7), NOW + timedelta(days=1))
OTHER = uuid.UUID("0e0e0e0e-0000-4000-8000-000000000001")
BEACH, GYM, SET = (uuid.UUID(int=i) for i in (11, 12, 13))


@pytest.fixture
def worker() -> FakeWorker[FakeAnalyticsRepository]:
    return FakeWorker(FakeAnalyticsRepository(), producer="analytics", subscriptions=consumers.subscriptions())


async def report(worker: FakeWorker[Any], creator: uuid.UUID = CREATOR, currency: str | None = None) -> MediaReport:
    async with worker.uow() as uow:
        return await media.report(uow, creator, WEEK, currency, None, 100)


def figures(found: MediaReport) -> dict[uuid.UUID, tuple[int, int, int, int]]:
    return {
        r.media_id: (r.figures.offers, r.figures.unlocks, r.figures.gross_cents, r.figures.net_cents)
        for r in found.items
    }


async def test_offers_unlocks_and_a_refund_to_the_cent_each_once_however_often_delivered(worker: FakeWorker) -> None:
    cheap, dear, bundle = (
        offered("ann", [BEACH], 1000, NOW - timedelta(hours=3)),
        offered("bob", [BEACH], 2500, NOW - timedelta(hours=2)),
        offered("ann", [GYM, BEACH, SET], 1001, NOW - timedelta(hours=1)),
    )
    sale_cheap, unlock_cheap = sold(cheap, NOW - timedelta(minutes=50))
    sale_bundle, unlock_bundle = sold(bundle, NOW - timedelta(minutes=30))
    refund = refunded(cheap, 400, NOW - timedelta(minutes=10))
    everything = [cheap, dear, bundle, sale_cheap, unlock_cheap, sale_bundle, unlock_bundle, refund]
    for _ in range(2):  # redelivered: nothing counts twice
        await worker.deliver(*everything)
    found = await report(worker)
    # ann's cheap offer: 1000 − 400 refunded; the bundle's 1001 split 335 / 333 / 333, first id first
    assert figures(found) == {
        BEACH: (3, 2, 600 + 333, 480 + 267),  # fees 20 %: 1000→800, −400→−320, 1001→801 (267, 267, 267)
        GYM: (1, 1, 335, 267),
        SET: (1, 1, 333, 267),
    }
    usd = found.totals["USD"]
    assert (usd.offers, usd.unlocks, usd.gross_cents, usd.net_cents) == (3, 2, 600 + 1001, 480 + 801)
    assert sum(r.figures.gross_cents for r in found.items) == usd.gross_cents
    assert sum(r.figures.net_cents for r in found.items) == usd.net_cents
    beach = next(r for r in found.items if r.media_id == BEACH)
    prices = {(p.price_cents, p.bundle_of): (p.figures.offers, p.figures.unlocks, p.figures.gross_cents)
              for p in beach.by_price}  # fmt: skip
    assert prices == {(1000, 1): (1, 1, 600), (1001, 3): (1, 1, 333), (2500, 1): (1, 0, 0)}
    assert beach.bundle_offers == 1


async def test_segments_are_the_fans_at_offer_time_whatever_order_the_events_came_in(worker: FakeWorker) -> None:
    before, after = offered("ann", [BEACH], 1500, NOW - timedelta(hours=2)), offered("ann", [BEACH], 1500, NOW)
    sale, unlock = sold(after, NOW + timedelta(minutes=1))
    await worker.deliver(before, after, sale, unlock)
    # the segment history arrives after the offers, and not in order
    await worker.deliver(segment("ann", "whales", "entered", NOW - timedelta(hours=1)))
    await worker.deliver(segment("ann", "never_spent", "left", NOW - timedelta(hours=1)))
    await worker.deliver(segment("ann", "never_spent", "entered", NOW - timedelta(days=3)))
    await worker.deliver(segment("bob", "whales", "entered", NOW - timedelta(days=3)))
    [row] = (await report(worker)).items
    got = {s.segment: (s.name, s.figures.offers, s.figures.unlocks, s.figures.gross_cents) for s in row.by_segment}
    assert got == {"whales": ("Whales", 1, 1, 1500), "never_spent": ("Never_Spent", 1, 0, 0)}


async def test_the_vaults_descriptions_latest_revision_wins_in_any_order(worker: FakeWorker) -> None:
    await worker.deliver(offered("ann", [BEACH, GYM], 1000, NOW))
    await worker.deliver(updated(BEACH, 2, "Beach (director's cut)", deleted=True))
    await worker.deliver(uploaded(BEACH, "Beach", tags=("summer",)))  # late: revision 0 changes nothing
    await worker.deliver(updated(BEACH, 1, "Beach v1"))  # late too
    found = {r.media_id: r.info for r in (await report(worker)).items}
    beach = found[BEACH]
    assert beach is not None and (beach.title, beach.kind, beach.tags, beach.deleted) == (
        "Beach (director's cut)",
        "video",
        ("edited",),
        True,
    )
    assert found[GYM] is None, "never described by the vault: shown by id"


async def test_a_refund_before_its_unlock_and_a_foreign_ref_are_handled(worker: FakeWorker) -> None:
    offer = offered("ann", [BEACH], 2000, NOW)
    sale, unlock = sold(offer, NOW + timedelta(minutes=1))
    await worker.deliver(refunded(offer, 2000, NOW + timedelta(minutes=5), "chargeback"))
    await worker.deliver(sale)
    await worker.deliver(offered("bob", [GYM], 1000, NOW))
    assert set(figures(await report(worker))) == {GYM}, "the offer itself is not applied yet"
    await worker.deliver(unlock, offer)
    assert figures(await report(worker))[BEACH] == (1, 1, 0, 0), "unlocked, then charged back in full"


async def test_another_creator_sees_nothing_and_a_currency_filters(worker: FakeWorker) -> None:
    await worker.deliver(offered("ann", [BEACH], 1000, NOW), offered("ann", [GYM], 900, NOW, currency="EUR"))
    assert (await report(worker, OTHER)).items == []
    assert [r.media_id for r in (await report(worker, currency="EUR")).items] == [GYM]
    assert set((await report(worker)).totals) == {"EUR", "USD"}


async def test_erasure_keeps_the_figures_and_the_offers_segments_but_not_the_fans_history(worker: FakeWorker) -> None:
    offer = offered("ann", [BEACH], 1500, NOW)
    sale, unlock = sold(offer, NOW + timedelta(minutes=1))
    await worker.deliver(segment("ann", "whales", "entered", NOW - timedelta(days=1)), offer, sale, unlock)
    before = await report(worker)
    fan_id = offer.payload.fan_id
    exported = await erasure.personal_data(worker.uow(), CREATOR, fan_id)
    assert [(c.segment, c.change, c.name) for c in exported.segment_changes] == [("whales", "entered", "Whales")]
    await worker.deliver(erased("ann", NOW + timedelta(hours=1)))
    assert (await erasure.personal_data(worker.uow(), CREATOR, fan_id)).segment_changes == []
    assert not [c for c in worker.repo.segment_changes if c[1] == fan_id], "the fan's history is gone"
    # later changes of the erased fan are not stored
    await worker.deliver(segment("ann", "lapsed", "entered", NOW + timedelta(hours=2)))
    assert not [c for c in worker.repo.segment_changes if c[1] == fan_id]
    after = await report(worker)
    assert figures(after) == figures(before) == {BEACH: (1, 1, 1500, 1200)}
    assert [s.segment for s in after.items[0].by_segment] == ["whales"]
