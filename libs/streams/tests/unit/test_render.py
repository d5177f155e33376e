"""--json: one object per line, the envelope as on the wire plus the Kafka coordinates."""

from __future__ import annotations

import json

from huntaze_events import REGISTRY
from huntaze_events.samples import samples
from huntaze_streams.reader import decode
from huntaze_streams.render import json_line
from huntaze_testkit import consumer_record


def test_a_valid_record_is_its_envelope_plus_coordinates() -> None:
    for envelope in samples().values():
        spec = REGISTRY.get(envelope.type, envelope.version)
        record = consumer_record(spec.topic, envelope.to_json(), offset=7)
        line = json_line(decode(spec, record))
        assert "\n" not in line
        obj = json.loads(line)
        assert {k: v for k, v in obj.items() if not k.startswith("_")} == json.loads(envelope.to_json())
        assert obj["_topic"] == spec.topic and obj["_partition"] == 0 and obj["_offset"] == 7
        assert obj["_timestamp"] == "1970-01-01T00:00:00.000Z"


def test_an_invalid_record_is_shown_with_its_reason_never_dropped() -> None:
    spec = REGISTRY.get("message.received", 1)
    for raw, reason in [
        (b"not json", "malformed"),
        (b'{"event_id": "x"}', "invalid: event_id"),
        (None, "empty record value"),
    ]:
        decoded = decode(spec, consumer_record(spec.topic, raw))
        assert not decoded.valid and reason in (decoded.reason or "")
        obj = json.loads(json_line(decoded))
        assert reason in obj["_invalid"] and obj["_raw"] == (raw.decode() if raw else None)


def test_another_event_on_the_topic_is_invalid() -> None:
    envelope = next(e for e in samples().values() if e.type == "reply.sent")
    spec = REGISTRY.get("reply.approved", 1)
    decoded = decode(spec, consumer_record(spec.topic, envelope.to_json()))
    assert not decoded.valid
