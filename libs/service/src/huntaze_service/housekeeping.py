"""Deletes what the delivery guarantees no longer need: published outbox rows and idempotency
records past their retention. Idempotency records must outlive the topics' retention (7 days
locally): an event can only be redelivered while Kafka still has it."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .settings import ServiceSettings

log = logging.getLogger("huntaze.housekeeping")


async def housekeep(
    sessionmaker: async_sessionmaker[AsyncSession], settings: ServiceSettings, every_s: float = 300
) -> None:
    while True:
        await asyncio.sleep(every_s)
        try:
            async with sessionmaker() as session, session.begin():
                await session.execute(
                    text(
                        "DELETE FROM outbox WHERE published_at IS NOT NULL "
                        "AND published_at < now() - :h * interval '1 hour'"
                    ),
                    {"h": settings.outbox_retention_hours},
                )
                await session.execute(
                    text("DELETE FROM processed_events WHERE processed_at < now() - :d * interval '1 day'"),
                    {"d": settings.processed_events_retention_days},
                )
        except Exception as exc:  # noqa: BLE001 - retried at the next round
            log.warning("housekeeping failed: %r", exc)
