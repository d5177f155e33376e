"""A fan's personal data in analytics: erased on ``fan.erased``, exported on request.

What analytics holds about a fan: ``fans`` (their OnlyFans id and name, shown with the top fans),
``transactions`` (one fact per sale, refund or chargeback: amounts, type, time, under the fan id)
and ``subscriptions`` (periods, under the fan id). Erasure deletes the name row in one transaction
and records the fan in ``erased_fans``, the tombstone; facts and subscription periods stay, keyed
by the pseudonymous fan id, so every report (revenue, summary, sales hours, retention, paying fans)
is unchanged to the cent — the top fans list shows the fan without a name. Afterwards an event
about the fan (a new sale, a renewal, a replay of an old one) still counts its money, and its name
is not stored.

Media ROI (:mod:`.media`) keeps each fan's segment history (``fan_segment_changes``) to know whom an
offer was made to: erasure freezes the segments of the fan's known offers onto those offers
(``media_offer_segments``, no fan id) and deletes the history, so the media report is unchanged and
no timeline of the fan's segments remains; later segment changes of the fan are not stored.

Writers of names and erasure meet on an advisory lock per fan (shared for writers, exclusive for
erasure), taken before the tombstone is read: a name written in flight is deleted with the rest, a
later one sees the tombstone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from huntaze_events import Envelope, FanErased
from huntaze_service import UnitOfWork
from huntaze_service.tombstones import erased_fan_of

from .domain import Fact, FanName, SubscriptionPeriod
from .media_roi import SegmentChange
from .ports import AnalyticsRepository

Uow = UnitOfWork[AnalyticsRepository]


@dataclass(frozen=True)
class PersonalData:
    fan_id: uuid.UUID
    erased_at: datetime | None
    name: FanName | None
    transactions: list[Fact]
    subscriptions: list[SubscriptionPeriod]
    segment_changes: list[SegmentChange] = field(default_factory=list)


async def erase_fan(uow: Uow, event: Envelope[FanErased]) -> None:
    """Deletes the fan's name and records the tombstone; the money stays. The fan's segment history
    (media ROI) goes too: its offers keep the segments they were made to (:mod:`.media`)."""
    erased = erased_fan_of(event)
    await uow.repo.erase_fan(erased, now=uow.now())
    await uow.repo.forget_fan_segments(erased.creator_id, erased.fan_id)


async def without_erased(uow: Uow, names: list[FanName]) -> list[FanName]:
    """The names whose fans are not erased (takes the fans' write lock first)."""
    erased = await uow.repo.erased_among(sorted({n.fan_id for n in names}))
    return [n for n in names if n.fan_id not in erased]


async def personal_data(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID) -> PersonalData:
    erased = await uow.repo.erased(creator_id, fan_id)
    name, facts, periods = await uow.repo.fan_records(creator_id, fan_id)
    changes = await uow.repo.fan_segment_changes(creator_id, fan_id)
    return PersonalData(fan_id, None if erased is None else erased.erased_at, name, facts, periods, changes)
