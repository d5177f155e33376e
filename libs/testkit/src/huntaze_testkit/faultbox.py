"""faultbox: a minimal service built on the chassis, for the fault suite and the benchmarks.

It is not part of the platform. It exercises exactly what the platform's services use — HTTP API
→ unit of work → outbox → relay → Kafka → idempotent batch consumers → outbox again — with
effects that can be counted: every handler appends a row to ``effects`` (no unique constraint, so
a duplicate effect would show), with a per-key sequence number so that losses and reorderings show.

    POST /ingest {"run", "items": [{"key", "seq"}]}  →  faultbox.recorded (through the outbox)
    apply  (faultbox.recorded) → effect row + faultbox.applied (through the outbox)
    count  (faultbox.applied)  → effect row

Faults it can inject, from the environment: FAULTBOX_FAIL_ONCE_SEQS ("50,51": the first attempt
of an event with that seq raises, per process), FAULTBOX_HANDLER_DELAY_MS (a slow handler).

Run: ``python -m huntaze_testkit.faultbox serve [--role api|worker|all]``; its database needs
:data:`SCHEMA` (chassis tables + its own), created by :func:`create_schema`.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict
from sqlalchemy import text

from huntaze_events import REGISTRY, Envelope, EventPayload, EventSpec
from huntaze_service import RuntimeDep, Service, ServiceDefinition, ServiceSettings, Subscriptions
from huntaze_service.migrations import CHASSIS_SCHEMA

PRODUCER = "faultbox"


class Recorded(EventPayload):
    run: str
    key: str
    seq: int


class Applied(EventPayload):
    run: str
    key: str
    seq: int
    source_event_id: uuid.UUID


def _register() -> tuple[EventSpec, EventSpec]:
    specs = []
    for type_, model in (("faultbox.recorded", Recorded), ("faultbox.applied", Applied)):
        try:
            specs.append(REGISTRY.for_model(model))
        except LookupError:
            spec = EventSpec(
                type=type_, version=1, model=model, producer=PRODUCER, key="key", summary=type_, partitions=6
            )
            REGISTRY.register(spec)
            specs.append(spec)
    return specs[0], specs[1]


RECORDED, APPLIED = _register()
TOPICS = [RECORDED.topic, RECORDED.dlq_topic, APPLIED.topic, APPLIED.dlq_topic]

SCHEMA = (
    *CHASSIS_SCHEMA,
    """
    CREATE TABLE effects (
        id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        consumer   TEXT NOT NULL,
        event_id   UUID NOT NULL,
        run        TEXT NOT NULL,
        key        TEXT NOT NULL,
        seq        INT  NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
        -- the handler's own clock when it was called (B3 measures commit → handler start)
        handler_started_at TIMESTAMPTZ NOT NULL
    )
    """,
    "CREATE INDEX ix_effects_run ON effects (run, consumer)",
    """
    CREATE TABLE ingested (
        run TEXT NOT NULL, key TEXT NOT NULL, seq INT NOT NULL, PRIMARY KEY (run, key, seq)
    )
    """,
)


async def create_schema(database_url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS outbox, processed_events, timers, effects, ingested"))
        for statement in SCHEMA:
            await conn.execute(text(statement))
    await engine.dispose()


class FaultboxSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FAULTBOX_", extra="ignore", frozen=True)

    service_name: str = PRODUCER
    http_port: int = 18900
    fail_once_seqs: str = ""
    handler_delay_ms: int = 0
    pass_on: bool = True
    """False: `apply` records its effect only (no second hop), e.g. to time a single hop."""

    def failing(self) -> set[int]:
        return {int(x) for x in self.fail_once_seqs.split(",") if x.strip()}


class Item(BaseModel):
    key: str = Field(min_length=1, max_length=64)
    seq: int = Field(ge=0)


class IngestIn(BaseModel):
    run: str = Field(min_length=1, max_length=64)
    items: list[Item] = Field(max_length=2000)


router = APIRouter()


@router.post("/ingest", status_code=202)
async def ingest(body: IngestIn, runtime: RuntimeDep) -> dict[str, int]:
    """Records items (once per run/key/seq, so a client may retry) and emits faultbox.recorded."""
    creator = uuid.UUID(int=0)
    async with runtime.uow() as uow:
        rows = await uow.session.execute(
            text(
                "INSERT INTO ingested (run, key, seq) "
                "SELECT :run, unnest(CAST(:keys AS text[])), unnest(CAST(:seqs AS int[])) "
                "ON CONFLICT DO NOTHING RETURNING key, seq"
            ),
            {"run": body.run, "keys": [i.key for i in body.items], "seqs": [i.seq for i in body.items]},
        )
        for key, seq in rows.all():
            uow.emit(Recorded(run=body.run, key=key, seq=seq), creator_id=creator)
        emitted = len(uow.emitted)
        await uow.commit()
    return {"accepted": len(body.items), "new": emitted}


def subscriptions(settings: FaultboxSettings) -> Subscriptions:
    subs = Subscriptions()
    failing = settings.failing()
    failed_once: set[uuid.UUID] = set()
    delay = settings.handler_delay_ms / 1000

    async def record(uow: Any, consumer: str, events: Sequence[Envelope[Any]]) -> None:
        started = time.time()
        if delay:
            await asyncio.sleep(delay)
        for event in events:
            if event.payload.seq in failing and event.event_id not in failed_once:
                failed_once.add(event.event_id)
                raise RuntimeError(f"injected failure for seq {event.payload.seq}")
        await uow.session.execute(
            text(
                "INSERT INTO effects (consumer, event_id, run, key, seq, handler_started_at) "
                "SELECT :consumer, unnest(CAST(:ids AS uuid[])), unnest(CAST(:runs AS text[])), "
                "unnest(CAST(:keys AS text[])), unnest(CAST(:seqs AS int[])), to_timestamp(:started)"
            ),
            {
                "consumer": consumer,
                "started": started,
                "ids": [e.event_id for e in events],
                "runs": [e.payload.run for e in events],
                "keys": [e.payload.key for e in events],
                "seqs": [e.payload.seq for e in events],
            },
        )

    @subs.on_batch(Recorded, name="apply")
    async def apply(uow: Any, events: Sequence[Envelope[Recorded]]) -> None:
        """Applies each recorded item and passes it on (second hop, through the outbox)."""
        await record(uow, "apply", events)
        if not settings.pass_on:
            return
        for event in events:
            p = event.payload
            uow.emit(Applied(run=p.run, key=p.key, seq=p.seq, source_event_id=event.event_id), cause=event)

    @subs.on_batch(Applied, name="count")
    async def count(uow: Any, events: Sequence[Envelope[Applied]]) -> None:
        """Counts what the first hop applied."""
        await record(uow, "count", events)

    return subs


def build(settings: FaultboxSettings | None = None) -> Service:
    settings = settings or FaultboxSettings()
    return Service(settings, title="faultbox", routers=[router], subscriptions=subscriptions(settings))


definition = ServiceDefinition(name=PRODUCER, settings=FaultboxSettings, build=build, migrations=Path(__file__).parent)

if __name__ == "__main__":
    sys.exit(definition.main())
