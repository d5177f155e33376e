"""Response bodies of the analytics API (money in integer cents; instants in the report's zone).

The models document the bodies (OpenAPI); the ``*_body`` functions build them as plain dicts,
serialized once: a revenue report of 2,000 buckets is ~16,000 small objects, ~4x cheaper as dicts
than as validated models. The unit tests validate every body against its model (extra="forbid").
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from .domain import Amount, Breakdown, PeriodFigures
from .reports import RevenueReport, SalesHours, Summary, Window
from .retention import Retention
from .timegrid import Granularity

Body = dict[str, Any]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# models ---------------------------------------------------------------------------------------------


class FiguresOut(_Out):
    gross_cents: int
    net_cents: int
    count: int


class BySourceOut(_Out):
    subscriptions: FiguresOut = Field(description="subscription + renewal")
    messages: FiguresOut = Field(description="paid messages (PPV unlocks)")
    posts: FiguresOut
    tips: FiguresOut = Field(description="tip + stream_tip")
    refunds: FiguresOut = Field(description="negative amounts")
    chargebacks: FiguresOut = Field(description="negative amounts")


class TotalsOut(_Out):
    gross_cents: int = Field(description="All lines summed: refunds and chargebacks already subtracted.")
    net_cents: int
    transactions: int = Field(description="Sales, refunds and chargebacks.")
    by_source: BySourceOut


class BucketOut(TotalsOut):
    start: datetime = Field(description="Local start of the bucket, with the zone's offset at that instant.")


class RevenueOut(_Out):
    currency: str
    tz: str
    granularity: Granularity
    from_: datetime = Field(alias="from")
    to: datetime
    buckets: list[BucketOut]
    totals: TotalsOut


class PeriodFiguresOut(_Out):
    from_: datetime = Field(alias="from")
    to: datetime
    gross_cents: int
    net_cents: int
    transactions: int
    paying_fans: int = Field(description="Distinct fans with a sale (not a refund or chargeback).")
    arppu_cents: int = Field(
        description="net ÷ paying fans, whole cents rounded half-up (away from zero); 0 without one."
    )


class PeriodOut(PeriodFiguresOut):
    previous: PeriodFiguresOut = Field(description="The same window moved back by its length in days.")


class PeriodsOut(_Out):
    today: PeriodOut
    last_7_days: PeriodOut
    last_30_days: PeriodOut


class TopFanOut(_Out):
    fan_id: uuid.UUID
    display_name: str | None
    external_id: str | None
    net_cents: int
    gross_cents: int
    transactions: int


class SummaryOut(_Out):
    currency: str
    tz: str
    as_of: datetime
    periods: PeriodsOut
    top_fans: list[TopFanOut] = Field(description="Top 10 by net spend over the last 30 days.")


class HourCellOut(_Out):
    weekday: int = Field(description="0 = Monday … 6 = Sunday, local.")
    hour: int = Field(description="0 … 23, local.")
    gross_cents: int
    net_cents: int
    count: int


class SalesHoursOut(_Out):
    currency: str
    tz: str
    days: int
    from_: datetime = Field(alias="from")
    to: datetime
    cells: list[HourCellOut] = Field(description="All 168 cells, Monday 00h first; sales only.")


class CohortOut(_Out):
    cohort: str = Field(description="YYYY-MM: local month of the fans' first subscription.")
    subscribers: int
    retained: list[float] = Field(description="Share subscribed 1, 2, … months after their first start.")


class ChurnOut(_Out):
    month: str
    active_at_start: int
    expired: int
    rate: float


class RetentionOut(_Out):
    tz: str
    as_of: datetime
    cohorts: list[CohortOut]
    churn: list[ChurnOut]


# bodies ---------------------------------------------------------------------------------------------


def _at(instant: datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).isoformat()


def _figures(a: Amount) -> Body:
    return {"gross_cents": a.gross_cents, "net_cents": a.net_cents, "count": a.count}


def _totals(b: Breakdown) -> Body:
    total = b.total
    return {
        "gross_cents": total.gross_cents,
        "net_cents": total.net_cents,
        "transactions": total.count,
        "by_source": {line: _figures(amount) for line, amount in b.by_line.items()},
    }


def revenue_body(r: RevenueReport) -> Body:
    return {
        "currency": r.currency,
        "tz": r.tz.key,
        "granularity": r.granularity,
        "from": _at(r.window.start, r.tz),
        "to": _at(r.window.end, r.tz),
        "buckets": [{"start": _at(b.start, r.tz), **_totals(b.breakdown)} for b in r.buckets],
        "totals": _totals(r.totals),
    }


def _period(window: Window, f: PeriodFigures, tz: ZoneInfo) -> Body:
    return {
        "from": _at(window.start, tz),
        "to": _at(window.end, tz),
        "gross_cents": f.gross_cents,
        "net_cents": f.net_cents,
        "transactions": f.transactions,
        "paying_fans": f.paying_fans,
        "arppu_cents": f.arppu_cents,
    }


def summary_body(s: Summary) -> Body:
    return {
        "currency": s.currency,
        "tz": s.tz.key,
        "as_of": _at(s.as_of, s.tz),
        "periods": {
            name: {**_period(p.window, p.figures, s.tz), "previous": _period(p.previous_window, p.previous, s.tz)}
            for name, p in s.periods.items()
        },
        "top_fans": [
            {
                "fan_id": str(f.fan_id),
                "display_name": f.display_name,
                "external_id": f.external_id,
                "net_cents": f.amount.net_cents,
                "gross_cents": f.amount.gross_cents,
                "transactions": f.amount.count,
            }
            for f in s.top_fans
        ],
    }


def sales_hours_body(s: SalesHours) -> Body:
    return {
        "currency": s.currency,
        "tz": s.tz.key,
        "days": s.days,
        "from": _at(s.window.start, s.tz),
        "to": _at(s.window.end, s.tz),
        "cells": [{"weekday": c.weekday, "hour": c.hour, **_figures(c.amount)} for c in s.cells],
    }


def retention_body(r: Retention) -> Body:
    return {
        "tz": r.tz.key,
        "as_of": _at(r.as_of, r.tz),
        "cohorts": [{"cohort": c.month, "subscribers": c.subscribers, "retained": c.retained} for c in r.cohorts],
        "churn": [
            {"month": m.month, "active_at_start": m.active_at_start, "expired": m.expired, "rate": m.rate}
            for m in r.churn
        ],
    }
