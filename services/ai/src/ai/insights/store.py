"""What the weekly insights need from storage (the SQL adapter :mod:`ai.adapters.insights_sql` and the
unit tests' fake implement it).

One row per creator and week (``period_start``): the facts when ``week.summarized`` arrives, the text
once, when the ``write_insight`` call's outcome is recorded. Nothing of fans is stored: the facts'
labels name revenue sources, fan segments, posts, links, media items and chatters (staff), never a
fan, so a fan's erasure has nothing to remove here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol

from .facts import WeeklyFacts

Source = Literal["model", "offline", "template"]
Fallback = Literal["ungrounded", "empty", "unavailable"]


@dataclass(frozen=True)
class InsightRecord:
    """The text stored for a week, and how it came to be."""

    text: str
    source: Source
    """``model``: the model's text; ``offline``: the offline writer's (no model configured);
    ``template``: the writer's text was refused (or never came) and the template's was stored."""
    grounded: bool
    """The writer's own text passed the grounding check (and is the text). Every stored text passes
    it; False says the template stands in for the writer's."""
    fallback: Fallback | None
    """Why the template was stored: the writer's text stated numbers not in the facts (``ungrounded``),
    was blank (``empty``), or the call failed after its retries (``unavailable``)."""
    refused: tuple[str, ...]
    """The numbers of the writer's text that no fact supports, as written."""
    provider: str
    model: str | None


@dataclass(frozen=True)
class StoredInsight:
    facts: WeeklyFacts
    summarized_at: datetime
    record: InsightRecord | None
    """None while the text is being written."""
    written_at: datetime | None


@dataclass(frozen=True)
class InsightWeek:
    period_start: date
    period_end: date
    written: bool
    source: Source | None


class InsightRepository(Protocol):
    async def add_insight_facts(self, facts: WeeklyFacts, now: datetime) -> bool:
        """Keeps a week's facts; False (nothing changed) when the week is already known."""
        ...

    async def save_insight(self, creator_id: uuid.UUID, period_start: date, record: InsightRecord,
                           now: datetime) -> bool:  # fmt: skip
        """Stores the week's text; False (nothing changed) when it has one already."""
        ...

    async def insight(self, creator_id: uuid.UUID, period_start: date) -> StoredInsight | None: ...

    async def latest_insight(self, creator_id: uuid.UUID) -> StoredInsight | None:
        """The most recent week whose text is written."""
        ...

    async def insight_weeks(self, creator_id: uuid.UUID, limit: int) -> list[InsightWeek]:
        """The creator's weeks, newest first."""
        ...
