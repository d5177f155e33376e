"""Unit of work emit rules, and the HTTP conventions every service shares."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.requests import ClientDisconnect

from huntaze_events import FanProfileUpdated, MessageReceived, make_envelope
from huntaze_service import ApiError, CreatorId, InternalTokenVerifier, UnitOfWork, context, new_key_pair
from huntaze_service.context import EventContext
from huntaze_service.http import BodyLimitMiddleware, RequestContextMiddleware, install_error_handlers
from huntaze_service.pagination import decode_cursor, encode_cursor
from huntaze_service.wall import InternalWallMiddleware
from huntaze_testkit import internal_headers, message_received

SIGNING, PUBLIC = new_key_pair()


def received() -> MessageReceived:
    return message_received()  # type: ignore[no-any-return]


def profile() -> FanProfileUpdated:
    return FanProfileUpdated(
        fan_id=uuid.uuid4(),
        external_id="f",
        display_name="F",
        first_message_at=None,
        last_message_at=None,
        message_count=0,
    )


def test_a_service_may_only_emit_the_events_it_produces() -> None:
    uow: UnitOfWork[None] = UnitOfWork(producer_name="fans")
    with pytest.raises(ValueError, match="registered producer is inbox"):
        uow.emit(received(), creator_id=uuid.uuid4())
    uow.emit(profile(), creator_id=uuid.uuid4())


def test_emitted_events_inherit_correlation_causation_trace_and_tenant() -> None:
    creator = uuid.uuid4()
    cause = make_envelope(
        received(),
        producer="inbox",
        creator_id=creator,
        traceparent="00-" + "1" * 32 + "-" + "2" * 16 + "-01",
    )
    uow: UnitOfWork[None] = UnitOfWork(producer_name="fans")
    out = uow.emit(profile(), cause=cause)
    assert out.creator_id == creator
    assert out.correlation_id == cause.correlation_id and out.causation_id == cause.event_id
    assert out.traceparent == cause.traceparent

    request = EventContext(correlation_id=uuid.uuid4(), creator_id=creator)
    with context.bind(request):
        from_request = uow.emit(profile())
    assert from_request.correlation_id == request.correlation_id and from_request.causation_id is None
    with pytest.raises(ValueError, match="tenant"):
        uow.emit(profile())


class Body(BaseModel):
    text: str


def app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/echo")
    async def echo(body: Body, creator: CreatorId) -> dict[str, str]:
        return {"text": body.text, "creator": str(creator)}

    @app.get("/boom")
    async def boom() -> None:
        raise ApiError(409, "already done", "conflict_code")

    @app.post("/gone")
    async def gone() -> None:
        raise ClientDisconnect()  # what reading the body raises once the client hung up

    app.add_middleware(BodyLimitMiddleware, max_bytes=100)
    app.add_middleware(InternalWallMiddleware, verifier=InternalTokenVerifier(PUBLIC))
    app.add_middleware(RequestContextMiddleware, service="test")
    return app


def test_errors_are_json_with_a_message_and_a_code() -> None:
    client = TestClient(app(), raise_server_exceptions=False)
    creator = internal_headers(uuid.uuid4(), signing_key=SIGNING)
    ok = client.post("/echo", json={"text": "hi"}, headers=creator)
    assert ok.status_code == 200 and ok.headers["x-correlation-id"]

    missing = client.post("/echo", json={"text": "hi"}, headers={"X-Creator-Id": str(uuid.uuid4())})
    assert missing.status_code == 401 and "X-Internal-Token" in missing.json()["detail"]

    bad_json = client.post("/echo", content=b'{"text": ', headers={**creator, "content-type": "application/json"})
    assert bad_json.status_code == 422 and bad_json.json()["detail"].startswith("request body is not valid JSON")

    wrong = client.post("/echo", json={"text": 5}, headers=creator)
    assert wrong.status_code == 422 and wrong.json()["detail"].startswith("text:")
    assert wrong.json()["code"] == "validation_error" and wrong.json()["errors"]

    too_big = client.post("/echo", json={"text": "x" * 200}, headers=creator)
    assert too_big.status_code == 413 and too_big.json()["code"] == "payload_too_large"

    def chunks():
        yield b'{"text": "'
        yield b"x" * 300
        yield b'"}'

    streamed = client.post("/echo", content=chunks(), headers={**creator, "content-type": "application/json"})
    assert streamed.status_code == 413

    conflict = client.get("/boom", headers=creator)
    assert conflict.status_code == 409 and conflict.json() == {"detail": "already done", "code": "conflict_code"}


def test_a_client_that_hung_up_is_not_a_server_error(caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(app(), raise_server_exceptions=True)  # an unhandled error would raise here
    with caplog.at_level(logging.INFO, logger="huntaze.http"):
        answer = client.post("/gone", json={}, headers=internal_headers(uuid.uuid4(), signing_key=SIGNING))
    assert answer.status_code == 499
    assert [r.levelno for r in caplog.records if r.name == "huntaze.http"] == [logging.INFO]


def test_cursors_round_trip_and_garbage_is_a_422() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    ident = uuid.uuid4()
    assert decode_cursor(encode_cursor(at, ident), 2) == [at.isoformat(), str(ident)]
    with pytest.raises(ApiError) as raised:
        decode_cursor("!!!", 2)
    assert raised.value.status_code == 422
