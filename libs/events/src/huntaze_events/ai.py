"""Events produced by the ai service."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, Field

from .envelope import EventPayload
from .inbox import MAX_MESSAGE_CHARS
from .registry import event


@event("reply.drafted", version=1, producer="ai", key="conversation_id")
class ReplyDrafted(EventPayload):
    """The AI drafted a reply to a fan's message. It waits for a person's approval; never sent as is."""

    draft_id: uuid.UUID
    conversation_id: uuid.UUID
    in_reply_to_message_id: uuid.UUID
    fan_id: uuid.UUID
    text: str = Field(max_length=MAX_MESSAGE_CHARS)
    provider: str = Field(max_length=32, description="`offline`, `openai` or `azure-openai`.")
    model: str | None = Field(default=None, max_length=100)
    review: tuple[str, ...] = Field(
        default=(),
        max_length=8,
        description="Why a person must read the fan's message before any reply goes out (its text tried to "
        "steer the AI): `instructions`, `system_roleplay`, `personal_data`, `off_platform_payment`. Empty: "
        "ordinary. A draft with reasons is `needs_review` and is never sent without a person.",
    )
    supersedes: uuid.UUID | None = Field(
        default=None, description="Set when a person asked for another draft: the draft this one replaces."
    )


@event("automation.text_written", version=1, producer="ai", key="conversation_id")
class AutomationTextWritten(EventPayload):
    """The AI wrote an automation's message (answer to ``automation.text_requested``). The inbox
    sends it on autopilot only when ``review`` is empty and its bounds allow; otherwise a person
    approves it."""

    run_id: uuid.UUID
    draft_id: uuid.UUID
    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    automation: str = Field(max_length=16)
    text: str = Field(max_length=MAX_MESSAGE_CHARS)
    provider: str = Field(max_length=32)
    model: str | None = Field(default=None, max_length=100)
    review: tuple[str, ...] = Field(
        default=(),
        max_length=8,
        description="Why a person must read it first: the fan's latest message tried to steer the AI "
        "(same reasons as `reply.drafted`). Empty: ordinary.",
    )


class Idea(EventPayload):
    """One content idea, with the facts of the creator's own data it starts from."""

    title: str = Field(max_length=200)
    body: str = Field(max_length=2000)
    hashtags: list[str] = Field(default_factory=list, max_length=30)
    grounded_on: list[str] = Field(
        default_factory=list, max_length=10, description="The facts it uses, in words (best-selling theme, hour…)."
    )


@event("ideas.generated", version=1, producer="ai", key="request_id")
class IdeasGenerated(EventPayload):
    """The answer to ``ideas.requested``: once per request."""

    request_id: uuid.UUID
    target: Literal["onlyfans", "instagram", "tiktok", "x", "reddit"]
    ideas: list[Idea] = Field(max_length=20)
    provider: str = Field(max_length=40)
    model: str | None = Field(default=None, max_length=100)


@event("reply.withheld", version=1, producer="ai", key="conversation_id")
class ReplyWithheld(EventPayload):
    """The AI did not write a draft for a fan's message (or a regeneration) because the organisation's
    plan allows no more AI texts this month.

    The message stays in the inbox for a person to answer;
    drafting resumes for new messages once the plan allows it."""

    conversation_id: uuid.UUID
    in_reply_to_message_id: uuid.UUID
    fan_id: uuid.UUID
    reason: Literal["quota_reached"]
    limit: int = Field(ge=0, description="The month's allowance that was reached.")
    plan: str = Field(max_length=64, description="The plan's name.")
    upgrade_to: str | None = Field(default=None, max_length=64, description="A plan that allows more, if any.")
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


PricingScope = Literal["ppv", "subscription"]


@event("price.suggested", version=1, producer="ai", key="scope_key")
class PriceSuggested(EventPayload):
    """The ai's daily pricing review suggests a different price than last time for one scope (PPV
    offers of a segment or media kind, or the subscription), from the creator's own sales: the
    expected effect on revenue per 30 days with its interval, and the counts it rests on. Emitted only
    when the suggested price changes. Consumers: notifications (a notice for owners and managers, and
    webhooks to the creator's tools), analysts."""

    scope_key: str = Field(
        max_length=120, description="`<creator>:ppv:<segment>:<media kind>` or `<creator>:subscription`."
    )
    scope: PricingScope
    segment: str = Field(max_length=64, description="`all`, or a segment (whales, new, expiring, lapsed, others).")
    media_kind: str = Field(max_length=16, description="`all`, `photo`, `video`, `bundle` or `mixed`.")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    current_price_cents: int = Field(gt=0)
    suggested_price_cents: int = Field(gt=0)
    change_30d_cents: int = Field(description="Expected change of revenue per 30 days at the suggested price.")
    change_30d_low_cents: int
    change_30d_high_cents: int
    confidence: float = Field(gt=0, lt=1, description="Of the interval, e.g. 0.9.")
    observations: int = Field(ge=0, description="Offers (PPV) or visitors (subscription) the suggestion rests on.")
    period_start: AwareDatetime
    period_end: AwareDatetime
