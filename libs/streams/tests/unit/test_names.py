"""Event names as people write them, and what the tool says when one is wrong."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from huntaze_events import REGISTRY
from huntaze_streams import catalog
from huntaze_streams.errors import StreamsError, UnknownEvent

PROBE_MODULE = """
from huntaze_events import EventPayload, event


@event("streams_probe.noted", version=1, producer="probe", key="key")
class Noted(EventPayload):
    \"\"\"A probe event.\"\"\"

    key: str
"""


@pytest.mark.parametrize("name", ["message.received", "message.received.v1", " message.received.v1 "])
def test_type_name_and_topic_resolve_to_the_same_event(name: str) -> None:
    target = catalog.resolve(name)
    assert target.spec is REGISTRY.get("message.received", 1)
    assert target.topic == "message.received.v1"


def test_every_registered_event_resolves_by_type_and_by_topic() -> None:
    for spec in REGISTRY:
        assert catalog.resolve(spec.topic).spec is spec
        assert catalog.resolve(spec.type).spec is spec
        assert catalog.resolve(spec.dlq_topic, dlq=True).topic == spec.dlq_topic
        assert catalog.resolve(spec.type, dlq=True).topic == spec.dlq_topic


def test_a_dead_letter_topic_is_not_tailed_by_mistake() -> None:
    with pytest.raises(StreamsError, match="dead-letter topic"):
        catalog.resolve("message.received.v1.dlq")


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("message.recieved", "message.received"),
        ("message.receive", "message.received"),
        ("massmessage", "massmessage.sent"),
        ("transaction", "transaction.recorded"),
        ("reply.send", "reply.sent"),
        ("fan.segment", "fan.segment_changed"),
        ("subscription.start", "subscription.started"),
    ],
)
def test_an_unknown_name_lists_the_close_ones(typo: str, expected: str) -> None:
    with pytest.raises(UnknownEvent) as caught:
        catalog.resolve(typo)
    assert f"unknown event {typo!r}" in caught.value.message
    assert caught.value.hint is not None and expected in caught.value.hint
    assert catalog.suggestions(typo)[0] == expected


def test_nothing_close_still_says_where_to_look() -> None:
    with pytest.raises(UnknownEvent) as caught:
        catalog.resolve("zzzz")
    assert "huntaze-streams topics" in (caught.value.hint or "")


def test_a_type_with_two_major_versions_asks_which(monkeypatch: pytest.MonkeyPatch) -> None:
    from huntaze_events import EventSpec, MessageReceived

    v2 = EventSpec(
        type="message.received", version=2, model=MessageReceived, producer="inbox", key="conversation_id", summary="x"
    )
    REGISTRY._by_name[("message.received", 2)] = v2  # not register(): the model is already v1's
    try:
        with pytest.raises(UnknownEvent, match="2 major versions"):
            catalog.resolve("message.received")
        assert catalog.resolve("message.received.v2").spec is v2
    finally:
        REGISTRY._by_name.pop(("message.received", 2))


def test_extra_event_modules_are_imported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A module of events outside libs/events (e.g. a test service's) is imported by name; the
    event it declares is then found like a platform event."""
    (tmp_path / "streams_probe_events.py").write_text(PROBE_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(catalog.EVENT_MODULES_ENV, "streams_probe_events")
    try:
        catalog.load_event_modules()
        assert catalog.resolve("streams_probe.noted").topic == "streams_probe.noted.v1"
    finally:
        module = sys.modules.pop("streams_probe_events", None)
        if module is not None:
            REGISTRY.unregister(REGISTRY.for_model(module.Noted))
    monkeypatch.setenv(catalog.EVENT_MODULES_ENV, "no_such_module_anywhere")
    with pytest.raises(StreamsError, match="cannot be imported"):
        catalog.load_event_modules()
