"""Huntaze integration events: defined once here, used by every producer and consumer."""

from .ai import AutomationTextWritten, ReplyDrafted
from .envelope import Envelope, EventPayload, kafka_headers, utcnow
from .fans import FanErased, FanProfileUpdated, FanSegmentChanged
from .ids import fan_id_for
from .inbox import (
    MAX_MESSAGE_CHARS,
    AutomationTextRequested,
    FanRef,
    MassMessageSent,
    MessageReceived,
    OfferBy,
    PpvOffered,
    PpvUnlocked,
    ReplyApproved,
    ReplyRegenerationRequested,
    ReplySent,
)
from .marketing import CampaignCreated, ConversionTracked, LinkClicked, PostFailed, PostPublished
from .registry import REGISTRY, EventSpec, Registry, event, make_envelope
from .revenue import (
    REVERSAL_TYPES,
    SubscriptionExpired,
    SubscriptionRenewed,
    SubscriptionStarted,
    SubscriptionVia,
    TransactionRecorded,
    TransactionRef,
    TransactionType,
)
from .staff import ShiftCancelled, ShiftScheduled

__all__ = [
    "MAX_MESSAGE_CHARS",
    "AutomationTextRequested",
    "AutomationTextWritten",
    "REGISTRY",
    "Envelope",
    "EventPayload",
    "EventSpec",
    "FanErased",
    "FanProfileUpdated",
    "FanSegmentChanged",
    "REVERSAL_TYPES",
    "SubscriptionExpired",
    "SubscriptionRenewed",
    "SubscriptionStarted",
    "SubscriptionVia",
    "TransactionRecorded",
    "TransactionRef",
    "TransactionType",
    "FanRef",
    "MassMessageSent",
    "MessageReceived",
    "OfferBy",
    "CampaignCreated",
    "ConversionTracked",
    "LinkClicked",
    "PostFailed",
    "PostPublished",
    "PpvOffered",
    "PpvUnlocked",
    "Registry",
    "ReplyApproved",
    "ReplyRegenerationRequested",
    "ReplyDrafted",
    "ReplySent",
    "ShiftCancelled",
    "ShiftScheduled",
    "event",
    "fan_id_for",
    "kafka_headers",
    "make_envelope",
    "utcnow",
]
