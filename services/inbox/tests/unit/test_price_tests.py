"""Price tests in the inbox, on fakes: a mass message naming a running test stores its arms and offers
each fan their arm's price (the split of huntaze_events.arm_of: even, and the same fan always the same
price); a test that is unknown, another creator's, ended (even when its end arrived before its start)
or priced outside what OnlyFans accepts is refused."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest

from huntaze_events import PriceExperimentEnded, PriceExperimentStarted
from huntaze_events.ai import ArmOutcome
from huntaze_testkit.fakes import envelope
from inbox.handlers import price_tests
from inbox.offers import PriceOutOfRange

from .test_automations import worker
from .test_calendar import create, with_fans
from .test_use_cases import CREATOR, USER

NOW = datetime(2026, 11, 20, 18, tzinfo=UTC)


def started(experiment: uuid.UUID, arms: list[int], creator: uuid.UUID = CREATOR) -> object:
    return envelope(
        PriceExperimentStarted(experiment_id=experiment, name="t", arms_price_cents=arms, currency="USD",
                               min_offers_per_arm=200, max_offers_per_arm=5000, started_at=NOW, started_by=USER),
        producer="ai", creator_id=creator,
    )  # fmt: skip


def ended(experiment: uuid.UUID, arms: list[int]) -> object:
    outcomes = [
        ArmOutcome(price_cents=p, offered=0, unlocked=0, probability_best=0.5, expected_loss_cents=0) for p in arms
    ]
    return envelope(
        PriceExperimentEnded(experiment_id=experiment, name="t", outcome="stopped", recommended_price_cents=arms[0],
                             currency="USD", arms=outcomes, ended_at=NOW),
        producer="ai", creator_id=CREATOR,
    )  # fmt: skip


async def test_a_mass_message_in_a_running_test_prices_each_fan_with_their_arm() -> None:
    w = worker()
    with_fans(w)
    test = uuid.uuid4()
    await w.deliver(started(test, [900, 1500, 2400]))
    m = await create(w, experiment_id=test, price_cents=None)
    stored = w.repo.mass[m.id]
    assert stored.experiment_id == test and stored.experiment_arms == (900, 1500, 2400) and stored.price_cents == 900
    fans = [uuid.UUID(int=i) for i in range(3000)]
    prices = Counter(stored.price_for(f) for f in fans)
    assert set(prices) == {900, 1500, 2400} and min(prices.values()) > 900  # about 1000 each
    assert all(stored.price_for(f) == stored.price_for(f) for f in fans[:50])


async def test_a_test_unknown_another_creators_ended_or_out_of_range_is_refused() -> None:
    w = worker()
    with_fans(w)
    theirs, done, early, cheap = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await w.deliver(started(theirs, [900, 1500], creator=uuid.uuid4()))
    await w.deliver(started(done, [900, 1500]))
    await w.deliver(ended(done, [900, 1500]))
    await w.deliver(ended(early, [900, 1500]))  # the end came first: its start does not revive it
    await w.deliver(started(early, [900, 1500]))
    await w.deliver(started(cheap, [100, 1500]))  # $1: below what OnlyFans accepts
    for refused in (uuid.uuid4(), theirs, done, early):
        with pytest.raises(price_tests.NotRunning):
            await create(w, experiment_id=refused, price_cents=None)
    with pytest.raises(PriceOutOfRange):
        await create(w, experiment_id=cheap, price_cents=None)
    assert w.repo.mass == {}
