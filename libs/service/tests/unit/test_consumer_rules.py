"""Consumer rules that need no infrastructure: decoding, poison classes, retry policy, errors."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc

from huntaze_events import MessageReceived, ReplySent, make_envelope
from huntaze_service import RetryPolicy, Subscriptions
from huntaze_service.consuming.processor import BatchProcessor, Poison
from huntaze_service.db import is_infrastructure_error
from huntaze_testkit import consumer_record, message_received


def received() -> MessageReceived:
    return message_received()  # type: ignore[no-any-return]


def processor() -> BatchProcessor:
    subs = Subscriptions()

    @subs.on(MessageReceived, name="probe")
    async def probe(uow: Any, event: Any) -> None:
        return None

    (sub,) = list(subs)
    return BatchProcessor(service="test", subscription=sub, uow_factory=None, producer=None, retry=RetryPolicy())  # type: ignore[arg-type]


def record(value: bytes | None) -> Any:
    return consumer_record("message.received.v1", value, offset=7)


def test_a_valid_record_decodes_to_its_typed_envelope() -> None:
    env = make_envelope(received(), producer="inbox", creator_id=uuid.uuid4())
    decoded = processor().decode(record(env.to_json()))
    assert not isinstance(decoded, Poison)
    assert decoded.payload == env.payload and isinstance(decoded.payload, MessageReceived)


@pytest.mark.parametrize(
    "value,reason",
    [
        (None, "malformed"),
        (b"", "malformed"),
        (b"{not json", "malformed"),
        (b"[]", "invalid"),
        (json.dumps({"event_id": "x"}).encode(), "invalid"),
    ],
)
def test_bad_records_are_poison_with_a_reason(value: bytes | None, reason: str) -> None:
    decoded = processor().decode(record(value))
    assert isinstance(decoded, Poison) and decoded.reason == reason and decoded.error


def test_another_version_or_type_on_the_topic_is_poison() -> None:
    env = json.loads(make_envelope(received(), producer="inbox", creator_id=uuid.uuid4()).to_json())
    env["version"] = 2
    decoded = processor().decode(record(json.dumps(env).encode()))
    assert isinstance(decoded, Poison) and decoded.reason == "unknown_version"
    env["version"], env["type"] = 1, "reply.sent"
    decoded = processor().decode(record(json.dumps(env).encode()))
    assert isinstance(decoded, Poison) and decoded.reason == "wrong_type"
    assert decoded.event_id == env["event_id"]


def test_retry_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=5, initial_backoff_s=0.1, max_backoff_s=1.0)
    delays = [policy.delay(n) for n in range(1, 8)]
    assert 0.075 <= delays[0] <= 0.125
    assert delays[3] > delays[0]
    assert all(d <= 1.25 for d in delays)


def test_only_database_failures_are_retried_without_limit() -> None:
    assert is_infrastructure_error(sa_exc.OperationalError("SELECT 1", {}, Exception("server closed")))
    assert is_infrastructure_error(sa_exc.InterfaceError("SELECT 1", {}, Exception("connection closed")))
    assert not is_infrastructure_error(sa_exc.IntegrityError("INSERT", {}, Exception("duplicate")))
    assert not is_infrastructure_error(ValueError("bad payload"))
    assert not is_infrastructure_error(ConnectionError("webhook down"))  # not the database


def test_subscriptions_are_explicit_and_unique() -> None:
    subs = Subscriptions()

    @subs.on(ReplySent, name="one")
    async def one(uow: Any, event: Any) -> None:
        """Does one thing."""

    with pytest.raises(ValueError):
        subs.on(ReplySent, name="one")(one)
    (sub,) = list(subs)
    assert sub.spec.topic == "reply.sent.v1" and sub.description == "Does one thing."
