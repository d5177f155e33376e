"""Use cases of the chatters' performance and the append-only sales ledger.

Flow (each arrow is one transaction; offsets are committed after it)::

    reply.sent (approved by a person) ─► chatter_replies
    ppv.offered                       ─► chatter_offers
    ppv.unlocked                      ─► chatter_offers.unlocked_at + an ``unlock`` line (the maker's)
    shift.scheduled / shift.cancelled ─► chatter_shifts
    transaction.recorded              ─► timer ``attribute_sale`` (key: transaction id) at now + settle
    timer attribute_sale              ─► an ``after_reply`` or ``reversal`` line, or none (nobody's)

Why a timer: a sale and the reply before it arrive on different topics, so the reply may be applied
after the sale. Attribution waits ``settle`` (default 60 s) after the sale is seen, then decides from
what is known, once: the line is appended and never changed. A reply applied later than that does
not move a sale already decided (stated in the README). A refund of one of our offers whose unlock
is not applied yet (``ppv.unlocked`` lags) waits again, ``settle`` at a time, at most MAX_WAITS
times, under a new timer key each time. Each step is idempotent on its own (lines are keyed by
transaction id), so a redelivered event or a timer fired twice adds nothing.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel

from huntaze_events import (
    Envelope,
    PpvOffered,
    PpvUnlocked,
    ReplySent,
    ShiftCancelled,
    ShiftScheduled,
    TransactionRecorded,
)
from huntaze_service import Timer, UnitOfWork

from .attribution import Line, Sale, Unlock, after_reply_line, reversal_line, unlock_line
from .chatter_records import LedgerTotal, OfferRecord, ReplyRecord, ShiftRecord
from .chatter_report import ChattersReport, chatters_report
from .ports import AnalyticsRepository
from .reports import Window

Uow = UnitOfWork[AnalyticsRepository]

ATTRIBUTE_SALE = "attribute_sale"
MAX_WAITS = 60


class SaleDue(BaseModel):
    """The timer's payload: the sale as ``transaction.recorded`` reported it."""

    transaction_id: uuid.UUID
    fan_id: uuid.UUID
    type: str
    gross_cents: int
    net_cents: int
    currency: str
    occurred_at: AwareDatetime
    ref_kind: str | None = None
    ref_id: str | None = None
    waits: int = 0
    """How many times a reversal waited for the unlock it reverses."""

    def sale(self) -> Sale:
        return Sale(**self.model_dump(exclude={"waits"}))

    def offer_id(self) -> uuid.UUID | None:
        """The offer it names, when its ref is one of the inbox's offer ids."""
        if self.ref_kind != "message" or self.ref_id is None:
            return None
        try:
            return uuid.UUID(self.ref_id)
        except ValueError:
            return None  # a paid message sent outside Huntaze


# the read models ----------------------------------------------------------------------------------


async def record_replies(uow: Uow, events: Sequence[Envelope[ReplySent]]) -> None:
    """Keeps the replies a person approved (the autopilot's are nobody's)."""
    await uow.repo.add_replies(
        [
            ReplyRecord(
                e.creator_id,
                e.payload.message_id,
                e.payload.fan_id,
                e.payload.approved_by,
                e.payload.shift_id,
                e.payload.sent_at,
                e.payload.in_reply_to_received_at,
            )
            for e in events
            if e.payload.approved_by is not None
        ]
    )


def _offer(creator_id: uuid.UUID, p: PpvOffered | PpvUnlocked, unlocked_at: AwareDatetime | None) -> OfferRecord:
    sent_at = p.sent_at if isinstance(p, PpvOffered) else p.offered_at
    return OfferRecord(
        creator_id,
        p.offer_id,
        p.fan_id,
        p.by.user_id,
        p.by.shift_id,
        p.mass_message_id,
        p.price_cents,
        p.currency,
        sent_at,
        unlocked_at,
    )


async def record_offers(uow: Uow, events: Sequence[Envelope[PpvOffered]]) -> None:
    await uow.repo.save_offers([_offer(e.creator_id, e.payload, None) for e in events])


