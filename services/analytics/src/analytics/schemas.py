"""Response bodies of the analytics API (money in integer cents; instants in the report's zone)."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from .domain import Amount, Breakdown, PeriodFigures
from .reports import Period, RevenueReport, SalesHours, Summary, Window
from .retention import Retention
from .timegrid import Granularity


class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class FiguresOut(_Out):
    gross_cents: int
    net_cents: int
    count: int

    @classmethod
    def of(cls, amount: Amount) -> FiguresOut:
        return cls(gross_cents=amount.gross_cents, net_cents=amount.net_cents, count=amount.count)


class BySourceOut(_Out):
    subscriptions: FiguresOut = Field(description="subscription + renewal")
    messages: FiguresOut = Field(description="paid messages (PPV unlocks)")
    posts: FiguresOut
    tips: FiguresOut = Field(description="tip + stream_tip")
    refunds: FiguresOut = Field(description="negative amounts")
    chargebacks: FiguresOut = Field(description="negative amounts")

    @classmethod
    def of(cls, breakdown: Breakdown) -> BySourceOut:
        return cls(**{line: FiguresOut.of(amount) for line, amount in breakdown.by_line.items()})


class TotalsOut(_Out):
    gross_cents: int = Field(description="All lines summed: refunds and chargebacks already subtracted.")
    net_cents: int
    transactions: int = Field(description="Sales, refunds and chargebacks.")
    by_source: BySourceOut

    @classmethod
    def of(cls, breakdown: Breakdown) -> TotalsOut:
        total = breakdown.total
        return cls(
            gross_cents=total.gross_cents,
            net_cents=total.net_cents,
            transactions=total.count,
            by_source=BySourceOut.of(breakdown),
        )


class BucketOut(_Out):
    start: datetime = Field(description="Local start of the bucket, with the zone's offset at that instant.")
    gross_cents: int
    net_cents: int
    transactions: int
    by_source: BySourceOut

    @classmethod
    def of(cls, start: datetime, breakdown: Breakdown) -> BucketOut:
        total = breakdown.total
        return cls(
            start=start,
            gross_cents=total.gross_cents,
            net_cents=total.net_cents,
            transactions=total.count,
            by_source=BySourceOut.of(breakdown),
        )


class RevenueOut(_Out):
    currency: str
    tz: str
    granularity: Granularity
    from_: datetime = Field(alias="from")
    to: datetime
    buckets: list[BucketOut]
    totals: TotalsOut

    @classmethod
    def of(cls, r: RevenueReport) -> RevenueOut:
        return cls(
            currency=r.currency,
            tz=r.tz.key,
            granularity=r.granularity,
            from_=r.window.start.astimezone(r.tz),
            to=r.window.end.astimezone(r.tz),
            buckets=[BucketOut.of(b.start.astimezone(r.tz), b.breakdown) for b in r.buckets],
            totals=TotalsOut.of(r.totals),
        )


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

    @classmethod
    def of(cls, window: Window, f: PeriodFigures, tz: ZoneInfo) -> PeriodFiguresOut:
        return cls(
            from_=window.start.astimezone(tz),
            to=window.end.astimezone(tz),
            gross_cents=f.gross_cents,
            net_cents=f.net_cents,
            transactions=f.transactions,
            paying_fans=f.paying_fans,
            arppu_cents=f.arppu_cents,
        )


class PeriodOut(PeriodFiguresOut):
    previous: PeriodFiguresOut = Field(description="The same window moved back by its length in days.")

    @classmethod
    def of_period(cls, p: Period, tz: ZoneInfo) -> PeriodOut:
        current = PeriodFiguresOut.of(p.window, p.figures, tz)
        return cls(**current.model_dump(), previous=PeriodFiguresOut.of(p.previous_window, p.previous, tz))


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

    @classmethod
    def of(cls, s: Summary) -> SummaryOut:
        return cls(
            currency=s.currency,
            tz=s.tz.key,
            as_of=s.as_of.astimezone(s.tz),
            periods=PeriodsOut(**{name: PeriodOut.of_period(p, s.tz) for name, p in s.periods.items()}),
            top_fans=[
                TopFanOut(
                    fan_id=f.fan_id,
                    display_name=f.display_name,
                    external_id=f.external_id,
                    net_cents=f.amount.net_cents,
                    gross_cents=f.amount.gross_cents,
                    transactions=f.amount.count,
                )
                for f in s.top_fans
            ],
        )


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

    @classmethod
    def of(cls, s: SalesHours) -> SalesHoursOut:
        return cls(
            currency=s.currency,
            tz=s.tz.key,
            days=s.days,
            from_=s.window.start.astimezone(s.tz),
            to=s.window.end.astimezone(s.tz),
            cells=[
                HourCellOut(
                    weekday=c.weekday,
                    hour=c.hour,
                    gross_cents=c.amount.gross_cents,
                    net_cents=c.amount.net_cents,
                    count=c.amount.count,
                )
                for c in s.cells
            ],
        )


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

    @classmethod
    def of(cls, r: Retention) -> RetentionOut:
        return cls(
            tz=r.tz.key,
            as_of=r.as_of.astimezone(r.tz),
            cohorts=[CohortOut(cohort=c.month, subscribers=c.subscribers, retained=c.retained) for c in r.cohorts],
            churn=[
                ChurnOut(month=m.month, active_at_start=m.active_at_start, expired=m.expired, rate=m.rate)
                for m in r.churn
            ],
        )
