"""Price tests as a creator runs them: started (``price_experiment.started``: the inbox prices each fan of
a mass message naming it with their arm), read out at any time from the pricing read model (the offers
carrying the test's id, counted per arm price), and ended once — by the decision rule of
:func:`.experiments.compare_arms` (checked in the transaction of every batch of offers or unlocks that
touches a running test), or by a person (``POST …/stop``). One test runs at a time per creator: a
unique index makes a second start a conflict, even two at once.

The readout is seeded with the test's id: the same counts give the same figures every time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from huntaze_events import ArmOutcome, PriceExperimentEnded, PriceExperimentStarted

from ..handlers import Uow
from .experiments import DECIDE_AT, ArmResult, ExperimentReadout, compare_arms

CURRENCY = "USD"  # the inbox's offers are in USD (inbox.offers.OFFER_CURRENCY)


class ExperimentRunning(Exception):
    """The creator already runs a price test."""


class ExperimentNotFound(Exception):
    pass


class ExperimentEnded(Exception):
    pass


@dataclass(frozen=True)
class Experiment:
    experiment_id: uuid.UUID
    creator_id: uuid.UUID
    name: str
    arms: tuple[int, ...]
    currency: str
    min_offers_per_arm: int
    max_offers_per_arm: int
    status: str  # running, winner, no_difference, stopped
    started_at: datetime
    started_by: uuid.UUID
    ended_at: datetime | None = None
    winner_price_cents: int | None = None
    recommended_price_cents: int | None = None
    stopped_by: uuid.UUID | None = None


async def start(uow: Uow, creator_id: uuid.UUID, user_id: uuid.UUID, name: str, arms: tuple[int, ...],
                min_offers: int, max_offers: int) -> Experiment:  # fmt: skip
    """Raises ExperimentRunning."""
    e = Experiment(uuid.uuid4(), creator_id, name, arms, CURRENCY, min_offers, max_offers, "running", uow.now(),
                   user_id)  # fmt: skip
    if not await uow.repo.add_experiment(e):
        raise ExperimentRunning()
    uow.emit(
        PriceExperimentStarted(experiment_id=e.experiment_id, name=name, arms_price_cents=list(arms), currency=e.currency,
                               min_offers_per_arm=min_offers, max_offers_per_arm=max_offers, started_at=e.started_at,
                               started_by=user_id),
        creator_id=creator_id,
    )  # fmt: skip
    await uow.commit()
    return e


async def readout(uow: Uow, e: Experiment) -> ExperimentReadout:
    counts = await uow.repo.experiment_counts(e.experiment_id)
    arms = [ArmResult(price, *counts.get(price, (0, 0))) for price in e.arms]
    return compare_arms(arms, seed=e.experiment_id.int % 2**32, min_offers_per_arm=e.min_offers_per_arm,
                        max_offers_per_arm=e.max_offers_per_arm, decide_at=DECIDE_AT)  # fmt: skip


async def find(uow: Uow, creator_id: uuid.UUID, experiment_id: uuid.UUID) -> tuple[Experiment, ExperimentReadout]:
    """Raises ExperimentNotFound (another creator's test too)."""
    e = await uow.repo.experiment(creator_id, experiment_id)
    if e is None:
        raise ExperimentNotFound()
    return e, await readout(uow, e)


async def stop(uow: Uow, creator_id: uuid.UUID, user_id: uuid.UUID, experiment_id: uuid.UUID) -> Experiment:
    """Raises ExperimentNotFound, ExperimentEnded."""
    e = await uow.repo.experiment(creator_id, experiment_id, lock=True)
    if e is None:
        raise ExperimentNotFound()
    if e.status != "running":
        raise ExperimentEnded()
    ended = await _end(uow, e, await readout(uow, e), "stopped", stopped_by=user_id)
    await uow.commit()
    return ended


async def decide(uow: Uow, creator_ids: set[uuid.UUID]) -> int:
    """After a batch of offers or unlocks: ends each touched creator's running test whose readout
    decided (winner or no difference). Returns how many ended."""
    ended = 0
    for creator_id in sorted(creator_ids):
        e = await uow.repo.running_experiment(creator_id, lock=True)
        if e is None:
            continue
        found = await readout(uow, e)
        if found.decision != "continue":
            await _end(uow, e, found, found.decision)
            ended += 1
    return ended


async def _end(uow: Uow, e: Experiment, found: ExperimentReadout, outcome: str,
               stopped_by: uuid.UUID | None = None) -> Experiment:  # fmt: skip
    winner = found.arms[found.winner].price_cents if found.winner is not None else None
    recommended = found.arms[found.recommended].price_cents
    ended = Experiment(**{**e.__dict__, "status": outcome, "ended_at": uow.now(), "winner_price_cents": winner,
                          "recommended_price_cents": recommended, "stopped_by": stopped_by})  # fmt: skip
    await uow.repo.end_experiment(ended)
    uow.emit(
        PriceExperimentEnded(
            experiment_id=e.experiment_id, name=e.name, outcome=outcome, winner_price_cents=winner,  # type: ignore[arg-type]
            recommended_price_cents=recommended, currency=e.currency, ended_at=uow.now(), stopped_by=stopped_by,
            arms=[ArmOutcome(price_cents=a.price_cents, offered=a.offered, unlocked=a.unlocked,
                             probability_best=a.probability_best, expected_loss_cents=round(a.expected_loss_cents, 4))
                  for a in found.arms],
        ),
        creator_id=e.creator_id,
    )  # fmt: skip
    return ended
