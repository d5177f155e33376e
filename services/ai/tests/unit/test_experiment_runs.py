"""Price tests on fakes: one running per creator; offers carrying the test's id counted per arm; the
test ends once, by itself, when its readout decides (a clearly better arm wins), or when stopped; another
creator's test is not found."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ai.consumers import subscriptions
from ai.pricing import experiment_runs as runs
from huntaze_events import PpvOffered, PpvUnlocked, arm_of
from huntaze_events.inbox import OfferBy
from huntaze_testkit.fakes import FakeWorker, envelope

from .fakes import FakeAiRepository

CREATOR, OWNER = uuid.UUID(int=51), uuid.UUID(int=52)
NOW = datetime(2026, 11, 20, 18, tzinfo=UTC)


def worker() -> FakeWorker[FakeAiRepository]:
    from ai.adapters.offline import OfflineProvider

    w = FakeWorker(FakeAiRepository(), producer="ai", subscriptions=subscriptions(OfflineProvider()))
    w.clock.current = NOW
    return w


async def start(w: FakeWorker[FakeAiRepository], arms: tuple[int, ...] = (900, 1500), **kw: int) -> runs.Experiment:
    async with w.uow() as uow:
        return await runs.start(uow, CREATOR, OWNER, "set price", arms, kw.get("min_offers", 100),
                                kw.get("max_offers", 2000))  # fmt: skip


def offers(experiment: runs.Experiment, fans: int, rates: dict[int, float], rng: random.Random) -> list:
    out = []
    for i in range(fans):
        fan = uuid.uuid4()
        price = experiment.arms[arm_of(experiment.experiment_id, fan, len(experiment.arms))]
        common = dict(offer_id=uuid.uuid4(), conversation_id=uuid.uuid4(), fan_id=fan, media_ids=[uuid.uuid4()],
                      by=OfferBy(user_id=OWNER), currency="USD")  # fmt: skip
        at = NOW + timedelta(minutes=i)
        out.append(envelope(PpvOffered(**common, text="set", price_cents=price, sent_at=at, expires_at=at + timedelta(days=2),
                                       experiment_id=experiment.experiment_id), producer="inbox", creator_id=CREATOR))  # fmt: skip
        if rng.random() < rates[price]:
            out.append(envelope(PpvUnlocked(**common, transaction_id=uuid.uuid4(), price_cents=price, gross_cents=price,
                                            net_cents=price * 8 // 10, offered_at=at, unlocked_at=at + timedelta(hours=1)),
                                producer="inbox", creator_id=CREATOR))  # fmt: skip
    return out


async def test_one_test_at_a_time_stopped_once_and_another_creators_is_not_found() -> None:
    w = worker()
    e = await start(w)
    (started,) = w.emitted("price_experiment.started")
    assert started.payload.arms_price_cents == [900, 1500] and started.payload.experiment_id == e.experiment_id
    with pytest.raises(runs.ExperimentRunning):
        await start(w, (1000, 2000))
    async with w.uow() as uow:
        stopped = await runs.stop(uow, CREATOR, OWNER, e.experiment_id)
    assert stopped.status == "stopped" and stopped.stopped_by == OWNER
    (ended,) = w.emitted("price_experiment.ended")
    assert ended.payload.outcome == "stopped" and ended.payload.winner_price_cents is None
    assert [a.offered for a in ended.payload.arms] == [0, 0]
    async with w.uow() as uow:
        with pytest.raises(runs.ExperimentEnded):
            await runs.stop(uow, CREATOR, OWNER, e.experiment_id)
        with pytest.raises(runs.ExperimentNotFound):
            await runs.find(uow, uuid.UUID(int=99), e.experiment_id)
    await start(w, (1000, 2000))  # a new one may start once the first ended


async def test_a_clearly_better_arm_wins_once_and_the_split_is_even() -> None:
    w = worker()
    e = await start(w, min_offers=100, max_offers=2000)
    rng = random.Random(5)
    batch = offers(e, 1200, {900: 0.2, 1500: 0.5}, rng)  # revenue per offer: 180 against 750
    for i in range(0, len(batch), 50):
        await w.deliver(*batch[i : i + 50])
    (ended,) = w.emitted("price_experiment.ended")
    p = ended.payload
    assert p.outcome == "winner" and p.winner_price_cents == p.recommended_price_cents == 1500
    async with w.uow() as uow:
        stored, found = await runs.find(uow, CREATOR, e.experiment_id)
    assert stored.status == "winner" and found.decision == "winner"
    offered = [a.offered for a in found.arms]
    assert sum(offered) == 1200 and min(offered) > 500  # the hash split: even
    assert {a.price_cents: a.offered for a in p.arms}.keys() == {900, 1500}

    await w.deliver(*offers(e, 100, {900: 0.2, 1500: 0.5}, rng))  # later offers: no second end
    assert len(w.emitted("price_experiment.ended")) == 1
