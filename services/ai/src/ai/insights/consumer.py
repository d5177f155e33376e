"""The weekly insight's consumer and call (:mod:`.records`), registered on the ai's subscriptions."""

from __future__ import annotations

from huntaze_events import Envelope, WeekSummarized
from huntaze_service import Call, RetryPolicy, Subscriptions

from ..adapters.offline_insights import OfflineInsights
from . import records
from .facts import WeeklyFacts
from .records import InsightWriter, InsightWritten


def subscribe(subs: Subscriptions, writer: InsightWriter | None, *, timeout_s: float, attempts: int) -> None:
    review_writer: InsightWriter = writer or OfflineInsights()

    @subs.on(WeekSummarized, name="insights_weeks")
    async def insights_weeks(uow: records.Uow, event: Envelope[WeekSummarized]) -> None:
        """A creator's week summarized by analytics: its facts kept and the review's writing call
        recorded (once per creator and week)."""
        await records.summarize_week(uow, event)

    async def write(call: Call[WeeklyFacts]) -> InsightWritten:
        """Asks the review writer (the remote model, or offline) for the week's review."""
        return await review_writer.review(call.payload)

    subs.call(
        records.WRITE_INSIGHT,
        WeeklyFacts,
        remote=write,
        on_result=records.record_insight,
        on_failure=records.insight_failed,
        timeout_s=timeout_s,
        retry=RetryPolicy(max_attempts=attempts, initial_backoff_s=1.0, max_backoff_s=60.0),
        description="Writes the weekly review from the week's facts; stored once per creator and week, "
        "the template's when a number in the text is not a fact's or the call fails for good.",
    )
