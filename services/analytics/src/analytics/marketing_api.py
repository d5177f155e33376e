"""HTTP API of the marketing reports: conversion in money, and the best times to post."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from huntaze_service import CreatorId, RuntimeDep

from . import marketing
from .api import Currency, From, To, Tz, answerable
from .chatter_api import _window
from .conversion import WEIGHTS, By, ConversionRow, TimeCell

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])
Network = Literal["instagram", "tiktok", "x", "reddit"]


class ConversionRowOut(BaseModel):
    key: str | None = Field(description="The network, campaign, post or link id (None: links not tied to one).")
    name: str | None = Field(default=None, description="The campaign's name (by=campaign).")
    clicks: int = Field(description="People's clicks (robots apart).")
    bot_clicks: int
    subscribers: int
    conversion_rate: float | None = Field(description="subscribers ÷ clicks (None: no click).")
    gross_cents: int = Field(description="Attributed revenue in the window, in the report's currency.")
    net_cents: int
    cost_cents: int | None = Field(default=None, description="The campaign's cost (by=campaign).")
    roi: Decimal | None = Field(default=None, description="net ÷ cost, 4 decimals, when the cost is in this currency.")

    @classmethod
    def of(cls, r: ConversionRow) -> ConversionRowOut:
        f, c = r.figures, r.figures.campaign
        return cls(
            key=f.key,
            name=c.name if c else None,
            clicks=f.clicks,
            bot_clicks=f.bot_clicks,
            subscribers=f.subscribers,
            conversion_rate=r.conversion_rate,
            gross_cents=f.gross_cents,
            net_cents=f.net_cents,
            cost_cents=c.cost_cents if c else None,
            roi=r.roi,
        )


class ConversionOut(BaseModel):
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    by: str
    currency: str
    rows: list[ConversionRowOut]
    total: ConversionRowOut


@router.get("/conversion", response_model=ConversionOut, response_model_by_alias=True)
async def conversion(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    by: By = "network",
    start: From = None,
    end: To = None,
    tz: Tz = "UTC",
    currency: Currency = "USD",
) -> ConversionOut:
    """Clicks, subscribers, conversion rate and attributed revenue (gross, net) by network, campaign,
    post or link over [from, to) (default: the last 30 days), with ROI where a campaign's cost is known."""
    with answerable():
        async with runtime.uow() as uow:
            window = _window(start, end, tz, uow.now())
            found = await marketing.conversion(uow, creator_id, by, window, currency.upper())
    items = [ConversionRowOut.of(r) for r in found]
    clicks, subscribers = sum(r.clicks for r in items), sum(r.subscribers for r in items)
    total = ConversionRowOut(
        key=None,
        clicks=clicks,
        bot_clicks=sum(r.bot_clicks for r in items),
        subscribers=subscribers,
        conversion_rate=round(subscribers / clicks, 6) if clicks else None,
        gross_cents=sum(r.gross_cents for r in items),
        net_cents=sum(r.net_cents for r in items),
    )
    return ConversionOut(start=window.start, end=window.end, by=by, currency=currency.upper(), rows=items, total=total)


class TimeCellOut(BaseModel):
    weekday: int = Field(description="0 = Monday … 6 = Sunday, local.")
    hour: int
    clicks: int
    subscribers: int
    sales_net_cents: int
    score: float

    @classmethod
    def of(cls, c: TimeCell) -> TimeCellOut:
        return cls(
            weekday=c.weekday,
            hour=c.hour,
            clicks=c.clicks,
            subscribers=c.subscribers,
            sales_net_cents=c.sales_net_cents,
            score=c.score,
        )


class BestTimesOut(BaseModel):
    network: str | None
    tz: str
    days: int
    weights: dict[str, float] = Field(description="How each signal's share of the week weighs in a cell's score.")
    best: list[TimeCellOut] = Field(description="When to post: the highest-scoring hours (none without data).")
    cells: list[TimeCellOut] = Field(description="All 168 local hours, Monday 00h first.")


@router.get("/best-times", response_model=BestTimesOut)
async def best_times(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    network: Network | None = None,
    tz: Tz = "UTC",
    currency: Currency = "USD",
    days: Annotated[int, Query(ge=1, le=366, description="How many days back from now.")] = 90,
) -> BestTimesOut:
    """Weekday × hour of people's clicks and new subscribers (of one network, or all) and of sales:
    the hours when posting brings the most."""
    with answerable():
        async with runtime.uow() as uow:
            _, cells, best = await marketing.best_posting_times(uow, creator_id, network, tz, currency.upper(), days)
    return BestTimesOut(
        network=network,
        tz=tz,
        days=days,
        weights=WEIGHTS,
        best=[TimeCellOut.of(c) for c in best],
        cells=[TimeCellOut.of(c) for c in cells],
    )
