"""Erased fans (``fan.erased``): the tombstone every service holding personal data keeps, and the
per-fan advisory lock its writers and its erasure meet on (the SQL is each service's; the table
``erased_fans`` has the same columns everywhere, its ``applications`` counting repeated erasures).

Writers take a fan's lock shared, erasure exclusive, both before reading the tombstone: a write in
flight finishes and is erased with the rest, a later one sees the tombstone."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from huntaze_events import Envelope, FanErased

from .subscriptions import PermanentError

FAN_LOCKS = 0x66616E
"""First key of the per-fan advisory locks (the second: the fan id's first 32 bits). Two-key
advisory locks never meet the chassis' one-key locks (relay, migrations)."""

_TOMBSTONE = """
INSERT INTO erased_fans (fan_id, creator_id, erased_at, requested_by, event_id, applied_at)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (fan_id) DO UPDATE SET applications = erased_fans.applications + 1
"""


@dataclass(frozen=True)
class ErasedFan:
    """A row of ``erased_fans``: the fan, when and by whom it was erased, the event that said so."""

    fan_id: uuid.UUID
    creator_id: uuid.UUID
    erased_at: datetime
    requested_by: uuid.UUID
    event_id: uuid.UUID


def erased_fan_of(event: Envelope[FanErased]) -> ErasedFan:
    """The tombstone an event asks for; a payload naming another tenant than its envelope is
    refused (dead-lettered), never applied to either."""
    p = event.payload
    if p.creator_id != event.creator_id:
        raise PermanentError(f"fan.erased {event.event_id}: payload creator {p.creator_id} is not the tenant")
    return ErasedFan(p.fan_id, p.creator_id, p.erased_at, p.requested_by, event.event_id)


def fan_lock_keys(fan_ids: Sequence[uuid.UUID]) -> list[int]:
    """Second keys of the fans' locks, sorted: every transaction takes them in the same order."""
    return sorted({int.from_bytes(f.bytes[:4], "big", signed=True) for f in fan_ids})


async def erased_among(cursor: Any, fan_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """A writer's check: takes the fans' locks shared, then answers which of them are erased."""
    if not fan_ids:
        return set()
    await cursor.execute(
        "SELECT pg_advisory_xact_lock_shared(%s, k) FROM unnest(%s::int[]) AS k", (FAN_LOCKS, fan_lock_keys(fan_ids))
    )
    await cursor.execute("SELECT fan_id FROM erased_fans WHERE fan_id = ANY(%s)", (list(fan_ids),))
    return {row[0] for row in await cursor.fetchall()}


async def record_tombstone(cursor: Any, erased: ErasedFan, now: datetime, *, lock: bool = True) -> None:
    """Erasure's first statement: the fan's lock taken exclusive (``lock``), then the tombstone."""
    if lock:
        (key,) = fan_lock_keys([erased.fan_id])
        await cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", (FAN_LOCKS, key))
    await cursor.execute(
        _TOMBSTONE, (erased.fan_id, erased.creator_id, erased.erased_at, erased.requested_by, erased.event_id, now)
    )


async def tombstone(cursor: Any, creator_id: uuid.UUID, fan_id: uuid.UUID) -> ErasedFan | None:
    await cursor.execute(
        "SELECT fan_id, creator_id, erased_at, requested_by, event_id FROM erased_fans "
        "WHERE fan_id = %s AND creator_id = %s",
        (fan_id, creator_id),
    )
    row = await cursor.fetchone()
    return None if row is None else ErasedFan(*row)
