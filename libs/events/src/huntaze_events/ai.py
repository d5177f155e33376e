"""Events produced by the ai service."""

from __future__ import annotations

import hashlib
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


AnomalyKind = Literal["revenue_drop", "revenue_spike", "link_conversion_drop"]
EvidenceValue = int | float | str | bool | list[int] | None


@event("anomaly.detected", version=1, producer="ai", key="anomaly_key")
class AnomalyDetected(EventPayload):
    """The creator's own series left its expected range: revenue in an hour (or a run of hours) far below
    or above what that weekday and hour usually bring, or a tracking link converting far less than its
    usual rate. Thresholds adapt to the creator's volume (a small account's quiet hours are not a drop).
    Once per (kind, subject, window). Consumers: notifications (a notice for owners and managers, and
    webhooks to the creator's tools), analysts."""

    anomaly_id: uuid.UUID
    anomaly_key: str = Field(max_length=160, description="`<creator>:<kind>:<subject>:<window start>`.")
    kind: AnomalyKind
    subject: str = Field(max_length=64, description="The currency (revenue kinds) or the tracking link's id.")
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$", description="Revenue kinds only.")
    link_id: uuid.UUID | None = Field(default=None, description="`link_conversion_drop` only.")
    window_start: AwareDatetime
    window_end: AwareDatetime = Field(description="Exclusive.")
    unit: Literal["cents", "conversions"]
    observed: int = Field(description="What happened in the window (net revenue in cents, or conversions).")
    expected: int
    low: int = Field(description="Below this is a drop (the model's lower bound at its alert level).")
    high: int = Field(description="Above this is a spike.")
    score: float = Field(ge=0, allow_inf_nan=False, description="−log10 of the tail probability: 3 = 1 in 1,000.")
    evidence: dict[str, EvidenceValue] = Field(
        default_factory=dict, description="What the model used: weeks, bucket, expected sales, baseline rate…"
    )
    detected_at: AwareDatetime


def arm_of(experiment_id: uuid.UUID, fan_id: uuid.UUID, arms: int) -> int:
    """A fan's arm in a price test, part of ``price_experiment.started``'s contract: the inbox prices
    each fan with it and the ai reads the test out with it. ``sha256(experiment id bytes ‖ fan id bytes)``
    as a big-endian 256-bit number, modulo the number of arms: uniform, independent between tests, the
    same fan always in the same arm, nothing stored."""
    if arms < 1:
        raise ValueError("a price test needs at least one arm")
    return int.from_bytes(hashlib.sha256(experiment_id.bytes + fan_id.bytes).digest(), "big") % arms


@event("price_experiment.started", version=1, producer="ai", key="experiment_id")
class PriceExperimentStarted(EventPayload):
    """A price test on the creator's paid mass messages began: each fan of a mass message that names it
    is offered the price of their arm (``arm_of``). One test runs at a time per creator. Consumers: inbox
    (prices the deliveries), analysts."""

    experiment_id: uuid.UUID
    name: str = Field(min_length=1, max_length=120)
    arms_price_cents: list[int] = Field(min_length=2, max_length=4, description="Arm i's price; distinct, > 0.")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    min_offers_per_arm: int = Field(ge=1, description="No decision before every arm has this many offers.")
    max_offers_per_arm: int = Field(ge=1, description="The planned size: `no_difference` past it.")
    started_at: AwareDatetime
    started_by: uuid.UUID


class ArmOutcome(EventPayload):
    price_cents: int = Field(gt=0)
    offered: int = Field(ge=0)
    unlocked: int = Field(ge=0)
    probability_best: float = Field(ge=0, le=1)
    expected_loss_cents: float = Field(ge=0, description="Per offer, if this arm is not the best (a rate).")


@event("price_experiment.ended", version=1, producer="ai", key="experiment_id")
class PriceExperimentEnded(EventPayload):
    """A price test ended: a winner (its probability of the best revenue per offer passed the bar for
    its size), no difference at the planned size (the recommended price costs least if wrong), or
    stopped by a person. Mass messages stop using it. Consumers: inbox, notifications (a notice for
    owners and managers, webhooks), analysts."""

    experiment_id: uuid.UUID
    name: str = Field(min_length=1, max_length=120)
    outcome: Literal["winner", "no_difference", "stopped"]
    winner_price_cents: int | None = Field(default=None, gt=0)
    recommended_price_cents: int = Field(gt=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    arms: list[ArmOutcome] = Field(min_length=2, max_length=4)
    ended_at: AwareDatetime
    stopped_by: uuid.UUID | None = None
