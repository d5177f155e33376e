"""Mass messages to segments (pure rules): who receives one, what each fan reads, and its lifecycle.

The audience is read from the inbox's own read model of the fans (``fan.profile_updated`` and
``fan.segment_changed``), the exclusions from what the inbox itself sent and sold. At ``send_at`` a
mass message is *expanded* into one delivery per fan (status ``pending``); a pump hands deliveries
to the connector at the configured rate, each as an external call keyed ``<mass id>:<fan id>`` —
the same key on every attempt, so a fan gets it once even when a worker dies mid-way. Cancelling
drops every delivery not yet handed over.

    scheduled ──send_at──▶ sending ──every delivery settled──▶ done
        └──────────cancel──────────┴──▶ cancelled
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from huntaze_events import arm_of

BUILTIN_SEGMENTS = frozenset({"whales", "new", "expiring", "lapsed", "never_spent"})
CUSTOM_SEGMENT = re.compile(r"^custom:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
PLACEHOLDERS = frozenset({"name"})
MAX_SEGMENTS = 20
MAX_WITHIN_HOURS = 24 * 30
SAMPLE = 10


class MassStatus(StrEnum):
    SCHEDULED = "scheduled"
    """Waiting for ``send_at``."""
    SENDING = "sending"
    """Expanded into deliveries; being handed to the connector."""
    DONE = "done"
    """Every delivery was sent, failed or skipped."""
    CANCELLED = "cancelled"
    """Stopped by a person: deliveries not handed over were not sent."""


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    QUEUED = "queued"
    """Its send is recorded (an external call); it may be in the connector's hands."""
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    """Excluded after the expansion (the fan bought these media meanwhile, or was erased)."""
    CANCELLED = "cancelled"


class UnknownSegment(ValueError):
    def __init__(self, segment: str) -> None:
        super().__init__(f"unknown segment {segment!r}: one of {sorted(BUILTIN_SEGMENTS)} or custom:<segment id>")
        self.segment = segment


class EmptyAudience(ValueError):
    def __init__(self) -> None:
        super().__init__("no fan matches this audience: nothing would be sent")


class NotCancellable(Exception):
    def __init__(self, status: MassStatus) -> None:
        super().__init__(f"the mass message is already {status.value}")


class NotMovable(Exception):
    def __init__(self, status: MassStatus) -> None:
        super().__init__(f"the mass message is already {status.value}: only a scheduled one moves")


@dataclass(frozen=True)
class Audience:
    segments: tuple[str, ...]
    exclude_segments: tuple[str, ...] = ()
    exclude_bought_media: bool = False
    exclude_messaged_within_hours: int | None = None

    def check(self, known_custom: set[str]) -> None:
        """Every segment is built in, or a custom one the inbox has seen members of."""
        for segment in (*self.segments, *self.exclude_segments):
            if segment not in BUILTIN_SEGMENTS and segment not in known_custom:
                raise UnknownSegment(segment)

    def as_json(self) -> dict[str, object]:
        return {
            "segments": list(self.segments),
            "exclude_segments": list(self.exclude_segments),
            "exclude_bought_media": self.exclude_bought_media,
            "exclude_messaged_within_hours": self.exclude_messaged_within_hours,
        }

    @classmethod
    def of(cls, data: dict[str, object]) -> Audience:
        hours = data.get("exclude_messaged_within_hours")
        return cls(
            tuple(data.get("segments") or ()),  # type: ignore[arg-type]
            tuple(data.get("exclude_segments") or ()),  # type: ignore[arg-type]
            bool(data.get("exclude_bought_media")),
            None if hours is None else int(hours),  # type: ignore[call-overload]
        )


def check_placeholders(text: str) -> str:
    """Only ``{name}`` may appear in braces (a typo like ``{nmae}`` would reach every fan)."""
    for found in PLACEHOLDER.findall(text):
        if found not in PLACEHOLDERS:
            raise ValueError(f"unknown placeholder {{{found}}}: only {{name}} is replaced")
    return text


def render(text: str, *, name: str) -> str:
    """What one fan reads: ``{name}`` is their display name."""
    return text.replace("{name}", name)


@dataclass(frozen=True)
class Recipient:
    fan_id: uuid.UUID
    external_id: str
    display_name: str


@dataclass
class MassMessage:
    id: uuid.UUID
    creator_id: uuid.UUID
    audience: Audience
    text: str
    price_cents: int | None
    media_ids: tuple[uuid.UUID, ...]
    send_at: datetime
    status: MassStatus
    created_at: datetime
    created_by: uuid.UUID
    created_shift_id: uuid.UUID | None = None
    """The creator's shift when they created it, if on one (chatter attribution)."""
    recipients: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: uuid.UUID | None = None
    revision: int = 1
    """Grows by one at every change of its plan (moved, cancelled while scheduled): massmessage.scheduled's."""
    experiment_id: uuid.UUID | None = None
    """A price test (``price_experiment.started``): each fan is offered their arm's price."""
    experiment_arms: tuple[int, ...] = ()

    @property
    def paid(self) -> bool:
        return self.price_cents is not None

    def price_for(self, fan_id: uuid.UUID) -> int | None:
        """The fan's price: their arm's in a price test (``huntaze_events.arm_of``), else the one price."""
        if self.experiment_id is None or not self.experiment_arms:
            return self.price_cents
        return self.experiment_arms[arm_of(self.experiment_id, fan_id, len(self.experiment_arms))]

    def cancel(self, *, at: datetime, by: uuid.UUID) -> None:
        if self.status not in (MassStatus.SCHEDULED, MassStatus.SENDING):
            raise NotCancellable(self.status)
        if self.status is MassStatus.SCHEDULED:
            self.revision += 1  # its plan changed (a sending one ends with massmessage.sent instead)
        self.status = MassStatus.CANCELLED
        self.cancelled_at = at
        self.cancelled_by = by
        self.finished_at = at

    def move(self, send_at: datetime, *, now: datetime) -> None:
        """Only while scheduled (the caller refuses a time in the past)."""
        if self.status is not MassStatus.SCHEDULED:
            raise NotMovable(self.status)
        self.send_at = max(send_at, now)
        self.revision += 1


@dataclass(frozen=True)
class Delivery:
    mass_message_id: uuid.UUID
    fan_id: uuid.UUID
    external_id: str
    display_name: str
    status: DeliveryStatus
    offer_id: uuid.UUID | None = None
    reason: str | None = None


@dataclass(frozen=True)
class MassStats:
    recipients: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    """Failed deliveries by reason."""
    unlocked: int = 0
    revenue_cents: int = 0
    net_cents: int = 0


class SendDelivery(BaseModel):
    """The ``send_mass_delivery`` external call: one fan's copy, as the inbox stored it."""

    model_config = ConfigDict(frozen=True)

    mass_message_id: uuid.UUID
    fan_id: uuid.UUID
    fan_external_id: str
    fan_display_name: str
    text: str
    price_cents: int | None
    currency: str
    media_ids: tuple[uuid.UUID, ...]
    offer_id: uuid.UUID | None
    experiment_id: uuid.UUID | None = None
