"""Use cases of the media ROI (what sells, to whom, at which price): the read models and the report.

Flow (each arrow is one transaction; offsets are committed after it)::

    media.uploaded / media.updated ─► media_items          (highest revision wins; any order)
    ppv.offered / ppv.unlocked     ─► media_offers         (media ids; the unlock's transaction id)
                                      (+ chatter_offers, kept by the chatters' consumers: fan, price, times)
    transaction.recorded           ─► media_offer_reversals (refunds and chargebacks naming an offer)
                                      (+ transactions, kept by the revenue consumer: every amount)
    fan.segment_changed            ─► fan_segment_changes   (the history; not stored for an erased fan)
    fan.erased                     ─► segments frozen onto the fan's offers, the fan's history deleted

The report joins them when asked (:mod:`.media_roi` defines every figure), so the order the topics
arrive in changes nothing: a description, a segment change or a refund applied after the offer counts
as soon as it is applied. Every write is idempotent by key; a redelivery adds nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from huntaze_events import (
    REVERSAL_TYPES,
    Envelope,
    FanSegmentChanged,
    MediaUpdated,
    MediaUploaded,
    PpvOffered,
    PpvUnlocked,
    TransactionRecorded,
)
from huntaze_service import UnitOfWork

from .media_roi import MediaOfferRecord, MediaRecord, MediaReport, OfferReversal, Position, SegmentChange, media_report
from .ports import AnalyticsRepository
from .reports import Window

Uow = UnitOfWork[AnalyticsRepository]


async def record_media(uow: Uow, events: Sequence[Envelope[MediaUploaded] | Envelope[MediaUpdated]]) -> None:
    records = []
    for e in events:
        p = e.payload
        revision, deleted = (p.revision, p.deleted) if isinstance(p, MediaUpdated) else (0, False)
        records.append(MediaRecord(e.creator_id, p.media_id, p.kind, p.title, tuple(p.tags), deleted, revision))
    await uow.repo.save_media(records)


async def record_offers(uow: Uow, events: Sequence[Envelope[PpvOffered] | Envelope[PpvUnlocked]]) -> None:
    await uow.repo.save_media_offers(
        [
            MediaOfferRecord(
                e.creator_id,
                e.payload.offer_id,
                tuple(e.payload.media_ids),
                e.payload.transaction_id if isinstance(e.payload, PpvUnlocked) else None,
            )
            for e in events
        ]
    )


def offer_named(ref_kind: str | None, ref_id: str | None) -> uuid.UUID | None:
    """The offer a transaction's ref names (kind ``message`` with one of the inbox's offer ids)."""
    if ref_kind != "message" or ref_id is None:
        return None
    try:
        return uuid.UUID(ref_id)
    except ValueError:
        return None  # a paid message sent outside Huntaze


async def record_reversals(uow: Uow, events: Sequence[Envelope[TransactionRecorded]]) -> None:
    """Keeps which offer each refund or chargeback reverses (its amounts are in ``transactions``)."""
    found = []
    for e in events:
        p = e.payload
        offer_id = offer_named(p.ref.kind, p.ref.id) if p.ref else None
        if p.type in REVERSAL_TYPES and offer_id is not None:
            found.append(OfferReversal(e.creator_id, p.transaction_id, offer_id))
    await uow.repo.add_offer_reversals(found)


async def record_segments(uow: Uow, events: Sequence[Envelope[FanSegmentChanged]]) -> None:
    """Keeps each fan's segment history (none for an erased fan: the fan's write lock is taken first)."""
    erased = await uow.repo.erased_among(sorted({e.payload.fan_id for e in events}))
    await uow.repo.add_segment_changes(
        [
            SegmentChange(e.creator_id, p.fan_id, p.segment, p.change, p.at, p.segment_name)
            for e in events
            for p in (e.payload,)
            if p.fan_id not in erased
        ]
    )


async def forget_fan(uow: Uow, creator_id: uuid.UUID, fan_id: uuid.UUID) -> None:
    """Erasure's part here: the fan's segment history goes, its offers keep the segments they had."""
    await uow.repo.forget_fan_segments(creator_id, fan_id)


async def report(
    uow: Uow, creator_id: uuid.UUID, window: Window, currency: str | None, after: Position | None, limit: int
) -> MediaReport:
    groups = await uow.repo.offer_groups(creator_id, window.start, window.end, currency)
    ids = sorted({m for g in groups for m in g.media_ids})
    media = await uow.repo.media_infos(creator_id, ids) if ids else {}
    names = await uow.repo.segment_names(creator_id) if any(g.segments for g in groups) else {}
    return media_report(groups, media, names, after=after, limit=limit)
