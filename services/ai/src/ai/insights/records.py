"""The weekly insight (``week.summarized`` → a stored review): facts kept, a call recorded, the text
grounded and stored once.

The consumer of ``week.summarized`` turns the summary into :class:`~ai.insights.facts.WeeklyFacts`
and keeps them for (creator, period start); the first time only, it records a ``write_insight`` call
with them, in the same transaction. A worker asks the review writer (the remote model, or the offline
one) outside any transaction; in a second transaction the text is held to the facts
(:func:`~ai.insights.grounding.ground_or_fallback`) and stored — once: a repeated summary finds the
week known and records nothing, a call made again after a worker died finds the text stored and
changes nothing. A text stating a number the facts do not support is never stored: the template's
review is, with the numbers refused. A call that fails after its retries stores the template too, so
every summarized week gets a review.

The first summary of a week wins: a later one with other figures (analytics summarizing again) is
ignored, so the text and the facts it was written from never disagree.

Nothing of fans is kept (see :mod:`.store`): no fan erasure applies here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from huntaze_events import Envelope, WeekMover, WeekSummarized
from huntaze_service import Call, UnitOfWork

from ..ports import AiRepository
from .facts import MAX_LABEL, Mover, WeeklyFacts, normalise, pct_change
from .grounding import ground_or_fallback
from .store import InsightRecord

Uow = UnitOfWork[AiRepository]
WRITE_INSIGHT = "write_insight"
UNNAMED = "unnamed"
"""The label of a mover whose label is blank once normalised (the facts need one)."""


@dataclass(frozen=True)
class InsightWritten:
    text: str
    provider: str
    model: str | None = None
    source: Literal["model", "offline"] = "model"


@runtime_checkable
class InsightWriter(Protocol):
    """Port: writes a weekly review from the facts only. Raises ``CallFailed`` when it cannot."""

    name: str

    async def review(self, facts: WeeklyFacts) -> InsightWritten: ...


def _label(label: str) -> str:
    return " ".join(normalise(label).split())[:MAX_LABEL].strip() or UNNAMED


def _movers(movers: list[WeekMover]) -> tuple[Mover, ...]:
    return tuple(
        Mover(
            label=_label(m.label),
            revenue_cents=m.revenue_cents,
            previous_revenue_cents=m.previous_revenue_cents,
            change_cents=m.revenue_cents - m.previous_revenue_cents,
        )
        for m in movers
    )


def facts_of(creator_id: uuid.UUID, week: WeekSummarized) -> WeeklyFacts:
    """The summary as facts. The derived figures (each change, the percentage) are computed again from
    the revenues by the facts' own rules, so a producer's rounding cannot make a week unreadable; the
    revenues and counts are the producer's."""
    return WeeklyFacts(
        creator_id=creator_id,
        period_start=week.period_start,
        period_end=week.period_end,
        currency=week.currency,
        revenue_cents=week.revenue_cents,
        previous_revenue_cents=week.previous_revenue_cents,
        change_cents=week.revenue_cents - week.previous_revenue_cents,
        change_pct=pct_change(week.revenue_cents, week.previous_revenue_cents),
        by_source=_movers(week.by_source),
        by_segment=_movers(week.by_segment),
        top_posts=_movers(week.top_posts),
        top_links=_movers(week.top_links),
        top_media=_movers(week.top_media),
        chatters=_movers(week.chatters),
        new_subscribers=week.new_subscribers,
        churned_subscribers=week.churned_subscribers,
    )


def call_key(facts: WeeklyFacts) -> str:
    return f"{facts.creator_id}:{facts.period_start.isoformat()}"


async def summarize_week(uow: Uow, event: Envelope[WeekSummarized]) -> None:
    """Keeps the week's facts and records the ``write_insight`` call (once per creator and week)."""
    facts = facts_of(event.creator_id, event.payload)
    if await uow.repo.add_insight_facts(facts, uow.now()):
        uow.call(WRITE_INSIGHT, key=call_key(facts), payload=facts, cause=event)


def grounded_record(written: InsightWritten, facts: WeeklyFacts) -> InsightRecord:
    """The writer's text when every number in it is a fact's, else the template's (pure)."""
    text, kept, refused = ground_or_fallback(written.text, facts)
    if kept == "model":
        return InsightRecord(text, written.source, True, None, (), written.provider[:40], written.model)
    reason: Literal["ungrounded", "empty"] = "ungrounded" if refused else "empty"
    return InsightRecord(text, "template", False, reason, tuple(refused), written.provider[:40], written.model)


async def record_insight(uow: Uow, call: Call[WeeklyFacts], written: InsightWritten) -> None:
    """Grounds the writer's text and stores it (nothing when the week has its text already)."""
    facts = call.payload
    await uow.repo.save_insight(facts.creator_id, facts.period_start, grounded_record(written, facts), uow.now())


async def insight_failed(uow: Uow, call: Call[WeeklyFacts], error: str) -> None:
    """The writer failed for good (after its retries, or refused): the template's review is stored."""
    facts = call.payload
    text, _, _ = ground_or_fallback("", facts)  # the template's review, checked like any text
    record = InsightRecord(text, "template", False, "unavailable", (), "template", None)
    await uow.repo.save_insight(facts.creator_id, facts.period_start, record, uow.now())
