"""Everything the billing workers do, in one place."""

from __future__ import annotations

from huntaze_events import Envelope, FanProfileUpdated
from huntaze_service import Subscriptions

from . import handlers


def subscriptions() -> Subscriptions:
    subs = Subscriptions()

    @subs.on(FanProfileUpdated, name="fans_seen")
    async def fans_seen(uow: handlers.Uow, event: Envelope[FanProfileUpdated]) -> None:
        """Keeps a local copy of each fan's name (sample read model: replace it)."""
        await handlers.remember_fan(uow, event)

    return subs
