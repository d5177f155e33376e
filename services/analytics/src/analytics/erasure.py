"""A fan's personal data in analytics: erased on ``fan.erased``, exported on request.

What analytics holds about a fan: ``fans`` (their OnlyFans id and name, shown with the top fans),
``transactions`` (one fact per sale, refund or chargeback: amounts, type, time, under the fan id)
and ``subscriptions`` (periods, under the fan id). Erasure deletes the name row in one transaction
and records the fan in ``erased_fans``, the tombstone; facts and subscription periods stay, keyed
by the pseudonymous fan id, so every report (revenue, summary, sales hours, retention, paying fans)
is unchanged to the cent — the top fans list shows the fan without a name. Afterwards an event
about the fan (a new sale, a renewal, a replay of an old one) still counts its money, and its name
is not stored.

Writers of names and erasure meet on an advisory lock per fan (shared for writers, exclusive for
erasure), taken before the tombstone is read: a name written in flight is deleted with the rest, a
later one sees the tombstone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from huntaze_events import Envelope, FanErased
from huntaze_service import UnitOfWork
from huntaze_service.tombstones import erased_fan_of

from .domain import Fact, FanName, SubscriptionPeriod
from .ports import AnalyticsRepository

Uow = UnitOfWork[AnalyticsRepository]


@dataclass(frozen=True)
class PersonalData:
    fan_id: uuid.UUID
    erased_at: datetime | None
    name: FanName | None
    transactions: list[Fact]
    subscriptions: list[SubscriptionPeriod]


async def erase_fan(uow: Uow, event: Envelope[FanErased]) -> None:
    """Deletes the fan's name and records the tombstone; the money stays."""
    await uow.repo.erase_fan(erased_fan_of(event), now=uow.now())


async def without_erased(uow: Uow, names: list[FanName]) -> list[FanName]:
    """The names whose fans are not erased (takes the fans' write lock first)."""
    erased = await uow.repo.erased_among(sorted({n.fan_id for n in names}))
    return [n for n in names if n.fan_id not in erased]


async def personal_data(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID) -> PersonalData:
    erased = await uow.repo.erased(creator_id, fan_id)
    name, facts, periods = await uow.repo.fan_records(creator_id, fan_id)
    return PersonalData(fan_id, None if erased is None else erased.erased_at, name, facts, periods)
