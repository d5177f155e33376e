"""The ``timers`` table: every statement the timer worker and the unit of work run on it.

One row per (kind, key): a timer (fired by a handler inside a transaction) or an external call
(made outside any transaction; see :mod:`huntaze_service.timers.worker`). States:

    scheduled   waiting for due_at (or for a retry after a failed attempt)
    calling     an external call was claimed: its outcome is unknown until recorded; if the lease
                runs out first (the replica died), the next claimer reconciles before calling again
    dead        failed past its attempts (or permanently): kept for an operator, never fired again

A claim sets ``lease_token`` and ``lease_until``; a replica fires only rows still carrying its token,
locked FOR UPDATE in the transaction that commits the effects and completes the row, so a row is
completed once even when a lease expired and another replica claimed it meanwhile.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .schedule import Recurrence

NOTIFY_CHANNEL = "huntaze_timers"

DDL = (
    """
    CREATE TABLE timers (
        id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind           TEXT        NOT NULL,
        key            TEXT        NOT NULL,
        tenant         UUID        NOT NULL,
        due_at         TIMESTAMPTZ NOT NULL,
        payload        JSONB       NOT NULL DEFAULT '{}',
        rule           TEXT,
        timezone       TEXT,
        anchor         TIMESTAMPTZ,
        is_call        BOOLEAN     NOT NULL DEFAULT false,
        order_key      TEXT,
        state          TEXT        NOT NULL DEFAULT 'scheduled'
                       CONSTRAINT ck_timers_state CHECK (state IN ('scheduled', 'calling', 'dead')),
        attempts       INT         NOT NULL DEFAULT 0,
        lease_token    UUID,
        lease_until    TIMESTAMPTZ,
        last_error     TEXT,
        correlation_id UUID,
        causation_id   UUID,
        traceparent    TEXT,
        created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT uq_timers_kind_key UNIQUE (kind, key)
    )
    """,
    "CREATE INDEX ix_timers_due ON timers (due_at) WHERE state <> 'dead'",
    "CREATE INDEX ix_timers_order ON timers (kind, order_key, id) WHERE order_key IS NOT NULL AND state <> 'dead'",
    # Wakes the timer workers when a transaction that scheduled or moved a timer commits.
    """
    CREATE OR REPLACE FUNCTION huntaze_timers_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('huntaze_timers', '');
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER timers_notify AFTER INSERT OR UPDATE OF due_at ON timers
    FOR EACH STATEMENT EXECUTE FUNCTION huntaze_timers_notify()
    """,
)


@dataclass(frozen=True)
class ClaimedTimer:
    id: int
    kind: str
    key: str
    tenant: uuid.UUID
    due_at: datetime
    payload: dict[str, Any]
    recurrence: Recurrence | None
    anchor: datetime | None
    attempts: int
    """Claims so far, this one included."""
    previous_state: str
    """``calling`` when a previous claim made the call and nobody recorded its outcome."""
    correlation_id: uuid.UUID | None
    causation_id: uuid.UUID | None
    traceparent: str | None
    claimed_at: datetime
    token: uuid.UUID


# writes from a unit of work ------------------------------------------------------------------------

_UPSERT_TIMERS = """
INSERT INTO timers (kind, key, tenant, due_at, payload, rule, timezone, anchor, is_call, correlation_id,
                    causation_id, traceparent)
SELECT k, ky, t, d, CAST(p AS jsonb), r, tz, d, false, c, ca, tp
FROM unnest(%(kinds)s::text[], %(keys)s::text[], %(tenants)s::uuid[], %(due)s::timestamptz[], %(payloads)s::text[],
            %(rules)s::text[], %(zones)s::text[], %(correlations)s::uuid[], %(causations)s::uuid[], %(traces)s::text[])
     AS v(k, ky, t, d, p, r, tz, c, ca, tp)
ON CONFLICT (kind, key) DO UPDATE SET
    tenant = excluded.tenant, due_at = excluded.due_at, payload = excluded.payload, rule = excluded.rule,
    timezone = excluded.timezone, anchor = excluded.anchor, state = 'scheduled', attempts = 0,
    lease_token = NULL, lease_until = NULL, last_error = NULL, correlation_id = excluded.correlation_id,
    causation_id = excluded.causation_id, traceparent = excluded.traceparent, updated_at = now()
"""

_INSERT_CALLS = """
INSERT INTO timers (kind, key, tenant, due_at, payload, is_call, order_key, correlation_id, causation_id, traceparent)
SELECT k, ky, t, d, CAST(p AS jsonb), true, o, c, ca, tp
FROM unnest(%(kinds)s::text[], %(keys)s::text[], %(tenants)s::uuid[], %(due)s::timestamptz[], %(payloads)s::text[],
            %(orders)s::text[], %(correlations)s::uuid[], %(causations)s::uuid[], %(traces)s::text[])
     AS v(k, ky, t, d, p, o, c, ca, tp)
