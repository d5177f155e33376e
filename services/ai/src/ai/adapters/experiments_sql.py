"""Price tests on PostgreSQL (rules: :mod:`ai.pricing.experiment_runs`): one running per creator (a
partial unique index), and each test's offers and unlocks per arm price from the pricing read model."""

from __future__ import annotations

import uuid
from typing import Any

from huntaze_service.db import PlainSql

from ..pricing.experiment_runs import Experiment

_COLUMNS = (
    "experiment_id, creator_id, name, arms, currency, min_offers_per_arm, max_offers_per_arm, status, started_at, "
    "started_by, ended_at, winner_price_cents, recommended_price_cents, stopped_by"
)


def _experiment(row: Any) -> Experiment:
    values = list(row)
    values[3] = tuple(int(a) for a in values[3])
    return Experiment(*values)


class ExperimentStore(PlainSql):
    """Mixed into the ai repository: plain SQL on the unit of work's transaction."""

    async def add_experiment(self, e: Experiment) -> bool:
        """False when the creator already runs one."""
        rows = await self._rows(
            f"INSERT INTO price_experiments ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (creator_id) WHERE status = 'running' DO NOTHING RETURNING 1",
            (e.experiment_id, e.creator_id, e.name, list(e.arms), e.currency, e.min_offers_per_arm,
             e.max_offers_per_arm, e.status, e.started_at, e.started_by, e.ended_at, e.winner_price_cents,
             e.recommended_price_cents, e.stopped_by),
        )  # fmt: skip
        return bool(rows)

    async def experiment(
        self, creator_id: uuid.UUID, experiment_id: uuid.UUID, *, lock: bool = False
    ) -> Experiment | None:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM price_experiments WHERE creator_id = %s AND experiment_id = %s"
            + (" FOR UPDATE" if lock else ""),
            (creator_id, experiment_id),
        )
        return _experiment(rows[0]) if rows else None

    async def running_experiment(self, creator_id: uuid.UUID, *, lock: bool = False) -> Experiment | None:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM price_experiments WHERE creator_id = %s AND status = 'running'"
            + (" FOR UPDATE" if lock else ""),
            (creator_id,),
        )
        return _experiment(rows[0]) if rows else None

    async def experiments(self, creator_id: uuid.UUID, limit: int) -> list[Experiment]:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM price_experiments WHERE creator_id = %s ORDER BY started_at DESC LIMIT %s",
            (creator_id, limit),
        )
        return [_experiment(r) for r in rows]

    async def end_experiment(self, e: Experiment) -> None:
        await self._rows(
            "UPDATE price_experiments SET status = %s, ended_at = %s, winner_price_cents = %s, "
            "recommended_price_cents = %s, stopped_by = %s WHERE experiment_id = %s",
            (e.status, e.ended_at, e.winner_price_cents, e.recommended_price_cents, e.stopped_by, e.experiment_id),
        )

    async def experiment_counts(self, experiment_id: uuid.UUID) -> dict[int, tuple[int, int]]:
        rows = await self._rows(
            "SELECT price_cents, count(*), count(unlocked_at) FROM pricing_offers WHERE experiment_id = %s "
            "GROUP BY price_cents",
            (experiment_id,),
        )
        return {int(r[0]): (int(r[1]), int(r[2])) for r in rows}
