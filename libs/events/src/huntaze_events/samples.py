"""One realistic sample per event, used to create its golden file the first time.

The committed golden file (``contracts/<topic>.golden.json``) is the contract afterwards: tests check
that every consumer still accepts it. Editing a sample here never rewrites an existing golden file.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from .ai import AutomationTextWritten, Idea, IdeasGenerated, ReplyDrafted
from .billing import ORGANIZATION_EVENTS
from .content import (
    ContentPlanned,
    IdeasRequested,
    MassMessageMoveRequested,
    MediaUpdated,
    MediaUploaded,
    PostMoveRequested,
    PostRequested,
)
from .envelope import Envelope, EventPayload
from .fans import FanErased, FanProfileUpdated, FanSegmentChanged
from .ids import fan_id_for
from .inbox import (
    AutomationRunScheduled,
    AutomationTextRequested,
    FanRef,
    MassAudience,
    MassMessageCommandRefused,
    MassMessageScheduled,
    MassMessageSent,
    MessageReceived,
    OfferBy,
    PpvOffered,
    PpvUnlocked,
    ReplyApproved,
    ReplyRegenerationRequested,
    ReplySent,
)
from .marketing import (
    CampaignCreated,
    ConversionTracked,
    LinkClicked,
    PostCommandRefused,
    PostFailed,
    PostPublished,
    PostScheduled,
)
from .registry import REGISTRY, make_envelope
from .revenue import (
    SubscriptionExpired,
    SubscriptionRenewed,
    SubscriptionStarted,
    SubscriptionVia,
    TransactionRecorded,
    TransactionRef,
)
from .samples_platform import platform_payloads
from .staff import ShiftCancelled, ShiftScheduled

CREATOR = uuid.UUID("0b7c3d0e-8a55-4f6e-9d6b-2f3c9e1a7b10")
USER = uuid.UUID("5e2f7a61-3c4d-4b8e-a1f2-9d0c6b7e8f21")
CONVERSATION = uuid.UUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
MESSAGE = uuid.UUID("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
DRAFT = uuid.UUID("7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910")
OUT_MESSAGE = uuid.UUID("2b3c4d5e-6f70-4182-9304-a5b6c7d8e9f0")
FAN = fan_id_for(CREATOR, "of_u_4821")
T0 = datetime(2026, 11, 2, 21, 14, 3, 120000, tzinfo=UTC)
TRANSACTION = uuid.UUID("3d4e5f60-7182-4a93-b4c5-d6e7f8091a2b")
T_EXPIRES = datetime(2026, 12, 2, 21, 14, 3, 120000, tzinfo=UTC)
OFFER = uuid.UUID("6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d")
MEDIA = [uuid.UUID("8e9f0a1b-2c3d-4e4f-8a5b-6c7d8e9f0a1b"), uuid.UUID("0f1e2d3c-4b5a-4697-8887-a6b5c4d3e2f1")]
MASS_MESSAGE = uuid.UUID("5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e")
SHIFT = uuid.UUID("4c5d6e7f-8091-4a2b-bc3d-e4f5061728a9")
RUN = uuid.UUID("a1b2c3d4-e5f6-4071-8293-a4b5c6d7e8f9")
AUTOMATED_DRAFT = uuid.UUID("b2c3d4e5-f6a7-4182-93a4-b5c6d7e8f9a0")
POST = uuid.UUID("c3d4e5f6-a7b8-4293-a4b5-c6d7e8f9a0b1")
SOCIAL_ACCOUNT = uuid.UUID("d4e5f6a7-b8c9-43a4-b5c6-d7e8f9a0b1c2")
LINK = uuid.UUID("e5f6a7b8-c9d0-44b5-86d7-e8f9a0b1c2d3")
CAMPAIGN = uuid.UUID("f6a7b8c9-d0e1-45c6-97e8-f9a0b1c2d3e4")
ORGANIZATION = uuid.UUID("d1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6")
OWNER = uuid.UUID("e2f3a4b5-c6d7-4e8f-90a1-b2c3d4e5f6a7")
T_OFFER_EXPIRES = datetime(2026, 11, 5, 21, 14, 3, 120000, tzinfo=UTC)
ITEM = uuid.UUID("a7b8c9d0-e1f2-46d7-a8e9-f0a1b2c3d4e5")
IDEAS_REQUEST = uuid.UUID("b8c9d0e1-f2a3-47e8-b9f0-a1b2c3d4e5f6")
MOVE = uuid.UUID("c9d0e1f2-a3b4-48f9-8a01-b2c3d4e5f6a7")
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
T_LATER = datetime(2026, 11, 4, 18, 0, tzinfo=UTC)
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _payloads() -> list[tuple[EventPayload, str]]:
    fan = FanRef(fan_id=FAN, external_id="of_u_4821", display_name="Jake")
    return [
        (
            MessageReceived(
                message_id=MESSAGE,
                conversation_id=CONVERSATION,
                fan=fan,
                text="hey! do you do custom videos? how much for one?",
                sent_at=T0,
                received_at=T0,
            ),
            "inbox",
        ),
        (
            ReplyDrafted(
                draft_id=DRAFT,
                conversation_id=CONVERSATION,
                in_reply_to_message_id=MESSAGE,
                fan_id=FAN,
                text="Hey Jake! Yes, I do customs 😊 Tell me what you have in mind and I'll send you a price.",
                provider="offline",
                model=None,
            ),
            "ai",
        ),
        (
            ReplyApproved(
                draft_id=DRAFT,
                conversation_id=CONVERSATION,
                fan_id=FAN,
                in_reply_to_message_id=MESSAGE,
                text="Hey Jake! Yes, I do customs 😊 Tell me what you'd like and I'll send a price.",
                edited=True,
                approved_by=USER,
                approved_at=T0,
            ),
            "inbox",
        ),
        (
            ReplySent(
                draft_id=DRAFT,
                message_id=OUT_MESSAGE,
                conversation_id=CONVERSATION,
                fan_id=FAN,
                text="Hey Jake! Yes, I do customs 😊 Tell me what you'd like and I'll send a price.",
                sent_at=T0,
                delivery="webhook",
            ),
            "inbox",
        ),
        (
            FanProfileUpdated(
                fan_id=FAN,
                external_id="of_u_4821",
                display_name="Jake",
                first_message_at=T0,
                last_message_at=T0,
                message_count=1,
            ),
            "fans",
        ),
        (
            FanSegmentChanged(fan_id=FAN, segment="whales", change="entered", segment_name="whales", at=T0),
            "fans",
        ),
        (
            PpvOffered(
                offer_id=OFFER,
                conversation_id=CONVERSATION,
                fan_id=FAN,
                text="the full set from Saturday, just for you 🔥",
                price_cents=1500,
                currency="USD",
                media_ids=MEDIA,
                by=OfferBy(user_id=USER, shift_id=SHIFT),
                sent_at=T0,
                expires_at=T_OFFER_EXPIRES,
            ),
            "inbox",
        ),
        (
            PpvUnlocked(
                offer_id=OFFER,
                conversation_id=CONVERSATION,
                fan_id=FAN,
                transaction_id=TRANSACTION,
                price_cents=1500,
                gross_cents=1500,
                net_cents=1200,
                currency="USD",
                media_ids=MEDIA,
                by=OfferBy(user_id=USER, shift_id=SHIFT),
                offered_at=T0,
                unlocked_at=datetime(2026, 11, 3, 8, 2, 41, tzinfo=UTC),
            ),
            "inbox",
        ),
        (
            MassMessageSent(
                mass_message_id=MASS_MESSAGE,
                status="done",
                recipients=1840,
                sent=1822,
                failed=6,
                skipped=12,
                cancelled=0,
                price_cents=1200,
                currency="USD",
                media_ids=MEDIA,
                created_by=USER,
                started_at=T0,
                finished_at=datetime(2026, 11, 2, 21, 46, 51, 402000, tzinfo=UTC),
            ),
            "inbox",
        ),
        (
            ReplyRegenerationRequested(
                draft_id=DRAFT,
                conversation_id=CONVERSATION,
                in_reply_to_message_id=MESSAGE,
                fan_id=FAN,
                fan_display_name="Jake",
                instruction="shorter, tease the new set",
                requested_by=USER,
                requested_at=T0,
            ),
            "inbox",
        ),
        (
            TransactionRecorded(
                transaction_id=TRANSACTION,
                fan_id=FAN,
                fan=fan,
                type="message",
                gross_cents=2500,
                fee_cents=500,
                net_cents=2000,
                currency="USD",
                occurred_at=T0,
                source="connector",
                external_id="of_tx_99120",
                ref=TransactionRef(kind="message", id="of_msg_5521"),
            ),
            "fans",
        ),
        (
            SubscriptionStarted(
                fan_id=FAN,
                fan=fan,
                started_at=T0,
                expires_at=T_EXPIRES,
                auto_renew=True,
                price_cents=999,
                currency="USD",
                first_time=True,
                via=SubscriptionVia(tracking_link="ig-bio-nov", trial=None),
            ),
            "fans",
        ),
        (
            SubscriptionRenewed(
                fan_id=FAN,
                fan=fan,
                started_at=T0,
                expires_at=datetime(2027, 1, 1, 21, 14, 3, 120000, tzinfo=UTC),
                previous_expires_at=T_EXPIRES,
                auto_renew=True,
                price_cents=999,
                currency="USD",
            ),
            "fans",
        ),
        (
            SubscriptionExpired(
                fan_id=FAN,
                fan=fan,
                started_at=T0,
                expires_at=T_EXPIRES,
                expired_at=T_EXPIRES,
                auto_renew=False,
                price_cents=999,
                currency="USD",
            ),
            "fans",
        ),
        (FanErased(fan_id=FAN, creator_id=CREATOR, erased_at=T_EXPIRES, requested_by=USER), "fans"),
        (
            ShiftScheduled(
                shift_id=SHIFT,
                organization_id=ORGANIZATION,
                user_id=USER,
                starts_at=T0,
                ends_at=T0 + timedelta(hours=8),
                creator_ids=[CREATOR],
                scheduled_by=OWNER,
            ),
            "gateway",
        ),
        (
            ShiftCancelled(
                shift_id=SHIFT,
                organization_id=ORGANIZATION,
                user_id=USER,
                starts_at=T0,
                ends_at=T0 + timedelta(hours=8),
                cancelled_by=OWNER,
            ),
            "gateway",
        ),
        (
            AutomationTextRequested(
                run_id=RUN,
                draft_id=AUTOMATED_DRAFT,
                conversation_id=CONVERSATION,
                fan_id=FAN,
                fan_display_name="Jake",
                automation="welcome",
                instruction="warm, short, mention the new photo set",
            ),
            "inbox",
        ),
        (
            AutomationTextWritten(
                run_id=RUN,
                draft_id=AUTOMATED_DRAFT,
                conversation_id=CONVERSATION,
                fan_id=FAN,
                automation="welcome",
                text="Hey Jake, welcome! So glad you're here 💕 my new photo set just dropped, tell me what you think",
                provider="offline",
            ),
            "ai",
        ),
        (
            PostPublished(
                post_id=POST,
                account_id=SOCIAL_ACCOUNT,
                network="x",
                network_post_id="1445880548472328192",
                scheduled_for=T0,
                published_at=T0,
            ),
            "marketing",
        ),
        (
            PostFailed(
                post_id=POST,
                account_id=SOCIAL_ACCOUNT,
                network="instagram",
                scheduled_for=T0,
                reason="instagram: 400: The aspect ratio is not supported.",
            ),
            "marketing",
        ),
        (
            CampaignCreated(
                campaign_id=CAMPAIGN,
                name="Black Friday",
                cost_cents=25_000,
                currency="USD",
                starts_at=T0,
                ends_at=T0 + timedelta(days=7),
            ),
            "marketing",
        ),
        (
            LinkClicked(
                link_id=LINK,
                click_id=uuid.UUID("6f1c1b7e-3d7e-4f55-9a43-0c3c1f6a2d11"),
                clicked_at=T0,
                post_id=POST,
                campaign_id=CAMPAIGN,
                network="instagram",
                referrer_network="instagram",
                country="FR",
                bot=False,
            ),
            "marketing",
        ),
        (
            ConversionTracked(
                fan_id=FAN,
                link_id=LINK,
                post_id=POST,
                campaign_id=CAMPAIGN,
                network="instagram",
                onlyfans_link="https://onlyfans.com/mia/c12",
                converted_at=T0,
            ),
            "marketing",
        ),
        (
            MediaUploaded(
                media_id=MEDIA[0],
                kind="photo",
                content_type="image/jpeg",
                size_bytes=2_481_337,
                sha256=SHA,
                title="Red lingerie set, mirror",
                tags=["lingerie", "red"],
                uploaded_at=T0,
            ),
            "content",
        ),
        (
            MediaUpdated(
                media_id=MEDIA[0],
                revision=2,
                kind="photo",
                title="Red lingerie set, mirror",
                tags=["lingerie", "red", "bestseller"],
                suggested_price_cents=1500,
                currency="USD",
            ),
            "content",
        ),
        (
            ContentPlanned(
                item_id=ITEM,
                revision=1,
                kind="drop",
                title="Christmas set drop",
                starts_at=T_LATER,
                media_ids=MEDIA,
                status="planned",
            ),
            "content",
        ),
        (
            IdeasRequested(request_id=IDEAS_REQUEST, target="instagram", count=3, theme="christmas", requested_by=USER),
            "content",
        ),
        (
            IdeasGenerated(
                request_id=IDEAS_REQUEST,
                target="instagram",
                ideas=[
                    Idea(
                        title="Red lingerie teaser, 21:00",
                        body="A cropped mirror shot of the red set, caption asking which colour comes next.",
                        hashtags=["christmas"],
                        grounded_on=["best-selling theme: lingerie (12 unlocks, $180.00)", "best hour: 21:00"],
                    )
                ],
                provider="offline",
                model=None,
            ),
            "ai",
        ),
        (
            PostMoveRequested(command_id=MOVE, post_id=POST, publish_at=T_LATER, requested_by=USER),
            "content",
        ),
        (
            PostScheduled(
                post_id=POST,
                revision=2,
                account_id=SOCIAL_ACCOUNT,
                network="instagram",
                publish_at=T_LATER,
                status="scheduled",
                caption_excerpt="New set tonight 🔥 link in bio",
                media_ids=MEDIA[:1],
                campaign_id=CAMPAIGN,
                command_id=MOVE,
            ),
            "marketing",
        ),
        (
            PostCommandRefused(command_id=MOVE, post_id=POST, reason="the post was already published"),
            "marketing",
        ),
        (
            PostRequested(
                command_id=uuid.UUID("d0e1f2a3-b4c5-49a0-9b12-c3d4e5f6a7b8"),
                account_id=SOCIAL_ACCOUNT,
                caption="Advent day 3 🎄 link in bio",
                publish_at=T_LATER,
                requested_by=USER,
            ),
            "content",
        ),
        (
            MassMessageMoveRequested(command_id=MOVE, mass_message_id=MASS_MESSAGE, send_at=T_LATER, requested_by=USER),
            "content",
        ),
        (
            MassMessageScheduled(
                mass_message_id=MASS_MESSAGE,
                revision=1,
                send_at=T_LATER,
                status="scheduled",
                audience=MassAudience(segments=["whales"], exclude_segments=["lapsed"]),
                text_excerpt="Hey {name}, something special for you tonight",
                price_cents=2500,
                currency="USD",
                media_ids=MEDIA,
                created_by=USER,
            ),
            "inbox",
        ),
        (
            MassMessageCommandRefused(command_id=MOVE, mass_message_id=MASS_MESSAGE, reason="it is already sending"),
            "inbox",
        ),
        (
            AutomationRunScheduled(
                run_id=RUN,
                conversation_id=CONVERSATION,
                automation="welcome",
                fan_id=FAN,
                fire_at=T_LATER,
                status="scheduled",
            ),
            "inbox",
        ),
    ]


def samples() -> dict[str, Envelope[Any]]:
    """Sample envelope by topic name."""
    out: dict[str, Envelope[Any]] = {}
    for index, (payload, producer) in enumerate(_payloads() + platform_payloads()):
        spec = REGISTRY.for_model(type(payload))
        out[spec.topic] = make_envelope(
            payload,
            producer=producer,
            creator_id=ORGANIZATION if isinstance(payload, ORGANIZATION_EVENTS) else CREATOR,
            correlation_id=uuid.UUID(int=0xC0FFEE),
            causation_id=None if index == 0 else uuid.UUID(int=index),
            traceparent=TRACEPARENT,
            occurred_at=T0,
            event_id=uuid.UUID(int=0xE0 + index),
        )
    return out
