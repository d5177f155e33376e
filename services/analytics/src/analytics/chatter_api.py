"""HTTP API of the chatters' performance and the sales ledger (reached through the gateway).

A chatter sees their own lines and their own row only; owners, managers and analysts see everyone's.
``from``/``to`` are read like the other reports' (ISO dates or datetimes, local to ``tz``; default the
last 30 days up to the end of today), at most 400 days apart.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from huntaze_service import ApiError, CurrentCaller, RuntimeDep
from huntaze_service.pagination import Cursor, Limit, decode_time_id_cursor, encode_cursor

from . import chatter_ledger
from .api import Currency, From, To, Tz, answerable
from .attribution import Line
from .reports import Window
from .timegrid import resolve_range, zone

router = APIRouter(prefix="/v1/analytics/chatters", tags=["analytics"])

MAX_RANGE = timedelta(days=400)


class LedgerLineOut(BaseModel):
    transaction_id: uuid.UUID = Field(description="The sale (or refund) this line is about; one line per transaction.")
    chatter_id: uuid.UUID
    shift_id: uuid.UUID | None = Field(description="The shift the credited work was done on, if any.")
    fan_id: uuid.UUID
    kind: str = Field(description="`unlock`, `after_reply` or `reversal` (negative amounts).")
    reason: str = Field(description="Why it is credited to this person, in words a dispute can be settled with.")
    gross_cents: int
    net_cents: int
    currency: str
    occurred_at: datetime
    offer_id: uuid.UUID | None = None
    mass_message_id: uuid.UUID | None = None
    reply_message_id: uuid.UUID | None = None
    reverses: uuid.UUID | None = Field(default=None, description="For a reversal: the transaction it reverses.")


class LedgerTotalOut(BaseModel):
    currency: str
    lines: int
    gross_cents: int
    net_cents: int


class LedgerOut(BaseModel):
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    chatter_id: uuid.UUID | None
    lines: list[LedgerLineOut] = Field(description="Oldest first.")
    totals: list[LedgerTotalOut] = Field(description="Over the whole window (every page), per currency.")
    next_cursor: str | None


class ResponseTimeOut(BaseModel):
    replies: int = Field(description="Replies approved on shift that answer a known fan message (the sample).")
    median_s: float | None
    p90_s: float | None


class ChatterOut(BaseModel):
    chatter_id: uuid.UUID
    messages_sent: int
    response_time: ResponseTimeOut
    offers_sent: int
    offers_unlocked: int
    unlock_rate: float | None
    ledger_lines: int
    revenue_gross_cents: int
    revenue_net_cents: int
    revenue_on_shift_gross_cents: int
    hours_on_shift: float
    revenue_per_shift_hour_cents: int | None = Field(description="On-shift gross ÷ hours on shift, to the cent.")


class ChattersOut(BaseModel):
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    currency: str
    attribution_window_h: float
    chatters: list[ChatterOut]


def _window(start: str | None, end: str | None, tz: str, now: datetime) -> Window:
    window = Window(*resolve_range(start, end, "day", zone(tz), now))
    if window.end - window.start > MAX_RANGE:
        raise ApiError(422, "`from` and `to` are at most 400 days apart")
    return window


def _line(line: Line) -> LedgerLineOut:
    return LedgerLineOut(
        transaction_id=line.transaction_id,
        chatter_id=line.chatter_id,
        shift_id=line.shift_id,
        fan_id=line.fan_id,
        kind=line.kind.value,
        reason=line.reason,
        gross_cents=line.gross_cents,
        net_cents=line.net_cents,
        currency=line.currency,
        occurred_at=line.occurred_at,
        offer_id=line.offer_id,
        mass_message_id=line.mass_message_id,
        reply_message_id=line.reply_message_id,
        reverses=line.reverses,
    )


@router.get("/ledger", response_model=LedgerOut, response_model_by_alias=True)
async def ledger(
    runtime: RuntimeDep,
    caller: CurrentCaller,
    start: From = None,
    end: To = None,
    tz: Tz = "UTC",
    chatter: Annotated[uuid.UUID | None, Query(description="One person's lines only.")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> LedgerOut:
    """The append-only sales ledger: each sale credited to a person, with why; refunds and
    chargebacks are new, negative lines. A line never changes after it is written."""
    if caller.role == "chatter":
        if chatter is not None and chatter != caller.user_id:
            raise ApiError(403, "a chatter sees their own ledger lines only", "forbidden")
        chatter = caller.user_id
    after = decode_time_id_cursor(cursor)
    with answerable():
        async with runtime.uow() as uow:
            window = _window(start, end, tz, uow.now())
            lines, totals = await chatter_ledger.ledger(uow, caller.creator_id, window, chatter, after, limit + 1)
    more = len(lines) > limit
    lines = lines[:limit]
    return LedgerOut(
        start=window.start,
        end=window.end,
        chatter_id=chatter,
        lines=[_line(line) for line in lines],
        totals=[LedgerTotalOut(**t.__dict__) for t in totals],
        next_cursor=encode_cursor(lines[-1].occurred_at, lines[-1].transaction_id) if more else None,
    )


@router.get("", response_model=ChattersOut, response_model_by_alias=True)
async def chatters(
    runtime: RuntimeDep,
    caller: CurrentCaller,
    start: From = None,
    end: To = None,
    tz: Tz = "UTC",
    currency: Currency = "USD",
) -> ChattersOut:
    """Per person over [from, to): messages sent, median and p90 response time on shift, offers
    sent and unlocked, revenue attributed (the ledger), hours on shift and revenue per hour on shift."""
    settings = runtime.settings
    with answerable():
        async with runtime.uow() as uow:
            window = _window(start, end, tz, uow.now())
            report = await chatter_ledger.chatters(uow, caller.creator_id, currency.upper(), window)
    rows = [r for r in report.chatters if caller.role != "chatter" or r.chatter_id == caller.user_id]
    return ChattersOut(
        start=window.start,
        end=window.end,
        currency=report.currency,
        attribution_window_h=settings.attribution_window_h,  # type: ignore[attr-defined]
        chatters=[
            ChatterOut(
                chatter_id=r.chatter_id,
                messages_sent=r.messages_sent,
                response_time=ResponseTimeOut(
                    replies=r.replies_timed, median_s=r.response_median_s, p90_s=r.response_p90_s
                ),
                offers_sent=r.offers_sent,
                offers_unlocked=r.offers_unlocked,
                unlock_rate=r.unlock_rate,
                ledger_lines=r.ledger_lines,
                revenue_gross_cents=r.gross_cents,
                revenue_net_cents=r.net_cents,
                revenue_on_shift_gross_cents=r.on_shift_gross_cents,
                hours_on_shift=round(r.shift_seconds / 3600, 4),
                revenue_per_shift_hour_cents=r.revenue_per_shift_hour_cents,
            )
            for r in rows
        ],
    )
