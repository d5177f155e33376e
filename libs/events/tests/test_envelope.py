from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from huntaze_events import REGISTRY, FanRef, MessageReceived, fan_id_for, kafka_headers, make_envelope

CREATOR = uuid.uuid4()


def message(**overrides: object) -> MessageReceived:
    fields: dict[str, object] = dict(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        fan=FanRef(fan_id=uuid.uuid4(), external_id="of_1", display_name="Jake"),
        text="hi",
        sent_at=datetime(2026, 1, 1, 12, tzinfo=UTC),
        received_at=datetime(2026, 1, 1, 12, tzinfo=UTC),
    )
    fields.update(overrides)
    return MessageReceived(**fields)  # type: ignore[arg-type]


def test_envelope_takes_type_version_and_topic_from_the_registry() -> None:
    env = make_envelope(message(), producer="inbox", creator_id=CREATOR)
    assert (env.type, env.version) == ("message.received", 1)
    assert REGISTRY.for_model(MessageReceived).topic == "message.received.v1"
    assert env.correlation_id == env.event_id  # a request's first event starts its correlation
    assert env.occurred_at.tzinfo is not None


def test_occurred_at_is_normalised_to_utc_and_naive_times_are_refused() -> None:
    paris = timezone(timedelta(hours=1))
    env = make_envelope(
        message(), producer="inbox", creator_id=CREATOR, occurred_at=datetime(2026, 1, 1, 13, tzinfo=paris)
    )
    assert env.occurred_at.utcoffset() == timedelta(0) and env.occurred_at.hour == 12
    with pytest.raises(ValidationError):
        message(sent_at=datetime(2026, 1, 1, 12))


def test_wire_format_round_trips_and_readers_ignore_unknown_fields() -> None:
    spec = REGISTRY.for_model(MessageReceived)
    env = make_envelope(message(), producer="inbox", creator_id=CREATOR)
    body = json.loads(env.to_json())
    body["payload"]["added_later"] = 1
    body["also_new"] = "x"
    again = spec.envelope_model.model_validate_json(json.dumps(body))
    assert again == env


def test_payloads_are_frozen_and_bounded() -> None:
    m = message()
    with pytest.raises(ValidationError):
        m.text = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        message(text="x" * 4001)


def test_traceparent_must_be_w3c() -> None:
    with pytest.raises(ValidationError):
        make_envelope(message(), producer="inbox", creator_id=CREATOR, traceparent="abc")
    ok = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    env = make_envelope(message(), producer="inbox", creator_id=CREATOR, traceparent=ok)
    assert ("traceparent", ok.encode()) in kafka_headers(env)


def test_fan_ids_are_stable_per_creator_and_never_shared_between_creators() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    assert fan_id_for(a, "of_1") == fan_id_for(a, "of_1")
    assert fan_id_for(a, "of_1") != fan_id_for(b, "of_1")
    assert fan_id_for(a, "of_1") != fan_id_for(a, "of_2")


def test_registry_refuses_duplicates_and_unknown_lookups() -> None:
    spec = REGISTRY.for_model(MessageReceived)
    with pytest.raises(ValueError):
        REGISTRY.register(spec)
    with pytest.raises(LookupError):
        REGISTRY.get("message.received", 99)
    assert REGISTRY.for_topic("reply.sent.v1").producer == "inbox"
