"""B12's raw baseline: the inbox's `POST /v1/inbox/messages` written bare — FastAPI with a pydantic
body, psycopg 3 with a connection pool, the inbox's very statements (conversation upsert with its
erasure and whale checks, message insert, the fan's wait upsert and, when a wait starts, its check's
timer row, outbox insert of a JSON event) in one transaction — and nothing else: no chassis, no
middleware, no telemetry, no relay.

    python bench/bare_ingest.py PORT DATABASE_URL
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated

import uvicorn
from fastapi import FastAPI, Header
from psycopg_pool import AsyncConnectionPool
from pydantic import BaseModel, Field

from huntaze_events import fan_id_for
from huntaze_service.db import libpq_url
from huntaze_service.outbox import _INSERT_ONE as INSERT_OUTBOX
from inbox.adapters.repository import _ADD_MESSAGE_UNLESS_ERASED as ADD_MESSAGE
from inbox.adapters.repository import _TOUCH_CONVERSATION as TOUCH_CONVERSATION
from inbox.adapters.unanswered_sql import _START as START_WAIT
from inbox.unanswered import UNANSWERED_AFTER

SCHEDULE_CHECK = (
    "INSERT INTO timers (kind, key, tenant, due_at, payload, anchor, is_call) VALUES ('unanswered_check', %s, %s, %s, "
    "'{}'::jsonb, %s, false) ON CONFLICT (kind, key) DO UPDATE SET due_at = EXCLUDED.due_at"
)


class FanIn(BaseModel):
    external_id: str = Field(min_length=1, max_length=128)
    display_name: str = Field(min_length=1, max_length=100)


class MessageIn(BaseModel):
    fan: FanIn
    text: str = Field(min_length=1, max_length=4000)


def app_for(database_url: str) -> FastAPI:
    pool = AsyncConnectionPool(libpq_url(database_url), min_size=10, max_size=20, open=False)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await pool.open()
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/v1/inbox/messages", status_code=202)
    async def receive(body: MessageIn, x_creator_id: Annotated[str, Header()]) -> dict[str, str]:
        creator = uuid.UUID(x_creator_id)
        now = datetime.now(UTC)
        fan_id = fan_id_for(creator, body.fan.external_id)
        message_id, event_id = uuid.uuid4(), uuid.uuid4()
        async with pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
            await cursor.execute(
                TOUCH_CONVERSATION,
                (uuid.uuid4(), creator, fan_id, body.fan.external_id, body.fan.display_name, now, now, fan_id, fan_id),
            )
            (conversation_id, _whale) = await cursor.fetchone()  # type: ignore[misc]
            await cursor.execute(
                ADD_MESSAGE,
                (message_id, creator, conversation_id, "in", body.text, now, now, None, None, None, None, fan_id),
            )
            await cursor.execute(START_WAIT, (conversation_id, creator, fan_id, now))
            if await cursor.fetchone() is not None:  # a wait started: its check at the threshold
                due = now + UNANSWERED_AFTER
                await cursor.execute(SCHEDULE_CHECK, (str(conversation_id), creator, due, due))
            event = {
                "event_id": str(event_id),
                "type": "message.received",
                "version": 1,
                "occurred_at": now.isoformat(),
                "producer": "inbox",
                "creator_id": str(creator),
                "correlation_id": str(event_id),
                "payload": {
                    "message_id": str(message_id),
                    "conversation_id": str(conversation_id),
                    "fan": {"fan_id": str(fan_id), **body.fan.model_dump()},
                    "text": body.text,
                    "sent_at": now.isoformat(),
                    "received_at": now.isoformat(),
                },
            }
            headers = b"\x00".join([b"event_type", b"message.received", b"event_id", str(event_id).encode()])
            await cursor.execute(
                INSERT_OUTBOX,
                (
                    str(event_id),
                    "message.received.v1",
                    "message.received.v1",
                    str(conversation_id),
                    json.dumps(event).encode(),
                    headers,
                ),
            )
        return {"message_id": str(message_id), "conversation_id": str(conversation_id), "fan_id": str(fan_id)}

    return app


if __name__ == "__main__":
    port, url = int(sys.argv[1]), sys.argv[2]
    uvicorn.run(app_for(url), host="127.0.0.1", port=port, log_config=None, access_log=False, server_header=False)
