"""``massmessage.scheduled``: what the calendar (the content service) learns of a mass message — its
plan as it now is, emitted in the transaction of every change before it starts sending: created (one
sent now shows at its creation time), moved, cancelled — with its ``revision`` (consumers keep the
highest). Its end is ``massmessage.sent``."""

from __future__ import annotations

import uuid

from huntaze_events import MassAudience, MassMessageScheduled

from ..mass import MassMessage, MassStatus
from ..offers import OFFER_CURRENCY
from .base import Uow

EXCERPT = 120


def announce(uow: Uow, m: MassMessage, command_id: uuid.UUID | None = None) -> None:
    """``massmessage.scheduled`` for a mass message scheduled, or just cancelled before sending."""
    if m.status not in (MassStatus.SCHEDULED, MassStatus.CANCELLED):
        return
    uow.emit(
        MassMessageScheduled(
            mass_message_id=m.id,
            revision=m.revision,
            send_at=m.send_at,
            status=m.status.value,
            audience=MassAudience(
                segments=list(m.audience.segments), exclude_segments=list(m.audience.exclude_segments)
            ),
            text_excerpt=m.text[:EXCERPT],
            price_cents=m.price_cents,
            currency=OFFER_CURRENCY,
            media_ids=list(m.media_ids),
            created_by=m.created_by,
            command_id=command_id,
        ),
        creator_id=m.creator_id,
    )
