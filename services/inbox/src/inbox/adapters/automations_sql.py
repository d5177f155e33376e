"""Automations on PostgreSQL (the rules: :mod:`inbox.automations`).

A creator's settings are one JSON document (``automation_configs``); each trigger is one row of
``automation_runs``, unique per (creator, automation, trigger) — what makes a redelivered trigger,
or the same trigger from two sources, fire once. The autopilot's daily caps are counted from the
runs it autosent (a partial index holds only those)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from huntaze_service.db import Transaction

from ..automations import AutomationConfig, Kind, Run, RunStatus, SentToday
from ..mass import Recipient

_RUN_COLUMNS = (
    "id, creator_id, kind, trigger, fan_id, due_at, created_at, status, reason, context, draft_id, decided_at"
)


def _run(row: Any) -> Run:
    return Run(
        id=row[0],
        creator_id=row[1],
        kind=Kind(row[2]),
        trigger=row[3],
        fan_id=row[4],
        due_at=row[5],
        created_at=row[6],
        status=RunStatus(row[7]),
        reason=row[8],
        context=dict(row[9] or {}),
        draft_id=row[10],
        decided_at=row[11],
    )


class Automations:
    """Mixed into the inbox repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def _automation_rows(self, sql: str, params: Any) -> list[Any]:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)
            return await cursor.fetchall() if cursor.description else []

    async def automation_config(self, creator_id: uuid.UUID) -> AutomationConfig:
        rows = await self._automation_rows("SELECT config FROM automation_configs WHERE creator_id = %s", (creator_id,))
        return AutomationConfig.of(rows[0][0] if rows else None)

    async def save_automation_config(
        self, creator_id: uuid.UUID, config: AutomationConfig, *, by: uuid.UUID, now: datetime
    ) -> None:
        await self._automation_rows(
            "INSERT INTO automation_configs (creator_id, config, updated_at, updated_by) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (creator_id) DO UPDATE SET config = EXCLUDED.config, updated_at = EXCLUDED.updated_at, "
            "updated_by = EXCLUDED.updated_by",
            (creator_id, json.dumps(config.as_json()), now, by),
        )

    async def add_run(self, run: Run) -> bool:
        """Records a trigger's run; False when this trigger has one already (it fires once)."""
        rows = await self._automation_rows(
            f"INSERT INTO automation_runs ({_RUN_COLUMNS}) "
            "SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s "
            "WHERE NOT EXISTS (SELECT 1 FROM erased_fans WHERE fan_id = %s) "
            "ON CONFLICT ON CONSTRAINT uq_automation_runs_trigger DO NOTHING RETURNING id",
            (
                run.id,
                run.creator_id,
                run.kind.value,
                run.trigger,
                run.fan_id,
                run.due_at,
                run.created_at,
                run.status.value,
                run.reason,
                json.dumps(run.context),
                run.draft_id,
                run.decided_at,
                run.fan_id,
            ),
        )
        return bool(rows)

    async def automation_run(self, run_id: uuid.UUID, *, lock: bool = False) -> Run | None:
        rows = await self._automation_rows(
            f"SELECT {_RUN_COLUMNS} FROM automation_runs WHERE id = %s" + (" FOR UPDATE" if lock else ""), (run_id,)
        )
        return _run(rows[0]) if rows else None

    async def save_run(self, run: Run) -> None:
        await self._automation_rows(
            "UPDATE automation_runs SET due_at = %s, status = %s, reason = %s, draft_id = %s, decided_at = %s "
            "WHERE id = %s",
            (run.due_at, run.status.value, run.reason, run.draft_id, run.decided_at, run.id),
        )

    async def automation_runs(
        self, creator_id: uuid.UUID, *, limit: int, kind: Kind | None = None, status: RunStatus | None = None
    ) -> list[Run]:
        sql = f"SELECT {_RUN_COLUMNS} FROM automation_runs WHERE creator_id = %s"
        params: list[Any] = [creator_id]
        if kind is not None:
            sql += " AND kind = %s"
            params.append(kind.value)
        if status is not None:
            sql += " AND status = %s"
            params.append(status.value)
        rows = await self._automation_rows(sql + " ORDER BY created_at DESC, id LIMIT %s", (*params, limit))
        return [_run(r) for r in rows]

    async def autosent_since(self, creator_id: uuid.UUID, fan_id: uuid.UUID, since: datetime) -> SentToday:
        rows = await self._automation_rows(
            "SELECT count(*) FILTER (WHERE fan_id = %s), count(*) FROM automation_runs "
            "WHERE creator_id = %s AND status = 'autosent' AND decided_at >= %s",
            (fan_id, creator_id, since),
        )
        return SentToday(fan=int(rows[0][0]), creator=int(rows[0][1]))

    async def lock_autopilot(self, creator_id: uuid.UUID) -> None:
        """Serialises the autopilot's decisions of one creator (the caps are counted, then used):
        a transaction-scoped advisory lock, released at commit."""
        await self._automation_rows(
            "SELECT pg_advisory_xact_lock(hashtextextended('inbox.autopilot:' || %s::text, 0))", (creator_id,)
        )

    async def audience_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> tuple[Recipient | None, set[str]]:
        """Who the fan is (None when the inbox never heard their OnlyFans id) and their segments."""
        rows = await self._automation_rows(
            "SELECT external_id, coalesce(display_name, external_id), segments FROM audience_fans "
            "WHERE creator_id = %s AND fan_id = %s",
            (creator_id, fan_id),
        )
        if not rows:
            return None, set()
        external_id, name, segments = rows[0]
        recipient = Recipient(fan_id, external_id, name) if external_id else None
        return recipient, set(segments or ())
