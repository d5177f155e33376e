"""The ai's anomaly workers: the read model's consumers and the hourly check (see :mod:`.checks`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from huntaze_events import ConversionTracked, Envelope, LinkClicked, TransactionRecorded
from huntaze_service import Subscriptions, Timer

from ..handlers import Uow
from . import checks, records


def subscribe(subs: Subscriptions, first_check: timedelta) -> None:
    async def ensure(uow: Uow, events: Sequence[Envelope[object]]) -> None:
        for creator in sorted({e.creator_id for e in events}):
            await checks.ensure_checks(uow, creator, first_check)

    @subs.on_batch(TransactionRecorded, name="anomaly_sales")
    async def anomaly_sales(uow: Uow, events: Sequence[Envelope[TransactionRecorded]]) -> None:
        """Sales and reversals per UTC hour and currency (what the hourly check compares)."""
        await records.record_sales(uow, events)
        await ensure(uow, events)

    @subs.on_batch(LinkClicked, name="anomaly_clicks")
    async def anomaly_clicks(uow: Uow, events: Sequence[Envelope[LinkClicked]]) -> None:
        """Tracking-link visitors per link and day (robots left out)."""
        await records.record_clicks(uow, events)
        await ensure(uow, events)

    @subs.on_batch(ConversionTracked, name="anomaly_conversions")
    async def anomaly_conversions(uow: Uow, events: Sequence[Envelope[ConversionTracked]]) -> None:
        """Subscribers each tracking link converted, per day."""
        await records.record_conversions(uow, events)

    @subs.timer(checks.CHECK)
    async def anomaly_check(uow: Uow, timer: Timer[None]) -> None:
        """The creator's hourly check: anomaly.detected for each new episode of revenue or link conversion."""
        await checks.check(uow, timer.tenant)
