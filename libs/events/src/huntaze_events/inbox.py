"""Events produced by the inbox service (conversation aggregate: key = conversation_id)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, Field

from .envelope import EventPayload
from .registry import event

MAX_MESSAGE_CHARS = 4000


class FanRef(EventPayload):
    """Who the fan is, as the inbox knows them when the event is produced."""

    fan_id: uuid.UUID = Field(description="Huntaze fan id (see huntaze_events.ids.fan_id_for).")
    external_id: str = Field(max_length=128, description="The fan's id on OnlyFans.")
    display_name: str = Field(max_length=100)


@event("message.received", version=1, producer="inbox", key="conversation_id")
class MessageReceived(EventPayload):
    """A fan's message reached the creator's inbox.

    Produced once per stored message (a connector retry with the same external id is not a new
    message). Consumers: ai (drafts a reply), fans (keeps the profile).
    """

    message_id: uuid.UUID
    conversation_id: uuid.UUID
    fan: FanRef
    text: str = Field(max_length=MAX_MESSAGE_CHARS)
    sent_at: AwareDatetime = Field(description="When the fan sent it (connector clock).")
    received_at: AwareDatetime = Field(description="When Huntaze stored it.")
    channel: Literal["onlyfans"] = "onlyfans"


@event("reply.approved", version=1, producer="inbox", key="conversation_id")
class ReplyApproved(EventPayload):
    """A person approved a drafted reply, possibly after editing it; it may now be sent."""

    draft_id: uuid.UUID
    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    in_reply_to_message_id: uuid.UUID
    text: str = Field(max_length=MAX_MESSAGE_CHARS)
    edited: bool = Field(description="True when the approved text differs from the draft.")
    approved_by: uuid.UUID = Field(description="User who approved it.")
    approved_at: AwareDatetime


@event("reply.sent", version=1, producer="inbox", key="conversation_id")
class ReplySent(EventPayload):
    """An approved reply was handed to the outbound connector and is now part of the conversation."""

    draft_id: uuid.UUID
    message_id: uuid.UUID = Field(description="Id of the outbound message in the conversation.")
    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    text: str = Field(max_length=MAX_MESSAGE_CHARS)
    sent_at: AwareDatetime
    delivery: str = Field(max_length=32, description="Connector adapter that delivered it, e.g. `webhook` or `log`.")
    automation: str | None = Field(
        default=None,
        max_length=16,
        description="The automation that wrote it (`welcome`, `thank_you`, `ppv_follow_up`, `win_back`, "
        "`re_engage`); None for a person's reply.",
    )
    approved_by: uuid.UUID | None = Field(
        default=None, description="The person who approved it; None when the autopilot sent it."
    )
    shift_id: uuid.UUID | None = Field(
        default=None, description="The approver's shift on this creator account when they approved it, if any."
    )
    in_reply_to_message_id: uuid.UUID | None = Field(
        default=None, description="The fan's message it answers; None for an automation's message."
    )
    in_reply_to_received_at: AwareDatetime | None = Field(
        default=None,
        description="When that fan message reached Huntaze: `sent_at` minus this is the response time.",
    )


class OfferBy(EventPayload):
    """Who made an offer leave: the person who approved it (and on which shift), or the automation
    that sent it on autopilot."""

    user_id: uuid.UUID | None = Field(default=None, description="The person who approved it; None on autopilot.")
    shift_id: uuid.UUID | None = Field(default=None, description="Their shift when they approved it, if any.")
    automation: str | None = Field(default=None, max_length=32, description="The automation that made it, if any.")


@event("ppv.offered", version=1, producer="inbox", key="conversation_id")
class PpvOffered(EventPayload):
    """A paid message (PPV) was handed to the connector: the fan sees it locked, at this price.

    Its ``offer_id`` is what the connector reports as the ``ref`` (kind ``message``) of the unlock
    transaction. Consumers: analytics (chatter ledger, unlock rates), content (media usage)."""

    offer_id: uuid.UUID
    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    text: str = Field(max_length=MAX_MESSAGE_CHARS)
    price_cents: int = Field(gt=0, description="What unlocking costs the fan, in minor units.")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    media_ids: list[uuid.UUID] = Field(min_length=1, max_length=50)
    by: OfferBy
    mass_message_id: uuid.UUID | None = Field(
        default=None, description="Set when it is one delivery of a mass message."
    )
    sent_at: AwareDatetime
    expires_at: AwareDatetime = Field(description="Counted as `expired` if not unlocked by then.")
    experiment_id: uuid.UUID | None = Field(
        default=None,
        description="Set when the price is a price test's arm for this fan (`price_experiment.started`; "
        "the arm: `huntaze_events.arm_of`).",
    )


@event("ppv.unlocked", version=1, producer="inbox", key="conversation_id")
class PpvUnlocked(EventPayload):
    """The fan paid for an offer: the unlock transaction named it in its ``ref``. Produced once per
    offer (a later refund changes the offer's revenue, not this event)."""

    offer_id: uuid.UUID
    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    transaction_id: uuid.UUID
    price_cents: int = Field(gt=0)
    gross_cents: int = Field(description="What the unlock transaction says the fan paid.")
    net_cents: int
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    media_ids: list[uuid.UUID] = Field(min_length=1, max_length=50)
    by: OfferBy
    mass_message_id: uuid.UUID | None = None
    offered_at: AwareDatetime
    unlocked_at: AwareDatetime


@event("massmessage.sent", version=1, producer="inbox", key="mass_message_id")
class MassMessageSent(EventPayload):
    """A mass message finished (every delivery sent, failed or skipped) or was cancelled while
    sending: its final counts. Paid deliveries are offers: each has its own ``ppv.offered`` (with
    ``mass_message_id``) and, when bought, ``ppv.unlocked``. Consumers: analytics, content."""

    mass_message_id: uuid.UUID
    status: Literal["done", "cancelled"]
    recipients: int = Field(ge=0, description="Fans the audience held when it was expanded.")
    sent: int = Field(ge=0)
    failed: int = Field(ge=0)
    skipped: int = Field(ge=0, description="Excluded after the expansion (bought the media meanwhile, erased).")
    cancelled: int = Field(ge=0, description="Not handed over when it was cancelled.")
    price_cents: int | None = Field(default=None, gt=0, description="Set when each copy was a paid offer.")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    media_ids: list[uuid.UUID] = Field(max_length=50)
    created_by: uuid.UUID
    shift_id: uuid.UUID | None = Field(default=None, description="The creator's shift when they created it, if any.")
    started_at: AwareDatetime
    finished_at: AwareDatetime


@event("reply.regeneration_requested", version=1, producer="inbox", key="conversation_id")
class ReplyRegenerationRequested(EventPayload):
    """A person asked for another draft of a reply, maybe with an instruction. The ai service writes
    it and emits ``reply.drafted`` with ``supersedes`` = this ``draft_id``."""

    draft_id: uuid.UUID = Field(description="The draft to replace.")
    conversation_id: uuid.UUID
    in_reply_to_message_id: uuid.UUID
    fan_id: uuid.UUID
    fan_display_name: str = Field(max_length=100, description="How the fan is named in the conversation.")
    instruction: str | None = Field(default=None, max_length=500, description="E.g. `shorter, tease the new set`.")
    requested_by: uuid.UUID
    requested_at: AwareDatetime


@event("automation.text_requested", version=1, producer="inbox", key="conversation_id")
class AutomationTextRequested(EventPayload):
    """An automation whose message the AI writes (it has an instruction instead of a text) fired:
    the ai service writes it for this fan and answers ``automation.text_written``. Nothing is sent
    before that answer, and then only within the autopilot's bounds."""

    run_id: uuid.UUID = Field(description="The automation run (one per trigger).")
    draft_id: uuid.UUID = Field(description="The id the draft will have.")
    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    fan_display_name: str = Field(max_length=100)
    automation: str = Field(
        max_length=16, description="`welcome`, `thank_you`, `ppv_follow_up`, `win_back`, `re_engage`."
    )
    instruction: str = Field(min_length=1, max_length=500, description="The creator's instruction for the AI.")


class MassAudience(EventPayload):
    """Who a mass message goes to, as its creator chose."""

    segments: list[str] = Field(max_length=20)
    exclude_segments: list[str] = Field(default_factory=list, max_length=20)


@event("massmessage.scheduled", version=1, producer="inbox", key="mass_message_id")
class MassMessageScheduled(EventPayload):
    """A mass message was created, moved or cancelled before it started sending: its plan as it now is
    (consumers keep the highest ``revision``). Its end is ``massmessage.sent``. Consumers: content
    (calendar, conflicts, media in use)."""

    mass_message_id: uuid.UUID
    revision: int = Field(ge=1, description="Grows by one at every change of its plan.")
    send_at: AwareDatetime
    status: Literal["scheduled", "cancelled"]
    audience: MassAudience
    text_excerpt: str = Field(max_length=120)
    price_cents: int | None = Field(default=None, gt=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    media_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    created_by: uuid.UUID
    command_id: uuid.UUID | None = Field(default=None, description="The calendar move this change applied, if any.")


@event("massmessage.command_refused", version=1, producer="inbox", key="mass_message_id")
class MassMessageCommandRefused(EventPayload):
    """A calendar move of a mass message could not be applied (already sending, done, cancelled, time
    in the past, unknown). The mass message is unchanged."""

    command_id: uuid.UUID
    mass_message_id: uuid.UUID
    reason: str = Field(max_length=300)


@event("automation.run_scheduled", version=1, producer="inbox", key="conversation_id")
class AutomationRunScheduled(EventPayload):
    """An automation's run was triggered and will fire at ``fire_at`` (a welcome, a thank-you, a
    follow-up…), then what it did. Consumers: content (the calendar's scheduled sends)."""

    run_id: uuid.UUID
    conversation_id: uuid.UUID
    automation: str = Field(max_length=32)
    fan_id: uuid.UUID
    fire_at: AwareDatetime
    status: Literal["scheduled", "sent", "drafted", "skipped"]


@event("conversation.prioritized", version=1, producer="inbox", key="conversation_id")
class ConversationPrioritized(EventPayload):
    """A fan of the ``whales`` segment wrote: the conversation is marked priority in the inbox list and
    routed to the chatter on shift best matched to that fan (who sold to them before, else the highest
    buy rate), or to nobody when no one is on shift. Once per conversation until it is answered.
    Consumers: notifications (a ``whale`` notice for the routed person, else the team), analysts."""

    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    message_id: uuid.UUID = Field(description="The fan's message that made it priority.")
    reason: Literal["whale"] = "whale"
    assigned_user_id: uuid.UUID | None = Field(default=None, description="The chatter it was routed to.")
    shift_id: uuid.UUID | None = None
    matched_by: Literal["sold_before", "buy_rate", "on_shift", "nobody_on_shift"] = Field(
        description="Why that chatter: sold to this fan before, the best buy rate on shift, the only one on shift, "
        "or nobody on shift (the team is told)."
    )
    prioritized_at: AwareDatetime


class WaitingFan(EventPayload):
    """One conversation whose fan waits for an answer (``reply.overdue``)."""

    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    waiting_since: AwareDatetime = Field(description="The fan's first message since the last answer.")
    priority: bool = Field(description="A whale's conversation, marked priority.")
    assigned_user_id: uuid.UUID | None = Field(default=None, description="The chatter a whale was routed to.")


class OnShift(EventPayload):
    user_id: uuid.UUID
    shift_id: uuid.UUID


@event("reply.overdue", version=1, producer="inbox", key="alert_id")
class ReplyOverdue(EventPayload):
    """Fans of a creator account waited longer than the inbox's threshold for an answer (a reply
    approved, an offer made) while chatters were on shift. One alert per creator and cool-down (the
    threshold), naming every conversation that crossed it since the last alert (the oldest first, at
    most 50 listed; ``waiting`` counts them all); each conversation once per wait. Consumers:
    notifications (an ``unanswered`` notice for each chatter on shift, and for owners and managers),
    analysts."""

    alert_id: uuid.UUID
    threshold_s: int = Field(gt=0, description="How long a fan may wait (INBOX_UNANSWERED_AFTER_S).")
    waiting: int = Field(gt=0, description="Conversations in this alert (all of them, not only those listed).")
    oldest_since: AwareDatetime
    conversations: list[WaitingFan] = Field(min_length=1, max_length=50)
    on_shift: list[OnShift] = Field(min_length=1, max_length=50)
    detected_at: AwareDatetime
