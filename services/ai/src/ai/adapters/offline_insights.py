"""The weekly review without a model: the template's (:mod:`ai.insights.template`).

Why the template itself rather than a second, differently worded writer: the template is the one
writer proven to state only numbers the facts allow, for any facts (its property test); a second
rule-based wording would need the same proof and would tell the creator nothing more. What tells the
two apart is the record: ``source`` is ``offline`` (no model configured: the template is the writer)
rather than ``template`` (a model's text was refused, or the call failed, and the template stood in).
"""

from __future__ import annotations

from ..insights.facts import WeeklyFacts
from ..insights.records import InsightWritten
from ..insights.template import write_weekly_review


class OfflineInsights:
    """The review writer without a model: deterministic, from the facts only."""

    name = "offline"

    async def review(self, facts: WeeklyFacts) -> InsightWritten:
        return InsightWritten(write_weekly_review(facts), provider=self.name, model=None, source="offline")
