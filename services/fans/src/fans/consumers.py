"""Everything the fans service consumes, in one place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from huntaze_events import Envelope, MessageReceived
from huntaze_service import HandlerContext, Subscriptions

from . import handlers


def subscriptions() -> Subscriptions[Any]:
    subs: Subscriptions[Any] = Subscriptions()

    @subs.on_batch(MessageReceived, name="fan_activity")
    async def fan_activity(ctx: HandlerContext, events: Sequence[Envelope[MessageReceived]]) -> None:
        """Keeps each fan's profile: name, first and last message time, message count."""
        await handlers.track_fan_messages(ctx, events)

    return subs