async def record_unlocks(uow: Uow, events: Sequence[Envelope[PpvUnlocked]]) -> None:
    """Marks each offer unlocked and appends the ``unlock`` line of its maker (none for the autopilot's)."""
    await uow.repo.save_offers([_offer(e.creator_id, e.payload, e.payload.unlocked_at) for e in events])
    lines: dict[uuid.UUID, list[Line]] = defaultdict(list)
    for e in events:
        p = e.payload
        line = unlock_line(
            Unlock(
                p.offer_id,
                p.transaction_id,
                p.fan_id,
                p.by.user_id,
                p.by.shift_id,
                p.mass_message_id,
                p.gross_cents,
                p.net_cents,
                p.currency,
                p.unlocked_at,
            )
        )
        if line is not None:
            lines[e.creator_id].append(line)
    for creator_id in sorted(lines):
        await uow.repo.add_ledger_lines(creator_id, lines[creator_id])


async def record_shifts(uow: Uow, events: Sequence[Envelope[ShiftScheduled] | Envelope[ShiftCancelled]]) -> None:
    records = []
    for e in events:
        p = e.payload
        cancelled = e.occurred_at if isinstance(p, ShiftCancelled) else None
        records.append(ShiftRecord(e.creator_id, p.shift_id, p.user_id, p.starts_at, p.ends_at, cancelled))
    await uow.repo.save_shifts(records)


# attribution --------------------------------------------------------------------------------------


async def schedule_attribution(uow: Uow, events: Sequence[Envelope[TransactionRecorded]], settle: timedelta) -> None:
    """Each sale or reversal is decided ``settle`` after it is seen (a redelivery moves the timer:
    the decision is idempotent either way)."""
    at = uow.now() + settle
    for e in events:
        p = e.payload
        if p.gross_cents == 0:
            continue
        due = SaleDue(
            transaction_id=p.transaction_id,
            fan_id=p.fan_id,
            type=p.type,
            gross_cents=p.gross_cents,
            net_cents=p.net_cents,
            currency=p.currency,
            occurred_at=p.occurred_at,
            ref_kind=p.ref.kind if p.ref else None,
            ref_id=p.ref.id if p.ref else None,
        )
        uow.schedule(ATTRIBUTE_SALE, key=str(p.transaction_id), at=at, payload=due, tenant=e.creator_id, cause=e)


async def attribute(uow: Uow, timer: Timer[SaleDue], window: timedelta, settle: timedelta) -> Line | None:
    """Decides the sale's line from what is known now and appends it (nothing when it is nobody's,
    or when its line exists already)."""
    due, creator_id = timer.payload, timer.tenant
    sale, offer_id = due.sale(), due.offer_id()
    offer = None if offer_id is None else await uow.repo.offer(creator_id, offer_id)
    if sale.reversal:
        credited = await uow.repo.fan_ledger(creator_id, sale.fan_id)
        line = reversal_line(sale, credited, offer_known=offer is not None)
        unlock_pending = offer is not None and offer.chatter_id is not None and offer.unlocked_at is None
        if line is None and unlock_pending and due.waits < MAX_WAITS:
            again = due.model_copy(update={"waits": due.waits + 1})
            key = f"{due.transaction_id}@wait{again.waits}"  # a new key: the fired row is deleted at commit
            uow.schedule(ATTRIBUTE_SALE, key=key, at=uow.now() + settle, payload=again, tenant=creator_id)
            return None
    else:
        replies = await uow.repo.replies_to_fan(creator_id, sale.fan_id, sale.occurred_at - window, sale.occurred_at)
        line = after_reply_line(sale, replies, window, offer_known=offer is not None)
    if line is not None:
        await uow.repo.add_ledger_lines(creator_id, [line])
    return line


# reports -------------------------------------------------------------------------------------------


async def ledger(
    uow: Uow,
    creator_id: uuid.UUID,
    window: Window,
    chatter_id: uuid.UUID | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> tuple[list[Line], list[LedgerTotal]]:
    page = await uow.repo.ledger_page(creator_id, window, chatter_id, after, limit)
    return page, await uow.repo.ledger_totals(creator_id, window, chatter_id)


async def chatters(uow: Uow, creator_id: uuid.UUID, currency: str, window: Window) -> ChattersReport:
    return chatters_report(
        currency,
        window,
        await uow.repo.reply_figures(creator_id, window),
        await uow.repo.offer_figures(creator_id, window),
        await uow.repo.revenue_figures(creator_id, currency, window),
        await uow.repo.shift_spans(creator_id, window),
    )
