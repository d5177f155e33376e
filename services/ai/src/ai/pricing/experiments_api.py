"""``/v1/ai/pricing/experiments``: price tests on paid mass messages (see :mod:`.experiment_runs`).

Start one with two to four prices; name it in a mass message (``price_experiment_id``) and the inbox
offers each fan the price of their arm; read it out at any time; it ends by itself at a decision (a
winner, or no difference at the planned size), or when you stop it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, model_validator

from huntaze_service import ApiError, CreatorId, RuntimeDep, UserId, not_found

from . import experiment_runs as runs
from .experiments import MAX_OFFERS_PER_ARM, MIN_OFFERS_PER_ARM, ExperimentReadout

router = APIRouter(prefix="/v1/ai/pricing", tags=["ai"])
NO_EXPERIMENT = {"description": "No such price test for this creator."}


class NewExperimentIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    prices_cents: list[Annotated[int, Field(gt=0, le=100_000)]] = Field(
        min_length=2, max_length=4, description="The arms' prices (distinct), in minor units."
    )
    min_offers_per_arm: int = Field(default=MIN_OFFERS_PER_ARM, ge=20, le=5000)
    max_offers_per_arm: int = Field(default=MAX_OFFERS_PER_ARM, ge=20, le=100_000)

    @model_validator(mode="after")
    def _consistent(self) -> NewExperimentIn:
        if len(set(self.prices_cents)) != len(self.prices_cents):
            raise ValueError("prices_cents must be distinct")
        if self.max_offers_per_arm < self.min_offers_per_arm:
            raise ValueError("max_offers_per_arm must be at least min_offers_per_arm")
        return self


class ArmOut(BaseModel):
    price_cents: int
    offered: int
    unlocked: int
    unlock_rate: float = Field(description="Posterior mean (1 + unlocked) / (2 + offered).")
    revenue_per_offer_cents: float
    revenue_per_offer_low_cents: float = Field(description="Central 90 % of the posterior.")
    revenue_per_offer_high_cents: float
    probability_best: float
    expected_loss_cents: float = Field(description="Per offer, if this arm is not the best.")


class ExperimentOut(BaseModel):
    experiment_id: uuid.UUID
    name: str
    status: Literal["running", "winner", "no_difference", "stopped"]
    currency: str
    prices_cents: list[int]
    min_offers_per_arm: int
    max_offers_per_arm: int
    started_at: datetime
    ended_at: datetime | None
    winner_price_cents: int | None
    recommended_price_cents: int | None
    decision: Literal["continue", "winner", "no_difference"] | None = Field(
        default=None, description="The readout's decision now (with the readout only)."
    )
    threshold: float | None = Field(default=None, description="The probability_best a winner needs at this size.")
    arms: list[ArmOut] | None = None

    @classmethod
    def of(cls, e: runs.Experiment, found: ExperimentReadout | None = None) -> ExperimentOut:
        out = cls(
            experiment_id=e.experiment_id, name=e.name, status=e.status, currency=e.currency,  # type: ignore[arg-type]
            prices_cents=list(e.arms), min_offers_per_arm=e.min_offers_per_arm,
            max_offers_per_arm=e.max_offers_per_arm, started_at=e.started_at, ended_at=e.ended_at,
            winner_price_cents=e.winner_price_cents, recommended_price_cents=e.recommended_price_cents,
        )  # fmt: skip
        if found is not None:
            out.decision, out.threshold = found.decision, found.threshold
            out.arms = [ArmOut(price_cents=a.price_cents, offered=a.offered, unlocked=a.unlocked,
                               unlock_rate=a.unlock_rate, revenue_per_offer_cents=a.revenue_per_offer_cents,
                               revenue_per_offer_low_cents=a.revenue_per_offer_low_cents,
                               revenue_per_offer_high_cents=a.revenue_per_offer_high_cents,
                               probability_best=a.probability_best, expected_loss_cents=a.expected_loss_cents)
                        for a in found.arms]  # fmt: skip
        return out


class ExperimentsOut(BaseModel):
    items: list[ExperimentOut]


@router.post(
    "/experiments", status_code=201, response_model=ExperimentOut,
    responses={409: {"description": "A price test is already running for this creator."}},
)  # fmt: skip
async def start(body: NewExperimentIn, runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId) -> ExperimentOut:
    async with runtime.uow() as uow:
        try:
            e = await runs.start(uow, creator_id, user_id, body.name, tuple(body.prices_cents),
                                 body.min_offers_per_arm, body.max_offers_per_arm)  # fmt: skip
        except runs.ExperimentRunning:
            raise ApiError(409, "a price test is already running: stop it first", "experiment_running") from None
    return ExperimentOut.of(e)


@router.get("/experiments", response_model=ExperimentsOut)
async def listing(
    runtime: RuntimeDep, creator_id: CreatorId, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> ExperimentsOut:
    async with runtime.uow() as uow:
        found = await uow.repo.experiments(creator_id, limit)
    return ExperimentsOut(items=[ExperimentOut.of(e) for e in found])


@router.get("/experiments/{experiment_id}", response_model=ExperimentOut, responses={404: NO_EXPERIMENT})
async def one(experiment_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> ExperimentOut:
    """The test with its readout now: per arm, offers, unlocks, revenue per offer with its interval,
    the probability of being the best and the expected loss; the decision rule's verdict."""
    async with runtime.uow() as uow:
        try:
            e, found = await runs.find(uow, creator_id, experiment_id)
        except runs.ExperimentNotFound:
            raise not_found("price test") from None
    return ExperimentOut.of(e, found)


@router.post(
    "/experiments/{experiment_id}/stop", response_model=ExperimentOut,
    responses={404: NO_EXPERIMENT, 409: {"description": "It already ended."}},
)  # fmt: skip
async def stop(experiment_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId) -> ExperimentOut:
    async with runtime.uow() as uow:
        try:
            e = await runs.stop(uow, creator_id, user_id, experiment_id)
        except runs.ExperimentNotFound:
            raise not_found("price test") from None
        except runs.ExperimentEnded:
            raise ApiError(409, "this price test already ended", "experiment_ended") from None
    return ExperimentOut.of(e)
