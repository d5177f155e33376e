"""The inbox's view of the ai's price tests (``price_experiment.started`` / ``.ended``): which test runs
and its arms' prices, so that a mass message naming it offers each fan their arm's price
(:meth:`inbox.mass.MassMessage.price_for`, the split of ``huntaze_events.arm_of``). The two events
travel on two topics and may arrive in either order: an end recorded first is never undone by its start.

A mass message keeps the arms it was created with: one still sending when its test ends goes on with
them (its offers still carry the test's id; the ai ended the test once and counts them in its readout)."""

from __future__ import annotations

import uuid

from huntaze_events import Envelope, PriceExperimentEnded, PriceExperimentStarted

from ..config import OfferTerms
from .base import Uow


class NotRunning(ValueError):
    def __init__(self) -> None:
        super().__init__("price_experiment_id: no price test of this creator with this id is running")


async def arms(uow: Uow, creator_id: uuid.UUID, experiment_id: uuid.UUID, terms: OfferTerms) -> tuple[int, ...]:
    """The running test's arms, each a price OnlyFans accepts. Raises NotRunning (unknown, another
    creator's, ended, or not arrived yet), PriceOutOfRange."""
    found = await uow.repo.running_price_test(creator_id, experiment_id)
    if not found:
        raise NotRunning()
    for price in found:
        terms.prices.check(price)
    return found


async def record_started(uow: Uow, event: Envelope[PriceExperimentStarted]) -> None:
    p = event.payload
    await uow.repo.price_test_started(event.creator_id, p.experiment_id, tuple(p.arms_price_cents))


async def record_ended(uow: Uow, event: Envelope[PriceExperimentEnded]) -> None:
    await uow.repo.price_test_ended(event.creator_id, event.payload.experiment_id, event.payload.ended_at)
