"""An in-memory AnalyticsRepository with the SQL one's semantics, for unit tests of the use cases."""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from analytics.domain import ZERO, Amount, Fact, FanName, PeriodFigures, SubscriptionPeriod, merge_period
from analytics.reports import BucketTotal, FanSpend, LineTotal, Window
from analytics.retention import Interval
from huntaze_service.tombstones import ErasedFan

from .fake_chatters import FakeChatters
from .fake_media import FakeMedia
from .fake_weekly import FakeWeekly


class FakeAnalyticsRepository(FakeChatters, FakeMedia, FakeWeekly):
    def __init__(self) -> None:
        FakeChatters.__init__(self)
        FakeMedia.__init__(self)
        FakeWeekly.__init__(self)
        self.facts: dict[uuid.UUID, Fact] = {}
        self.fans: dict[tuple[uuid.UUID, uuid.UUID], FanName] = {}
        self.periods: dict[tuple[uuid.UUID, uuid.UUID, datetime], SubscriptionPeriod] = {}
        self.erased_fans: dict[uuid.UUID, ErasedFan] = {}
        self.applications: dict[uuid.UUID, int] = {}

    # writes ---------------------------------------------------------------------------------------
    async def add_transactions(self, facts: Sequence[Fact]) -> int:
        new = 0
        for fact in facts:
            if fact.transaction_id not in self.facts:
                self.facts[fact.transaction_id] = fact
                new += 1
        return new

    async def remember_fans(self, names: Sequence[FanName]) -> None:
        for name in names:
            known = self.fans.get((name.creator_id, name.fan_id))
            if known is None or known.seen_at < name.seen_at:
                self.fans[(name.creator_id, name.fan_id)] = name

    async def save_subscriptions(self, periods: Sequence[SubscriptionPeriod]) -> None:
        for p in periods:
            key = (p.creator_id, p.fan_id, p.started_at)
            self.periods[key] = merge_period(self.periods.get(key), p)

    # erasure --------------------------------------------------------------------------------------
    async def erased_among(self, fan_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        return {f for f in fan_ids if f in self.erased_fans}

    async def erase_fan(self, erased: ErasedFan, *, now: datetime) -> None:
        self.erased_fans.setdefault(erased.fan_id, erased)
        self.applications[erased.fan_id] = self.applications.get(erased.fan_id, 0) + 1
        self.fans.pop((erased.creator_id, erased.fan_id), None)

    async def erased(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> ErasedFan | None:
        found = self.erased_fans.get(fan_id)
        return found if found is not None and found.creator_id == creator_id else None

    async def fan_records(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID
    ) -> tuple[FanName | None, list[Fact], list[SubscriptionPeriod]]:
        facts = [f for f in self.facts.values() if f.creator_id == creator_id and f.fan_id == fan_id]
        periods = [p for p in self.periods.values() if p.creator_id == creator_id and p.fan_id == fan_id]
        return (
            self.fans.get((creator_id, fan_id)),
            sorted(facts, key=lambda f: (f.occurred_at, f.transaction_id)),
            sorted(periods, key=lambda p: p.started_at),
        )

    # reports --------------------------------------------------------------------------------------
    def _in(self, creator_id: uuid.UUID, currency: str, window: Window) -> list[Fact]:
        return [
            f
            for f in self.facts.values()
            if f.creator_id == creator_id and f.currency == currency and window.start <= f.occurred_at < window.end
        ]

    async def revenue_by_bucket(
        self, creator_id: uuid.UUID, currency: str, grid: Sequence[datetime], window: Window
    ) -> list[LineTotal]:
        sums: dict[tuple[int, str], Amount] = defaultdict(lambda: ZERO)
        for f in self._in(creator_id, currency, window):
            sums[(bisect_right(grid, f.occurred_at) - 1, f.line)] += f.amount
        return [LineTotal(bucket, line, amount) for (bucket, line), amount in sums.items()]  # type: ignore[arg-type]

    async def period_figures(
        self, creator_id: uuid.UUID, currency: str, windows: Sequence[Window]
    ) -> list[PeriodFigures]:
        out = []
        for window in windows:
            facts = self._in(creator_id, currency, window)
            out.append(
                PeriodFigures(
                    gross_cents=sum(f.gross_cents for f in facts),
                    net_cents=sum(f.net_cents for f in facts),
                    transactions=len(facts),
                    paying_fans=len({f.fan_id for f in facts if f.is_sale}),
                )
            )
        return out

    async def top_fans(self, creator_id: uuid.UUID, currency: str, window: Window, limit: int) -> list[FanSpend]:
        spend: dict[uuid.UUID, Amount] = defaultdict(lambda: ZERO)
        for f in self._in(creator_id, currency, window):
            spend[f.fan_id] += f.amount
        ranked = sorted(
            ((fan, a) for fan, a in spend.items() if a.net_cents > 0),
            key=lambda item: (-item[1].net_cents, -item[1].gross_cents, item[0]),
        )[:limit]
        out = []
        for fan_id, amount in ranked:
            name = self.fans.get((creator_id, fan_id))
            out.append(
                FanSpend(fan_id, name.display_name if name else None, name.external_id if name else None, amount)
            )
        return out

    async def sales_by_bucket(
        self, creator_id: uuid.UUID, currency: str, grid: Sequence[datetime], window: Window
    ) -> list[BucketTotal]:
        sums: dict[int, Amount] = defaultdict(lambda: ZERO)
        for f in self._in(creator_id, currency, window):
            if f.is_sale:
                sums[bisect_right(grid, f.occurred_at) - 1] += f.amount
        return [BucketTotal(bucket, amount) for bucket, amount in sums.items()]

    async def subscription_intervals(self, creator_id: uuid.UUID) -> list[Interval]:
        return [
            Interval(p.fan_id, p.started_at, p.expires_at, p.ended_at)
            for p in self.periods.values()
            if p.creator_id == creator_id
        ]
