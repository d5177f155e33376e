"""``GET /v1/ai/insights``: the creator's weekly review, as stored when analytics summarized the week
(:mod:`.records`), with the facts it was written from; ``GET /v1/ai/insights/weeks``: the weeks kept.

Every number of a returned text is one of its facts' (the grounding check held it before it was
stored, and holds it again before it is returned: a text stored under an older, looser rule gives way
to the template). ``source`` says who wrote it: the model, the offline writer (no model configured), or the
template standing in for a model's text that stated a number not in the facts (``refused_numbers``)
or for a call that failed (``fallback``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from huntaze_service import CreatorId, RuntimeDep
from huntaze_service.http import ApiError

from .facts import WeeklyFacts
from .grounding import check, ground_or_fallback
from .store import Fallback, Source, StoredInsight

router = APIRouter(prefix="/v1/ai", tags=["ai"])


class InsightOut(BaseModel):
    period: Literal["week"]
    period_start: date
    period_end: date = Field(description="The last day of the 7 (inclusive).")
    currency: str
    text: str = Field(description="The review: what changed, why, what to do next (plain text, English).")
    source: Source = Field(
        description="`model`, `offline` (no model configured) or `template` (the model's text was refused, or "
        "its call failed)."
    )
    grounded: bool = Field(description="The writer's own text passed the check and is the text; every text does.")
    fallback: Fallback | None = Field(description="Why the template was stored, when it was.")
    refused_numbers: list[str] = Field(description="The numbers of the model's text no fact supports, as written.")
    provider: str
    model: str | None
    facts: WeeklyFacts = Field(description="The figures the text was written from (money in minor units).")
    summarized_at: datetime
    written_at: datetime


class WeekOut(BaseModel):
    period_start: date
    period_end: date
    written: bool = Field(description="False while the review is being written.")
    source: Source | None


class WeeksOut(BaseModel):
    period: Literal["week"]
    items: list[WeekOut] = Field(description="Newest first; read one with `GET /v1/ai/insights?start=`.")


def _out(found: StoredInsight) -> InsightOut:
    record, facts = found.record, found.facts
    assert record is not None and found.written_at is not None
    if not check(record.text, facts).ok:  # checked again on the way out: a rule tightened since it was stored
        text, _, refused = ground_or_fallback(record.text, facts)
        record = replace(record, text=text, source="template", grounded=False, fallback="ungrounded",
                         refused=tuple(refused))  # fmt: skip
    return InsightOut(
        period="week", period_start=facts.period_start, period_end=facts.period_end, currency=facts.currency,
        text=record.text, source=record.source, grounded=record.grounded, fallback=record.fallback,
        refused_numbers=list(record.refused), provider=record.provider, model=record.model, facts=facts,
        summarized_at=found.summarized_at, written_at=found.written_at,
    )  # fmt: skip


@router.get("/insights", response_model=InsightOut)
async def insight(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    period: Annotated[Literal["week"], Query(description="Only weekly reviews are written.")] = "week",
    start: Annotated[
        date | None, Query(description="The first day (YYYY-MM-DD) of the week; default: the latest written.")
    ] = None,
) -> InsightOut:
    async with runtime.uow() as uow:
        found = await (uow.repo.latest_insight(creator_id) if start is None else uow.repo.insight(creator_id, start))
    if found is None:
        what = "no weekly review yet" if start is None else f"no weekly review for the week starting {start}"
        raise ApiError(404, f"{what} (reviews are written from analytics' weekly summaries)", "not_found")
    if found.record is None:
        raise ApiError(404, f"the review of the week starting {start} is being written; try again shortly",
                       "not_found")  # fmt: skip
    return _out(found)


@router.get("/insights/weeks", response_model=WeeksOut)
async def insight_weeks(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    period: Annotated[Literal["week"], Query()] = "week",
    limit: Annotated[int, Query(ge=1, le=520)] = 52,
) -> WeeksOut:
    async with runtime.uow() as uow:
        weeks = await uow.repo.insight_weeks(creator_id, limit)
    items = [WeekOut(period_start=w.period_start, period_end=w.period_end, written=w.written, source=w.source)
             for w in weeks]  # fmt: skip
    return WeeksOut(period="week", items=items)
