"""The chatters' read models and the sales ledger in memory, with the SQL adapter's semantics
(mixed into FakeAnalyticsRepository)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import datetime

from analytics.attribution import Line, Reply
from analytics.chatter_records import LedgerTotal, OfferRecord, ReplyRecord, ShiftRecord
from analytics.chatter_report import (
    OfferFigures,
    ReplyFigures,
    RevenueFigures,
    ShiftSpan,
    interpolated_percentile,
)
from analytics.reports import Window


class FakeChatters:
    def __init__(self) -> None:
        self.replies: dict[uuid.UUID, ReplyRecord] = {}
        self.offers: dict[uuid.UUID, OfferRecord] = {}
        self.shifts: dict[tuple[uuid.UUID, uuid.UUID], ShiftRecord] = {}
        self.ledger: dict[uuid.UUID, tuple[uuid.UUID, Line]] = {}
        """transaction id → (creator, line); never replaced."""

    async def add_replies(self, replies: Sequence[ReplyRecord]) -> None:
        for r in replies:
            self.replies.setdefault(r.message_id, r)

    async def save_offers(self, offers: Sequence[OfferRecord]) -> None:
        for o in offers:
            known = self.offers.get(o.offer_id)
            if known is None:
                self.offers[o.offer_id] = o
            elif o.unlocked_at is not None and (known.unlocked_at is None or o.unlocked_at < known.unlocked_at):
                self.offers[o.offer_id] = dataclasses.replace(known, unlocked_at=o.unlocked_at)

    async def save_shifts(self, shifts: Sequence[ShiftRecord]) -> None:
        for s in shifts:
            key = (s.creator_id, s.shift_id)
            known = self.shifts.get(key)
            if known is None:
                self.shifts[key] = s
            elif s.cancelled_at is not None and known.cancelled_at is None:
                self.shifts[key] = dataclasses.replace(known, cancelled_at=s.cancelled_at)

    async def add_ledger_lines(self, creator_id: uuid.UUID, lines: Sequence[Line]) -> int:
        new = 0
        for line in lines:
            if line.transaction_id not in self.ledger:
                self.ledger[line.transaction_id] = (creator_id, line)
                new += 1
        return new

    async def replies_to_fan(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[Reply]:
        found = [
            r.reply()
            for r in self.replies.values()
            if r.creator_id == creator_id and r.fan_id == fan_id and start <= r.sent_at <= end
        ]
        return sorted(found, key=lambda r: (r.sent_at, r.message_id))

    async def offer(self, creator_id: uuid.UUID, offer_id: uuid.UUID) -> OfferRecord | None:
        offer = self.offers.get(offer_id)
        return offer if offer is not None and offer.creator_id == creator_id else None

    def _lines(self, creator_id: uuid.UUID) -> list[Line]:
        mine = [line for c, line in self.ledger.values() if c == creator_id]
        return sorted(mine, key=lambda line: (line.occurred_at, line.transaction_id))

    async def fan_ledger(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> list[Line]:
        return [line for line in self._lines(creator_id) if line.fan_id == fan_id]

    def _lines_in(self, creator_id: uuid.UUID, window: Window, chatter_id: uuid.UUID | None) -> list[Line]:
        return [
            line
            for line in self._lines(creator_id)
            if window.start <= line.occurred_at < window.end and chatter_id in (None, line.chatter_id)
        ]

    async def ledger_page(
        self,
        creator_id: uuid.UUID,
        window: Window,
        chatter_id: uuid.UUID | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Line]:
        lines = self._lines_in(creator_id, window, chatter_id)
        if after is not None:
            lines = [line for line in lines if (line.occurred_at, line.transaction_id) > after]
        return lines[:limit]

    async def ledger_totals(
        self, creator_id: uuid.UUID, window: Window, chatter_id: uuid.UUID | None
    ) -> list[LedgerTotal]:
        totals: dict[str, LedgerTotal] = {}
        for line in self._lines_in(creator_id, window, chatter_id):
            t = totals.get(line.currency, LedgerTotal(line.currency, 0, 0, 0))
            totals[line.currency] = LedgerTotal(
                t.currency, t.lines + 1, t.gross_cents + line.gross_cents, t.net_cents + line.net_cents
            )
        return [totals[c] for c in sorted(totals)]

    async def reply_figures(self, creator_id: uuid.UUID, window: Window) -> list[ReplyFigures]:
        by: dict[uuid.UUID, list[ReplyRecord]] = {}
        for r in self.replies.values():
            if r.creator_id == creator_id and window.start <= r.sent_at < window.end:
                by.setdefault(r.chatter_id, []).append(r)
        figures = []
        for chatter, replies in by.items():
            waits = [
                (r.sent_at - r.answered_received_at).total_seconds()
                for r in replies
                if r.shift_id is not None and r.answered_received_at is not None
            ]
            figures.append(
                ReplyFigures(
                    chatter,
                    len(replies),
                    len(waits),
                    interpolated_percentile(waits, 0.5),
                    interpolated_percentile(waits, 0.9),
                )
            )
        return figures

    async def offer_figures(self, creator_id: uuid.UUID, window: Window) -> list[OfferFigures]:
        by: dict[uuid.UUID, list[OfferRecord]] = {}
        for o in self.offers.values():
            if o.creator_id == creator_id and o.chatter_id is not None and window.start <= o.sent_at < window.end:
                by.setdefault(o.chatter_id, []).append(o)
        return [OfferFigures(c, len(os), sum(1 for o in os if o.unlocked_at)) for c, os in by.items()]

    async def revenue_figures(self, creator_id: uuid.UUID, currency: str, window: Window) -> list[RevenueFigures]:
        by: dict[uuid.UUID, list[Line]] = {}
        for line in self._lines_in(creator_id, window, None):
            if line.currency == currency:
                by.setdefault(line.chatter_id, []).append(line)
        return [
            RevenueFigures(
                c,
                len(ls),
                sum(x.gross_cents for x in ls),
                sum(x.net_cents for x in ls),
                sum(x.gross_cents for x in ls if x.shift_id is not None),
            )
            for c, ls in by.items()
        ]

    async def shift_spans(self, creator_id: uuid.UUID, window: Window) -> list[ShiftSpan]:
        return [
            ShiftSpan(s.user_id, s.starts_at, s.ends_at)
            for s in self.shifts.values()
            if s.creator_id == creator_id
            and s.cancelled_at is None
            and s.ends_at > window.start
            and s.starts_at < window.end
        ]
