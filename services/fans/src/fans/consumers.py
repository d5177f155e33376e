"""Everything the fans workers do, in one place."""

from __future__ import annotations

from collections.abc import Sequence

from huntaze_events import Envelope, MessageReceived
from huntaze_service import Subscriptions

from . import handlers


def subscriptions() -> Subscriptions:
    subs = Subscriptions()

    @subs.on_batch(MessageReceived, name="fan_activity")
    async def fan_activity(uow: handlers.Uow, events: Sequence[Envelope[MessageReceived]]) -> None:
        """Keeps each fan's profile: name, first and last message time, message count."""
        await handlers.track_fan_messages(uow, events)

    return subs
