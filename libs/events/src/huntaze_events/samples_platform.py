"""Samples of the platform-level events (billing, organisations) and the ai's withheld reply, kept
apart from ``samples.py`` (appended after its samples, whose positions never move)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from .ai import AnomalyDetected, ArmOutcome, PriceExperimentEnded, PriceExperimentStarted, PriceSuggested, ReplyWithheld
from .analytics import WeekMover, WeekSummarized
from .billing import EntitlementChanged, Features, Limits, OrganizationUpdated, PlanChanged, UsageRecorded
from .envelope import EventPayload
from .ids import fan_id_for
from .inbox import ConversationPrioritized, OnShift, ReplyOverdue, WaitingFan

ORGANIZATION = uuid.UUID("d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6")
CREATOR = uuid.UUID("0b7c3d0e-8a55-4f6e-9d6b-2f3c9e1a7b10")
CONVERSATION = uuid.UUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
MESSAGE = uuid.UUID("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
DRAFTED_EVENT = uuid.UUID("0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b")
EXPERIMENT = uuid.UUID("6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f")
OWNER = uuid.UUID("2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b")
PERIOD_END = datetime(2026, 12, 2, 21, 14, 3, tzinfo=UTC)


def platform_payloads() -> list[tuple[EventPayload, str]]:
    pro = Limits(ai_drafts_per_month=5000, creators=5, seats=10, mass_messages_per_month=200)
    return [
        (
            OrganizationUpdated(
                organization_id=ORGANIZATION, revision=3, name="Velvet Agency", creator_ids=[CREATOR], seats=4
            ),
            "gateway",
        ),
        (
            PlanChanged(
                organization_id=ORGANIZATION,
                revision=2,
                plan="pro",
                previous_plan="free",
                status="active",
                interval="month",
                current_period_end=PERIOD_END,
                reason="checkout.session.completed",
            ),
            "billing",
        ),
        (
            EntitlementChanged(
                organization_id=ORGANIZATION,
                revision=2,
                plan="pro",
                plan_name="Pro",
                status="active",
                limits=pro,
                features=Features(autopilot=True, stream_exports=False, marketing_networks=["instagram", "x"]),
                creator_ids=[CREATOR],
                upgrades={"ai_drafts_per_month": "Agency", "creators": "Agency", "stream_exports": "Agency"},
            ),
            "billing",
        ),
        (
            UsageRecorded(
                organization_id=ORGANIZATION,
                metric="ai_drafts",
                period="2026-11",
                quantity=1,
                total=418,
                source_event_id=DRAFTED_EVENT,
            ),
            "billing",
        ),
        (
            ReplyWithheld(
                conversation_id=CONVERSATION,
                in_reply_to_message_id=MESSAGE,
                fan_id=fan_id_for(CREATOR, "of_u_4821"),
                reason="quota_reached",
                limit=100,
                plan="Free",
                upgrade_to="Pro",
                period="2026-11",
            ),
            "ai",
        ),
        (
            PriceSuggested(
                scope_key=f"{CREATOR}:ppv:whales:video",
                scope="ppv",
                segment="whales",
                media_kind="video",
                currency="USD",
                current_price_cents=1500,
                suggested_price_cents=2200,
                change_30d_cents=41_250,
                change_30d_low_cents=12_900,
                change_30d_high_cents=70_400,
                confidence=0.9,
                observations=1840,
                period_start=datetime(2026, 8, 28, tzinfo=UTC),
                period_end=datetime(2026, 11, 26, tzinfo=UTC),
            ),
            "ai",
        ),
        (
            WeekSummarized(
                summary_key=f"{CREATOR}:2026-11-19",
                period_start=date(2026, 11, 19),
                period_end=date(2026, 11, 25),
                starts_at=datetime(2026, 11, 19, 6, tzinfo=UTC),
                ends_at=datetime(2026, 11, 26, 6, tzinfo=UTC),
                currency="USD",
                revenue_cents=1_284_050,
                previous_revenue_cents=1_102_500,
                change_cents=181_550,
                change_pct=16.5,
                by_source=[
                    WeekMover(
                        ref="ppv",
                        label="PPV unlocks",
                        revenue_cents=702_000,
                        previous_revenue_cents=540_000,
                        change_cents=162_000,
                    )
                ],
                by_segment=[
                    WeekMover(
                        ref="whales",
                        label="whales",
                        revenue_cents=615_000,
                        previous_revenue_cents=498_000,
                        change_cents=117_000,
                    )
                ],
                new_subscribers=48,
                churned_subscribers=19,
            ),
            "analytics",
        ),
        (
            ConversationPrioritized(
                conversation_id=CONVERSATION,
                fan_id=fan_id_for(CREATOR, "of_u_4821"),
                message_id=MESSAGE,
                assigned_user_id=uuid.UUID("5f0e4d3c-2b1a-4f9e-8d7c-6b5a4f3e2d1c"),
                shift_id=uuid.UUID("7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"),
                matched_by="sold_before",
                prioritized_at=datetime(2026, 11, 26, 21, 4, 11, tzinfo=UTC),
            ),
            "inbox",
        ),
        (
            ReplyOverdue(
                alert_id=uuid.UUID("0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"),
                threshold_s=900,
                waiting=1,
                oldest_since=datetime(2026, 11, 26, 21, 4, 11, tzinfo=UTC),
                conversations=[
                    WaitingFan(
                        conversation_id=CONVERSATION,
                        fan_id=fan_id_for(CREATOR, "of_u_4821"),
                        waiting_since=datetime(2026, 11, 26, 21, 4, 11, tzinfo=UTC),
                        priority=True,
                        assigned_user_id=uuid.UUID("5f0e4d3c-2b1a-4f9e-8d7c-6b5a4f3e2d1c"),
                    )
                ],
                on_shift=[
                    OnShift(
                        user_id=uuid.UUID("5f0e4d3c-2b1a-4f9e-8d7c-6b5a4f3e2d1c"),
                        shift_id=uuid.UUID("7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"),
                    )
                ],
                detected_at=datetime(2026, 11, 26, 21, 20, tzinfo=UTC),
            ),
            "inbox",
        ),
        (
            AnomalyDetected(
                anomaly_id=uuid.UUID("3b4c5d6e-7f80-4a91-b2c3-d4e5f6a7b8c9"),
                anomaly_key=f"{CREATOR}:revenue_drop:USD:2026-11-26T19:00:00+00:00",
                kind="revenue_drop",
                subject="USD",
                currency="USD",
                window_start=datetime(2026, 11, 26, 19, tzinfo=UTC),
                window_end=datetime(2026, 11, 26, 22, tzinfo=UTC),
                unit="cents",
                observed=1_800,
                expected=41_250,
                low=14_100,
                high=88_900,
                score=5.42,
                evidence={
                    "bucket": "Thursday 21:00 (UTC)",
                    "hours": 3,
                    "weeks_used": 6,
                    "expected_sales": 27.5,
                    "observed_sales": 1,
                    "bucket_past_sales": [9, 11, 8, 10, 12, 9],
                },  # fmt: skip
                detected_at=datetime(2026, 11, 26, 22, 10, 4, tzinfo=UTC),
            ),
            "ai",
        ),
        (
            PriceExperimentStarted(
                experiment_id=EXPERIMENT,
                name="Video set: 12 or 18",
                arms_price_cents=[1200, 1800],
                currency="USD",
                min_offers_per_arm=200,
                max_offers_per_arm=5000,
                started_at=datetime(2026, 11, 20, 18, tzinfo=UTC),
                started_by=OWNER,
            ),
            "ai",
        ),
        (
            PriceExperimentEnded(
                experiment_id=EXPERIMENT,
                name="Video set: 12 or 18",
                outcome="winner",
                winner_price_cents=1800,
                recommended_price_cents=1800,
                currency="USD",
                arms=[
                    ArmOutcome(
                        price_cents=1200, offered=1375, unlocked=412, probability_best=0.004, expected_loss_cents=148.2
                    ),
                    ArmOutcome(
                        price_cents=1800, offered=1362, unlocked=367, probability_best=0.996, expected_loss_cents=0.1
                    ),
                ],  # fmt: skip
                ended_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
            ),
            "ai",
        ),
    ]
