"""Price tests in memory, with the SQL store's semantics (mixed into FakeAiRepository, next to the
pricing fakes whose offers it counts)."""

from __future__ import annotations

import uuid
from dataclasses import replace

from ai.pricing.experiment_runs import Experiment


class FakeExperimentStore:
    def __init__(self) -> None:
        super().__init__()
        self.experiments_: dict[uuid.UUID, Experiment] = {}

    async def add_experiment(self, e: Experiment) -> bool:
        if any(x.creator_id == e.creator_id and x.status == "running" for x in self.experiments_.values()):
            return False
        self.experiments_[e.experiment_id] = e
        return True

    async def experiment(
        self, creator_id: uuid.UUID, experiment_id: uuid.UUID, *, lock: bool = False
    ) -> Experiment | None:
        e = self.experiments_.get(experiment_id)
        return e if e is not None and e.creator_id == creator_id else None

    async def running_experiment(self, creator_id: uuid.UUID, *, lock: bool = False) -> Experiment | None:
        return next(
            (e for e in self.experiments_.values() if e.creator_id == creator_id and e.status == "running"), None
        )

    async def experiments(self, creator_id: uuid.UUID, limit: int) -> list[Experiment]:
        mine = [e for e in self.experiments_.values() if e.creator_id == creator_id]
        return sorted(mine, key=lambda e: e.started_at, reverse=True)[:limit]

    async def end_experiment(self, e: Experiment) -> None:
        self.experiments_[e.experiment_id] = replace(e)

    async def experiment_counts(self, experiment_id: uuid.UUID) -> dict[int, tuple[int, int]]:
        counts: dict[int, tuple[int, int]] = {}
        for offer in self.pricing_offers.values():  # type: ignore[attr-defined]
            if offer.experiment_id == experiment_id:
                offered, unlocked = counts.get(offer.price_cents, (0, 0))
                counts[offer.price_cents] = (offered + 1, unlocked + (offer.unlocked_at is not None))
        return counts