ON CONFLICT (kind, key) DO NOTHING
"""


async def write_timers(conn: Any, timers: Sequence[Any], cancels: Sequence[tuple[str, str]]) -> None:
    """Writes a unit of work's timers (upsert: scheduling again moves), calls (recorded once) and
    cancellations, in its transaction. The last write of a (kind, key) in one unit of work wins."""
    latest: dict[tuple[str, str], Any] = {}
    for t in timers:
        latest[(t.kind, t.key)] = t
    for kind, key in cancels:
        latest.pop((kind, key), None)
    plain = [t for t in latest.values() if not t.is_call]
    calls = [t for t in latest.values() if t.is_call]
    async with conn.cursor() as cursor:
        if cancels:
            await cursor.execute(
                # a call is dropped only while no replica holds it: one being made (or whose
                # replica died making it) may have reached the peer, so its outcome is recorded
                "DELETE FROM timers t USING unnest(%s::text[], %s::text[]) AS c(kind, key) "
                "WHERE t.kind = c.kind AND t.key = c.key "
                "AND (NOT t.is_call OR (t.lease_token IS NULL AND t.state <> 'dead'))",
                ([k for k, _ in cancels], [key for _, key in cancels]),
            )
        if plain:
            await cursor.execute(
                _UPSERT_TIMERS,
                {
                    **_columns(plain),
                    "rules": [t.recurrence.rule if t.recurrence else None for t in plain],
                    "zones": [t.recurrence.timezone if t.recurrence else None for t in plain],
                },
            )
        if calls:
            await cursor.execute(_INSERT_CALLS, {**_columns(calls), "orders": [t.order_key for t in calls]})


def _columns(rows: Sequence[Any]) -> dict[str, list[Any]]:
    return {
        "kinds": [t.kind for t in rows],
        "keys": [t.key for t in rows],
        "tenants": [t.tenant for t in rows],
        "due": [t.due_at for t in rows],
        "payloads": [json.dumps(t.payload, separators=(",", ":")) for t in rows],
        "correlations": [t.correlation_id for t in rows],
        "causations": [t.causation_id for t in rows],
        "traces": [t.traceparent for t in rows],
    }


# the worker's claims (autocommit, on its own connection) -----------------------------------------------

_CLAIM = """
WITH due AS (
    SELECT id, state FROM timers t
    WHERE state <> 'dead' AND is_call = %(calls)s AND due_at <= now()
      AND (lease_until IS NULL OR lease_until < now())
      {kind_filter}
      -- calls sharing an order key go one at a time, oldest first (a dead one no longer blocks)
      AND (t.order_key IS NULL OR NOT EXISTS (
          SELECT 1 FROM timers p WHERE p.kind = t.kind AND p.order_key = t.order_key AND p.id < t.id
                                   AND p.state <> 'dead'))
    ORDER BY due_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE timers t
SET lease_token = %(token)s, lease_until = now() + %(lease)s * interval '1 second', attempts = t.attempts + 1,
    state = CASE WHEN t.is_call THEN 'calling' ELSE t.state END
FROM due WHERE t.id = due.id
RETURNING t.id, t.kind, t.key, t.tenant, t.due_at, t.payload, t.rule, t.timezone, t.anchor, t.attempts,
          due.state, t.correlation_id, t.causation_id, t.traceparent, now()
"""


async def claim(
    conn: Any, *, calls: bool, limit: int, lease_s: float, kinds: Sequence[str] | None = None
) -> list[ClaimedTimer]:
    """Claims up to ``limit`` due rows (timers, or calls of ``kinds``) that no live lease holds."""
    token = uuid.uuid4()
    kind_filter = "AND kind = ANY(%(kinds)s)" if kinds is not None else ""
    async with conn.cursor() as cursor:
        await cursor.execute(
            _CLAIM.format(kind_filter=kind_filter),
            {"calls": calls, "limit": limit, "lease": lease_s, "token": token, "kinds": list(kinds or ())},
        )
        rows = await cursor.fetchall()
    claimed = []
    for r in rows:
        recurrence = Recurrence(r[6], r[7] or "UTC") if r[6] else None
        claimed.append(
            ClaimedTimer(
                id=r[0],
                kind=r[1],
                key=r[2],
                tenant=r[3],
                due_at=r[4],
                payload=r[5] or {},
                recurrence=recurrence,
                anchor=r[8],
                attempts=r[9],
                previous_state=r[10],
                correlation_id=r[11],
                causation_id=r[12],
                traceparent=r[13],
                claimed_at=r[14],
                token=token,
            )
        )
    claimed.sort(key=lambda t: (t.due_at, t.id))
    return claimed


async def next_due_in(conn: Any, *, calls: bool = True) -> float | None:
    """Seconds until the next row becomes claimable (0 if one is already), None when none waits;
    ``calls=False`` leaves external calls out (no slot is free for them)."""
    async with conn.cursor() as cursor:
        await cursor.execute(
            "SELECT extract(epoch FROM min(greatest(due_at, coalesce(lease_until, due_at))) - now()) "
            "FROM timers WHERE state <> 'dead'" + ("" if calls else " AND NOT is_call")
        )
        row = await cursor.fetchone()
    return None if row is None or row[0] is None else max(float(row[0]), 0.0)


async def counts(conn: Any) -> dict[str, float]:
    """For the metrics: rows due and not fired, dead rows, and the oldest due row's age."""
    async with conn.cursor() as cursor:
        await cursor.execute(
            "SELECT count(*) FILTER (WHERE state <> 'dead' AND due_at <= now()), "
            "count(*) FILTER (WHERE state = 'dead'), "
            "coalesce(extract(epoch FROM now() - min(due_at) FILTER (WHERE state <> 'dead' AND due_at <= now())), 0) "
            "FROM timers"
        )
        due, dead, age = await cursor.fetchone()
    return {"due": float(due), "dead": float(dead), "oldest_due_age_s": float(age)}


# in the transaction that commits a firing's effects ---------------------------------------------------


async def lock_ours(conn: Any, timers: Sequence[ClaimedTimer]) -> set[int]:
    """Locks the claimed rows that still carry our lease token; returns their ids. A row another
    replica re-claimed (our lease had run out) is not ours any more and must not be fired."""
    if not timers:
        return set()
    async with conn.cursor() as cursor:
        await cursor.execute(
            "SELECT id FROM timers WHERE id = ANY(%s) AND lease_token = %s FOR UPDATE",
            ([t.id for t in timers], timers[0].token),
        )
        return {row[0] for row in await cursor.fetchall()}


async def complete(conn: Any, timers: Sequence[ClaimedTimer], now: datetime) -> None:
    """Fired: a one-shot row is deleted; a recurring one moves to its next occurrence after now."""
    done: list[int] = []
    moved: list[tuple[int, datetime]] = []
    for t in timers:
        following = t.recurrence.next_after(max(now, t.due_at), t.anchor or t.due_at) if t.recurrence else None
        if following is None:
            done.append(t.id)
        else:
            moved.append((t.id, following))
    async with conn.cursor() as cursor:
        if done:
            await cursor.execute("DELETE FROM timers WHERE id = ANY(%s)", (done,))
        if moved:
            await cursor.execute(
                "UPDATE timers t SET due_at = m.due, attempts = 0, lease_token = NULL, lease_until = NULL, "
                "last_error = NULL, state = 'scheduled', updated_at = now() "
                "FROM unnest(%s::bigint[], %s::timestamptz[]) AS m(id, due) WHERE t.id = m.id",
                ([i for i, _ in moved], [d for _, d in moved]),
            )


async def retry_later(conn: Any, timer: ClaimedTimer, error: str, delay_s: float) -> bool:
    """A failed attempt: the row waits ``delay_s`` and is claimed again (outcome known, so no
    reconciliation). Returns False when the row was not ours any more."""
    async with conn.cursor() as cursor:
        await cursor.execute(
            "UPDATE timers SET state = 'scheduled', due_at = now() + %s * interval '1 second', "
            "lease_token = NULL, lease_until = NULL, last_error = %s, updated_at = now() "
            "WHERE id = %s AND lease_token = %s",
            (delay_s, error[:2000], timer.id, timer.token),
        )
        return bool(cursor.rowcount)


async def bury(conn: Any, timer: ClaimedTimer, error: str) -> bool:
    """Failed for good: kept as ``dead`` for an operator (``python -m <service> timers``)."""
    async with conn.cursor() as cursor:
        await cursor.execute(
            "UPDATE timers SET state = 'dead', lease_token = NULL, lease_until = NULL, last_error = %s, "
            "updated_at = now() WHERE id = %s AND lease_token = %s",
            (error[:2000], timer.id, timer.token),
        )
        return bool(cursor.rowcount)


async def finish(conn: Any, timer: ClaimedTimer) -> None:
    """An external call whose outcome (success or final failure) was recorded: the row goes."""
    async with conn.cursor() as cursor:
        await cursor.execute("DELETE FROM timers WHERE id = %s", (timer.id,))


# operators ------------------------------------------------------------------------------------------------


async def listing(conn: Any, *, dead_only: bool, limit: int = 100) -> list[dict[str, Any]]:
    async with conn.cursor() as cursor:
        await cursor.execute(
            "SELECT id, kind, key, tenant, due_at, state, attempts, last_error, is_call FROM timers "
            + ("WHERE state = 'dead' " if dead_only else "")
            + "ORDER BY due_at LIMIT %s",
            (limit,),
        )
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]


async def revive(conn: Any, ids: Sequence[int] | None) -> int:
    """Dead rows (all, or those ids) are scheduled again now, with their attempts reset."""
    async with conn.cursor() as cursor:
        await cursor.execute(
            "UPDATE timers SET state = 'scheduled', attempts = 0, due_at = now(), last_error = NULL, "
            "updated_at = now() WHERE state = 'dead'" + (" AND id = ANY(%s)" if ids is not None else ""),
            (list(ids),) if ids is not None else None,
        )
        return int(cursor.rowcount)
