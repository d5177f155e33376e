"""The weekly summary's use cases: the creator's recurring timer, and its firing (``week.summarized``).

Flow (each arrow is one transaction)::

    transaction.recorded (the ``revenue`` consumer) ─► weekly_schedules row + timer ``weekly_summary``
                                                       (the creator's first revenue event only)
    post.scheduled (``weekly_post_captions``)       ─► post_captions (how a summary names a post)
    timer weekly_summary (first ``ANALYTICS_WEEKLY_FIRST_S`` after, then Mondays 06:00 UTC)
                         ─► weekly_summaries row + ``week.summarized`` (same transaction)

A firing summarises the 7 days before its due time (the figures: :mod:`.weekly`) from the read
models as they are then. The timer's due time, not the clock, names the week, so a firing retried
after a crash (rolled back with its timer row: the worker fires it again) summarises the same week
and, the row being keyed by (creator, period start), emits once. A week in which neither it nor the
week before had a transaction is skipped (nothing to review; nothing recorded, so a retry decides
again). Facts that arrive after the firing are in the reports, not in that week's summary.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from huntaze_events import Envelope, PostScheduled, WeekSummarized
from huntaze_service import Recurrence, UnitOfWork

from .media_roi import media_report
from .ports import AnalyticsRepository
from .weekly import (
    Figure,
    PostCaption,
    WeekFacts,
    Weeks,
    main_currency,
    subscriber_counts,
    summarize,
    weeks_before,
)

Uow = UnitOfWork[AnalyticsRepository]

WEEKLY = "weekly_summary"
WEEKLY_EVERY = Recurrence.weekly("MO", 6)
"""Mondays 06:00 UTC: the week up to then, a few hours after midnight for late facts to land."""


async def ensure_weekly(uow: Uow, creator_ids: Iterable[uuid.UUID], first_after: timedelta) -> None:
    """Sets each creator's weekly timer the first time revenue arrives for them (idempotent: the
    ``weekly_schedules`` row says it is set; setting it again would move it)."""
    now = uow.now()
    at = (now + first_after).replace(microsecond=0)
    for creator_id in sorted(await uow.repo.start_weekly(sorted(set(creator_ids)), now)):
        uow.schedule(WEEKLY, key=str(creator_id), at=at, tenant=creator_id, every=WEEKLY_EVERY)


async def record_captions(uow: Uow, events: Sequence[Envelope[PostScheduled]]) -> None:
    await uow.repo.save_captions(
        [PostCaption(e.creator_id, e.payload.post_id, e.payload.caption_excerpt, e.payload.revision) for e in events]
    )


async def _media(uow: Uow, creator_id: uuid.UUID, currency: str, weeks: Weeks) -> tuple[list[Figure], dict[str, str]]:
    """Media ROI per item (its report's definition: offers sent in the week, their revenue)."""
    nets: dict[str, list[int]] = {}
    for i, window in enumerate((weeks.current, weeks.previous)):
        groups = await uow.repo.offer_groups(creator_id, window.start, window.end, currency)
        for row in media_report(groups, {}, {}).items:
            nets.setdefault(str(row.media_id), [0, 0])[i] += row.figures.net_cents
    infos = await uow.repo.media_infos(creator_id, [uuid.UUID(m) for m in sorted(nets)]) if nets else {}
    return [Figure(m, cur, prev) for m, (cur, prev) in nets.items()], {str(k): v.title for k, v in infos.items()}


async def _chatters(uow: Uow, creator_id: uuid.UUID, currency: str, weeks: Weeks) -> list[Figure]:
    """Each person's ledger lines (the chatters report's revenue) in each week."""
    current = await uow.repo.revenue_figures(creator_id, currency, weeks.current)
    previous = await uow.repo.revenue_figures(creator_id, currency, weeks.previous)
    return [Figure(str(r.chatter_id), r.net_cents, 0) for r in current] + [
        Figure(str(r.chatter_id), 0, r.net_cents) for r in previous
    ]


async def week_facts(uow: Uow, creator_id: uuid.UUID, weeks: Weeks) -> WeekFacts | None:
    """Everything the summary is made of, from the read models; None when both weeks are empty."""
    chosen = main_currency(await uow.repo.week_currencies(creator_id, weeks))
    if chosen is None:
        return None
    currency, others = chosen
    by_segment = await uow.repo.week_by_segment(creator_id, currency, weeks)
    names = await uow.repo.segment_names(creator_id) if by_segment else {}
    media, titles = await _media(uow, creator_id, currency, weeks)
    posts = await uow.repo.week_by_conversion(creator_id, currency, weeks, "post")
    captions = await uow.repo.post_captions(creator_id, [f.ref for f in posts]) if posts else {}
    new, churned = subscriber_counts(await uow.repo.subscription_intervals(creator_id), weeks.current)
    return WeekFacts(
        creator_id=creator_id,
        weeks=weeks,
        currency=currency,
        other_currencies=others,
        by_line=await uow.repo.week_by_line(creator_id, currency, weeks),
        by_segment=by_segment,
        segment_names=names,
        posts=posts,
        post_captions=captions,
        links=await uow.repo.week_by_conversion(creator_id, currency, weeks, "link"),
        media=media,
        media_titles=titles,
        chatters=await _chatters(uow, creator_id, currency, weeks),
        new_subscribers=new,
        churned_subscribers=churned,
    )


async def fire(uow: Uow, creator_id: uuid.UUID, due: datetime) -> WeekSummarized | None:
    """Summarises the week before ``due`` and emits it, once per (creator, period start); returns the
    summary emitted (None: already summarised, or nothing in either week)."""
    weeks = weeks_before(due)
    facts = await week_facts(uow, creator_id, weeks)
    if facts is None:
        return None
    summary = summarize(facts)
    revenue = (summary.revenue_cents, summary.previous_revenue_cents)
    if not await uow.repo.save_week(creator_id, summary.summary_key, weeks, summary.currency, revenue, uow.now()):
        return None
    uow.emit(summary, creator_id=creator_id)
    return summary
