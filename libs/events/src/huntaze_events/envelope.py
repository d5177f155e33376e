"""The envelope every Huntaze event travels in.

On the wire an event is one JSON object: the envelope fields at the top level and the payload under
``payload``. The same object is what an analyst sees with ``kcat``; nothing needed to understand an
event hides in Kafka headers (headers only repeat ``event_type``, ``event_version``, ``event_id``
and the W3C ``traceparent`` so that tools can route or trace without parsing the value).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

# W3C Trace Context: version-traceid-parentid-flags, lowercase hex.
TRACEPARENT_RE = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


class EventPayload(BaseModel):
    """Base of every payload: immutable, and tolerant of fields it does not know.

    ``extra="ignore"`` makes every consumer a tolerant reader: a producer may add an optional field
    in a minor change without breaking anyone who has not upgraded yet.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")


P = TypeVar("P", bound=EventPayload)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel, Generic[P]):
    """Metadata common to every event, with the typed payload inside."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: uuid.UUID = Field(description="Unique id of this event; consumers deduplicate on it.")
    type: str = Field(description="Event type, `noun.past_verb`, e.g. `message.received`.")
    version: int = Field(ge=1, description="Major version of the payload schema.")
    occurred_at: AwareDatetime = Field(description="When the fact happened (UTC, set by make_envelope).")
    producer: str = Field(description="Service that produced the event.")
    creator_id: uuid.UUID = Field(description="Tenant: the creator account the event belongs to.")
    correlation_id: uuid.UUID = Field(description="Shared by every event caused, directly or not, by one request.")
    causation_id: uuid.UUID | None = Field(
        default=None, description="event_id of the event that caused this one (None for a request)."
    )
    traceparent: str | None = Field(default=None, description="W3C trace context of the producer.")
    tracestate: str | None = Field(default=None, description="W3C tracestate, vendor specific.")
    payload: P

    @field_validator("traceparent")
    @classmethod
    def _check_traceparent(cls, value: str | None) -> str | None:
        if value is not None and not TRACEPARENT_RE.match(value):
            raise ValueError("traceparent must follow the W3C format vv-<32 hex>-<16 hex>-ff")
        return value

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()


def kafka_headers(envelope: Envelope[Any]) -> list[tuple[str, bytes]]:
    """Headers put on the Kafka record next to the JSON value."""
    headers = [
        ("event_type", envelope.type.encode()),
        ("event_version", str(envelope.version).encode()),
        ("event_id", str(envelope.event_id).encode()),
        ("creator_id", str(envelope.creator_id).encode()),
        ("correlation_id", str(envelope.correlation_id).encode()),
    ]
    if envelope.traceparent:
        headers.append(("traceparent", envelope.traceparent.encode()))
    if envelope.tracestate:
        headers.append(("tracestate", envelope.tracestate.encode()))
    return headers
