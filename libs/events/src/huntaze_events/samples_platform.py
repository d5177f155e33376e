"""Samples of the platform-level events (billing, organisations) and the ai's withheld reply, kept
apart from ``samples.py`` (appended after its samples, whose positions never move)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from .ai import PriceSuggested, ReplyWithheld
from .billing import EntitlementChanged, Features, Limits, OrganizationUpdated, PlanChanged, UsageRecorded
from .envelope import EventPayload
from .ids import fan_id_for

ORGANIZATION = uuid.UUID("d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6")
CREATOR = uuid.UUID("0b7c3d0e-8a55-4f6e-9d6b-2f3c9e1a7b10")
CONVERSATION = uuid.UUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
MESSAGE = uuid.UUID("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
DRAFTED_EVENT = uuid.UUID("0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b")
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
    ]
