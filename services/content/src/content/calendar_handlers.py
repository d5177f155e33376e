"""The calendar's read model, kept from events only (it never calls another service), and its read.

Each consumer loads the entry (held for the transaction), folds the event into it with
:mod:`.calendar_rules` and saves it when it changed: duplicates and out-of-order events converge."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from huntaze_events import (
    AutomationRunScheduled,
    CampaignCreated,
    Envelope,
    LinkClicked,
    MassMessageCommandRefused,
    MassMessageScheduled,
    MassMessageSent,
    PostCommandRefused,
    PostFailed,
    PostPublished,
    PostScheduled,
    PpvUnlocked,
    ShiftCancelled,
    ShiftScheduled,
)
from huntaze_service import Subscriptions, UnitOfWork

from . import calendar_rules as rules
from .calendar import Entry
from .calendar_ports import CalendarRepository
from .conflicts import MARGIN_AFTER, MARGIN_BEFORE, Flag, conflicts

Uow = UnitOfWork[CalendarRepository]


async def _fold(
    uow: Uow, creator_id: uuid.UUID, entry_id: uuid.UUID, rule: Callable[[Entry | None], Entry | None]
) -> None:
    await uow.repo.lock_calendar_entry(creator_id, entry_id)
    current = await uow.repo.calendar_entry(creator_id, entry_id, lock=True)
    changed = rule(current)
    if changed is not None:
        await uow.repo.save_calendar_entry(changed, uow.now())


def subscribe(subs: Subscriptions) -> None:
    """The calendar's consumers (content's consumers.py calls this once)."""

    @subs.on(PostScheduled, name="calendar_post_scheduled")
    async def calendar_post_scheduled(uow: Uow, event: Envelope[PostScheduled]) -> None:
        """A post's plan (highest revision wins); the answer to a move clears its pending state."""
        p = event.payload
        await _fold(uow, event.creator_id, p.post_id, lambda e: rules.post_scheduled(e, event.creator_id, p))

    @subs.on(PostPublished, name="calendar_post_published")
    async def calendar_post_published(uow: Uow, event: Envelope[PostPublished]) -> None:
        """A post is live: published (its money is not in the event: no result)."""
        p = event.payload
        await _fold(uow, event.creator_id, p.post_id, lambda e: rules.post_published(e, event.creator_id, p))

    @subs.on(PostFailed, name="calendar_post_failed")
    async def calendar_post_failed(uow: Uow, event: Envelope[PostFailed]) -> None:
        """A post could not be published: failed, with the network's reason."""
        p = event.payload
        await _fold(uow, event.creator_id, p.post_id, lambda e: rules.post_failed(e, event.creator_id, p))

    @subs.on(PostCommandRefused, name="calendar_post_refused")
    async def calendar_post_refused(uow: Uow, event: Envelope[PostCommandRefused]) -> None:
        """Marketing refused a move: back to the confirmed time, the reason kept for the UI."""
        p = event.payload
        if p.post_id is None:
            return  # a refused import request: not an entry of the calendar
        await _fold(
            uow, event.creator_id, p.post_id, lambda e: rules.move_refused(e, p.command_id, p.reason, event.occurred_at)
        )

    @subs.on(MassMessageScheduled, name="calendar_mass_scheduled")
    async def calendar_mass_scheduled(uow: Uow, event: Envelope[MassMessageScheduled]) -> None:
        """A mass message's plan (highest revision wins); the answer to a move clears its pending state."""
        p = event.payload
        await _fold(uow, event.creator_id, p.mass_message_id, lambda e: rules.mass_scheduled(e, event.creator_id, p))

    @subs.on(MassMessageSent, name="calendar_mass_sent")
    async def calendar_mass_sent(uow: Uow, event: Envelope[MassMessageSent]) -> None:
        """A mass message's end (sent or cancelled) with its counts and the net of its unlocks."""
        p = event.payload
        await uow.repo.lock_calendar_entry(event.creator_id, p.mass_message_id)  # before the sum: see unlocks
        total = await uow.repo.calendar_mass_unlocked(event.creator_id, p.mass_message_id, p.currency)
        await _fold(uow, event.creator_id, p.mass_message_id, lambda e: rules.mass_sent(e, event.creator_id, p, total))

    @subs.on(MassMessageCommandRefused, name="calendar_mass_refused")
    async def calendar_mass_refused(uow: Uow, event: Envelope[MassMessageCommandRefused]) -> None:
        """The inbox refused a move: back to the confirmed time, the reason kept for the UI."""
        p = event.payload
        await _fold(
            uow,
            event.creator_id,
            p.mass_message_id,
            lambda e: rules.move_refused(e, p.command_id, p.reason, event.occurred_at),
        )

    @subs.on(PpvUnlocked, name="calendar_mass_unlocks")
    async def calendar_mass_unlocks(uow: Uow, event: Envelope[PpvUnlocked]) -> None:
        """A copy of a mass message was bought: its result is the net of every unlock (any order)."""
        p = event.payload
        if p.mass_message_id is None:
            return
        creator_id = event.creator_id
        await uow.repo.lock_calendar_entry(creator_id, p.mass_message_id)  # one at a time with its end
        if not await uow.repo.add_calendar_mass_unlock(
            creator_id, p.offer_id, p.mass_message_id, p.net_cents, p.currency
        ):
            return
        current = await uow.repo.calendar_entry(creator_id, p.mass_message_id, lock=True)
        if current is None:
            return  # its massmessage.sent (or plan) sums it when it comes
        currency = current.currency or p.currency
        total = await uow.repo.calendar_mass_unlocked(creator_id, p.mass_message_id, currency)
        changed = rules.mass_result(current, total, currency)
        if changed is not None:
            await uow.repo.save_calendar_entry(changed, uow.now())

    @subs.on(CampaignCreated, name="calendar_campaigns")
    async def calendar_campaigns(uow: Uow, event: Envelope[CampaignCreated]) -> None:
        """A campaign: a span from its start to its end."""
        p = event.payload
        await _fold(uow, event.creator_id, p.campaign_id, lambda e: rules.campaign_created(e, event.creator_id, p))

    @subs.on(ShiftScheduled, name="calendar_shift_scheduled")
    async def calendar_shift_scheduled(uow: Uow, event: Envelope[ShiftScheduled]) -> None:
        """A member's shift on this creator account (one event per account covered)."""
        p = event.payload
        await _fold(uow, event.creator_id, p.shift_id, lambda e: rules.shift_scheduled(e, event.creator_id, p))

    @subs.on(ShiftCancelled, name="calendar_shift_cancelled")
    async def calendar_shift_cancelled(uow: Uow, event: Envelope[ShiftCancelled]) -> None:
        """A shift was deleted: cancelled (it stays visible as such)."""
        p = event.payload
        await _fold(uow, event.creator_id, p.shift_id, lambda e: rules.shift_cancelled(e, event.creator_id, p))

    @subs.on(AutomationRunScheduled, name="calendar_automation_runs")
    async def calendar_automation_runs(uow: Uow, event: Envelope[AutomationRunScheduled]) -> None:
        """An automation's send: when it fires, then what it did (the latest event wins)."""
        p = event.payload
        await _fold(
            uow, event.creator_id, p.run_id, lambda e: rules.automation_run(e, event.creator_id, p, event.occurred_at)
        )

    @subs.on_batch(LinkClicked, name="calendar_click_hours")
    async def calendar_click_hours(uow: Uow, events: Sequence[Envelope[LinkClicked]]) -> None:
        """People's clicks (robots apart) per network and hour of day: the best hours to post."""
        for event in events:
            p = event.payload
            network = p.network or p.referrer_network
            if p.bot or network is None:
                continue
            await uow.repo.count_calendar_click(event.creator_id, network, p.clicked_at.astimezone(UTC).hour)


# the read ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    entry: Entry
    status: str
    conflicts: list[Flag]


async def window(
    uow: Uow, creator_id: uuid.UUID, start: datetime, end: datetime, kinds: frozenset[str] | None, now: datetime
) -> list[Shown]:
    """What is planned and what happened in [start, end) (spans running at ``start`` included),
    ordered by start then id, each with its conflicts (computed over the window and a margin)."""
    entries = await uow.repo.calendar_window(creator_id, start - MARGIN_BEFORE, end + MARGIN_AFTER)
    shown = [e for e in entries if e.overlaps(start, end) and (kinds is None or e.kind in kinds)]
    if not shown:
        return []
    clicks: dict[str, Any] = {}
    if any(e.kind == "post" and e.status == "scheduled" for e in shown):
        clicks = await uow.repo.calendar_click_hours(creator_id)
    flags = conflicts(entries, clicks)
    return [Shown(e, e.shown_status(now), flags.get(e.entry_id, [])) for e in shown]
