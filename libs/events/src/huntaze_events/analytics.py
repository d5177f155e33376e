"""Events produced by the analytics service."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from .envelope import EventPayload
from .registry import event

MAX_WEEK_MOVERS = 10


class WeekMover(EventPayload):
    """One source, segment, post, link, media item or chatter, and its revenue this week and the week before
    (integer minor units of the summary's currency)."""

    ref: str = Field(
        max_length=64,
        description="What it is: the source (`subscription`, `ppv`, `tip`…), the segment, or the id of the post, "
        "link, media item or chatter (user id).",
    )
    label: str = Field(
        min_length=1, max_length=100, description="What people call it (a caption excerpt, a link's name): untrusted."
    )
    revenue_cents: int
    previous_revenue_cents: int
    change_cents: int = Field(description="revenue_cents − previous_revenue_cents.")


@event("week.summarized", version=1, producer="analytics", key="summary_key")
class WeekSummarized(EventPayload):
    """A creator's last 7 days against the 7 before, as the analytics read models saw them: the only
    numbers the ai's weekly review may state. Produced by analytics' weekly durable timer (once per creator
    and period; a repeat after a crash carries the same ``summary_key``). Consumers: ai (writes the weekly
    insight), analysts."""

    summary_key: str = Field(max_length=120, description="`<creator>:<period_start>`: one summary per period.")
    period_start: date = Field(description="First day (UTC) of the 7 days.")
    period_end: date = Field(description="Last day (UTC) of the 7 days.")
    starts_at: AwareDatetime
    ends_at: AwareDatetime = Field(description="Exclusive.")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="The creator's main currency (most revenue).")
    revenue_cents: int = Field(description="Net revenue of the 7 days (sales less refunds and chargebacks).")
    previous_revenue_cents: int
    change_cents: int
    change_pct: float | None = Field(
        default=None, allow_inf_nan=False, description="Week on week, 1 decimal half-up; null when nothing before."
    )
    by_source: list[WeekMover] = Field(default_factory=list, max_length=MAX_WEEK_MOVERS)
    by_segment: list[WeekMover] = Field(default_factory=list, max_length=MAX_WEEK_MOVERS)
    top_posts: list[WeekMover] = Field(default_factory=list, max_length=MAX_WEEK_MOVERS)
    top_links: list[WeekMover] = Field(default_factory=list, max_length=MAX_WEEK_MOVERS)
    top_media: list[WeekMover] = Field(default_factory=list, max_length=MAX_WEEK_MOVERS)
    chatters: list[WeekMover] = Field(default_factory=list, max_length=MAX_WEEK_MOVERS)
    new_subscribers: int = Field(ge=0)
    churned_subscribers: int = Field(ge=0)
    other_currencies: list[str] = Field(
        default_factory=list, max_length=20, description="Currencies with revenue left out of this summary."
    )
