"""faultbox: a minimal service built on the chassis, for the fault suite and the benchmarks.

It is not part of the platform. It exercises exactly what the platform's services use — HTTP API
→ unit of work → outbox → relay → Kafka → idempotent batch consumers → outbox again — with
effects that can be counted: every handler appends a row to ``effects`` (no unique constraint, so
a duplicate effect would show), with a per-key sequence number so that losses and reorderings show.

    POST /ingest {"run", "items": [{"key", "seq"}]}  →  faultbox.recorded (through the outbox)
    apply  (faultbox.recorded) → effect row + faultbox.applied (through the outbox)
    count  (faultbox.applied)  → effect row
    POST /schedule {"run", "items", "start_in_ms", "spread_ms"} → one durable timer per item
    fire   (timer fb_fire, at its time) → effect row (``due_at`` kept: lateness shows)
    POST /calls {"run", "items"} → one external call per item (fb_call) to FAULTBOX_PEER_URL
    call   (fb_call: POST to the peer, outside any transaction) → effect row once recorded

Faults it can inject, from the environment: FAULTBOX_FAIL_ONCE_SEQS ("50,51": the first attempt
of an event with that seq raises, per process), FAULTBOX_FAIL_ALWAYS_SEQS ("7,8": every attempt
of `apply` on an event with that seq raises, until the retries are spent and it is dead-lettered;
restarted without it, the same event applies: a poison that was fixed), FAULTBOX_HANDLER_DELAY_MS
(a slow handler).

Run: ``python -m huntaze_testkit.faultbox serve [--role api|worker|all]``; its database needs
:data:`SCHEMA` (chassis tables + its own), created by :func:`create_schema`.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter
from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict
from sqlalchemy import text

from huntaze_events import REGISTRY, Envelope, EventPayload, EventSpec
from huntaze_service import (
    Call,
    CallFailed,
    RetryPolicy,
    RuntimeDep,
    Service,
    ServiceDefinition,
    ServiceSettings,
    Subscriptions,
    Timer,
)
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
        handler_started_at TIMESTAMPTZ NOT NULL,
        due_at     TIMESTAMPTZ
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
    fail_always_seqs: str = ""
    handler_delay_ms: int = 0
    pass_on: bool = True
    """False: `apply` records its effect only (no second hop), e.g. to time a single hop."""
    peer_url: str = "http://127.0.0.1:9"
    """The remote peer of the fb_call external call (a test's local HTTP server)."""
    call_reconcile: bool = True
    """Before calling again after a lost claim, look the call up at the peer (GET ?ref=<key>)."""

    def failing(self) -> set[int]:
        return {int(x) for x in self.fail_once_seqs.split(",") if x.strip()}

    def failing_always(self) -> set[int]:
        return {int(x) for x in self.fail_always_seqs.split(",") if x.strip()}


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


class ScheduleIn(IngestIn):
    start_in_ms: int = Field(default=1000, ge=0)
    spread_ms: int = Field(default=0, ge=0)


class ItemDue(BaseModel):
    run: str
    key: str
    seq: int


@router.post("/schedule", status_code=202)
async def schedule(body: ScheduleIn, runtime: RuntimeDep) -> dict[str, Any]:
    """One durable timer per item, due from ``start_in_ms`` on, spread evenly over ``spread_ms``."""
    creator = uuid.UUID(int=0)
    n = max(len(body.items), 1)
    async with runtime.uow() as uow:
        start = uow.now() + timedelta(milliseconds=body.start_in_ms)
        for i, item in enumerate(body.items):
            uow.schedule(
                "fb_fire",
                key=f"{body.run}:{item.key}:{item.seq}",
                at=start + timedelta(milliseconds=body.spread_ms * i / n),
                payload=ItemDue(run=body.run, key=item.key, seq=item.seq),
                tenant=creator,
            )
        await uow.commit()
    return {"scheduled": len(body.items), "first_due": start.isoformat()}


@router.post("/calls", status_code=202)
async def calls(body: IngestIn, runtime: RuntimeDep) -> dict[str, int]:
    """One fb_call external call per item (recorded once per run/key/seq)."""
    async with runtime.uow() as uow:
        for item in body.items:
            uow.call(
                "fb_call",
                key=f"{body.run}:{item.key}:{item.seq}",
                payload=ItemDue(run=body.run, key=item.key, seq=item.seq),
                tenant=uuid.UUID(int=0),
                order_key=f"{body.run}:{item.key}",  # one key's calls in order, like a conversation's replies
            )
        await uow.commit()
    return {"recorded": len(body.items)}


def subscriptions(settings: FaultboxSettings) -> Subscriptions:
    subs = Subscriptions()
    failing = settings.failing()
    always = settings.failing_always()
    failed_once: set[uuid.UUID] = set()
    delay = settings.handler_delay_ms / 1000

    async def effect(uow: Any, consumer: str, item: ItemDue, due_at: Any = None) -> None:
        await uow.session.execute(
            text(
                "INSERT INTO effects (consumer, event_id, run, key, seq, handler_started_at, due_at) "
                "VALUES (:c, :id, :run, :key, :seq, clock_timestamp(), :due)"
            ),
            {"c": consumer, "id": uuid.uuid4(), "run": item.run, "key": item.key, "seq": item.seq, "due": due_at},
        )

    @subs.timer("fb_fire", ItemDue)
    async def fire(uow: Any, timer: Timer[ItemDue]) -> None:
        """A durable timer fired: its effect, with its due time."""
        await effect(uow, "timer", timer.payload, timer.due_at)

    clients: list[httpx.AsyncClient] = []  # one per process: building one costs ~40 ms (its TLS context)

    def client() -> httpx.AsyncClient:
        if not clients:
            clients.append(httpx.AsyncClient(timeout=10, limits=httpx.Limits(max_connections=64)))
        return clients[0]

    async def remote(call: Call[ItemDue]) -> str:
        """POSTs to the peer (which may not deduplicate); a 5xx is worth retrying."""
        answer = await client().post(
            f"{settings.peer_url}/posts", json={"ref": call.key}, headers={"Idempotency-Key": call.idempotency_key}
        )
        if answer.status_code >= 300:
            raise CallFailed(f"peer answered {answer.status_code}", permanent=400 <= answer.status_code < 500)
        return str(answer.json()["id"])

    async def look_up(call: Call[ItemDue]) -> str | None:
        answer = await client().get(f"{settings.peer_url}/posts", params={"ref": call.key})
        return str(answer.json()["id"]) if answer.status_code == 200 else None

    async def called(uow: Any, call: Call[ItemDue], peer_id: str) -> None:
        await effect(uow, "call", call.payload)

    subs.call(
        "fb_call",
        ItemDue,
        remote=remote,
        on_result=called,
        reconcile=look_up if settings.call_reconcile else None,
        timeout_s=10,
        retry=RetryPolicy(max_attempts=20, initial_backoff_s=0.1, max_backoff_s=1.0),
    )

    async def record(uow: Any, consumer: str, events: Sequence[Envelope[Any]]) -> None:
        started = time.time()
        if delay:
            await asyncio.sleep(delay)
        for event in events:
            if consumer == "apply" and event.payload.seq in always:
                raise RuntimeError(f"injected failure for seq {event.payload.seq} (on every attempt)")
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
    # a harness of the chassis' delivery guarantees, driven straight by the fault suite and the bench:
    # its routes act for no caller (a fixed tenant), so it keeps no wall (the wall has its own tests)
    return Service(
        settings, title="faultbox", routers=[router], subscriptions=subscriptions(settings), internal_wall=False
    )


definition = ServiceDefinition(name=PRODUCER, settings=FaultboxSettings, build=build, migrations=Path(__file__).parent)

if __name__ == "__main__":
    sys.exit(definition.main())
