"""The inbox's price tests in memory (mixed into FakeInboxRepository), with the SQL store's semantics."""

from __future__ import annotations

import uuid
from datetime import datetime


class FakePriceTests:
    def __init__(self) -> None:
        super().__init__()
        self.price_tests: dict[uuid.UUID, tuple[uuid.UUID, tuple[int, ...], datetime | None]] = {}

    async def price_test_started(self, creator_id: uuid.UUID, experiment_id: uuid.UUID, arms: tuple[int, ...]) -> None:
        _, _, ended = self.price_tests.get(experiment_id, (creator_id, (), None))
        self.price_tests[experiment_id] = (creator_id, arms, ended)

    async def price_test_ended(self, creator_id: uuid.UUID, experiment_id: uuid.UUID, at: datetime) -> None:
        _, arms, _ = self.price_tests.get(experiment_id, (creator_id, (), None))
        self.price_tests[experiment_id] = (creator_id, arms, at)

    async def running_price_test(self, creator_id: uuid.UUID, experiment_id: uuid.UUID) -> tuple[int, ...]:
        owner, arms, ended = self.price_tests.get(experiment_id, (None, (), None))
        return arms if owner == creator_id and ended is None else ()
