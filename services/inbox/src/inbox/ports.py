"""What the inbox use cases need from storage (the SQL adapter and the unit tests' fake implement it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from huntaze_service.entitlements import EntitlementsRepository
from huntaze_service.vault_media import VaultMediaRepository

from .automations import AutomationConfig, Kind, Run, RunStatus, SentToday
from .domain import Conversation, ConversationSummary, Draft, Message
from .mass import Audience, Delivery, DeliveryStatus, MassMessage, MassStats, Recipient
from .offers import Offer
from .quota import WithheldRepository
from .unanswered import UnansweredRepository
from .whales import Touched, WhaleRepository

if TYPE_CHECKING:
    from huntaze_service.tombstones import ErasedFan


class PriceTestRepository(Protocol):
    """The ai's price tests as the inbox knows them (:mod:`inbox.handlers.price_tests`)."""

    async def price_test_started(self, creator_id: uuid.UUID, experiment_id: uuid.UUID, arms: tuple[int, ...]) -> None: ...
    async def price_test_ended(self, creator_id: uuid.UUID, experiment_id: uuid.UUID, at: datetime) -> None: ...
    async def running_price_test(self, creator_id: uuid.UUID, experiment_id: uuid.UUID) -> tuple[int, ...]: ...


class InboxRepository(
    VaultMediaRepository, EntitlementsRepository, WithheldRepository, WhaleRepository, PriceTestRepository,
    UnansweredRepository, Protocol
):
    async def find_message(
        self, creator_id: uuid.UUID, fan_external_id: str, external_id: str
    ) -> tuple[uuid.UUID, uuid.UUID] | None:
        """(message id, conversation id) of the message stored under this connector id, if any."""
        ...

    async def touch_conversation(
        self,
        *,
        creator_id: uuid.UUID,
        fan_id: uuid.UUID,
        fan_external_id: str,
        fan_display_name: str,
        at: datetime,
        now: datetime,
    ) -> Touched | None:
        """Creates the fan's conversation or counts one more message in it (last activity moves to
        ``at`` if later), and locks it until the transaction ends: messages of one conversation are
        written one at a time, so their events keep the order of the writes. Returns its id (and
        whether the fan is in ``whales``), or None when the fan was erased (nothing written)."""
        ...

    async def add_message(self, message: Message, *, unless_erased: uuid.UUID | None = None) -> bool:
        """Stores the message; with ``unless_erased`` (a fan id), only while that fan has no
        tombstone (False then: nothing stored)."""
        ...

    async def conversation(self, creator_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation | None: ...

    async def draft(self, creator_id: uuid.UUID, draft_id: uuid.UUID, *, lock: bool = False) -> Draft | None:
        """The creator's draft (another creator's id is None); ``lock`` holds it until the commit."""
        ...

    async def add_draft(self, draft: Draft) -> None:
        """Stores a new draft; a draft already stored under its id is left as it is."""
        ...

    async def save_draft(self, draft: Draft) -> None:
        """Writes a draft's changed status, text, approval, sending and failure fields."""
        ...

    async def count_outgoing(self, conversation_id: uuid.UUID, at: datetime) -> None:
        """One more message in the conversation, sent at ``at`` (last activity moves if later)."""
        ...

    async def list_conversations(
        self,
        creator_id: uuid.UUID,
        *,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None,
        priority_only: bool = False,
    ) -> list[ConversationSummary]:
        """Most recent activity first, each with its last message and drafts waiting for approval;
        ``priority_only``: only the conversations priority now (inbox.whales)."""
        ...

    async def recent_messages(self, conversation_id: uuid.UUID, limit: int | None) -> list[Message]:
        """The most recent messages, oldest first (``limit=None``: all of them)."""
        ...

    async def received_at(self, message_id: uuid.UUID) -> datetime | None:
        """When that message reached Huntaze (None: no such message, e.g. erased)."""
        ...

    async def drafts(self, conversation_id: uuid.UUID, since: datetime | None) -> list[Draft]:
        """The conversation's drafts (created since ``since``, when given), oldest first."""
        ...

    # erasure (inbox.erasure) ----------------------------------------------------------------------
    async def erase_fan(self, erased: ErasedFan, *, now: datetime) -> None:
        """Records the tombstone (again: counts one more application) and deletes the fan's
        conversations, their messages, drafts and offers, and their published outbox rows."""
        ...

    async def erased(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> ErasedFan | None: ...

    async def restricted_words(self, creator_id: uuid.UUID) -> list[str]:
        """The creator's own restricted words (the default list is :mod:`inbox.guardrails`')."""
        ...

    async def set_restricted_words(self, creator_id: uuid.UUID, words: list[str], now: datetime) -> None: ...

    async def fan_conversations(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> list[Conversation]:
        """The creator's conversations with this fan, oldest first."""
        ...

    # offers (inbox.handlers.offers) -------------------------------------------------------------------
    async def add_offer(self, offer: Offer) -> None: ...

    async def offer(self, creator_id: uuid.UUID, offer_id: uuid.UUID, *, lock: bool = False) -> Offer | None:
        """The creator's offer (another creator's id is None); ``lock`` holds it until the commit."""
        ...

    async def save_offer(self, offer: Offer) -> None:
        """Writes an offer's status, sending, unlock and revenue fields."""
        ...

    async def count_offer_transaction(self, offer_id: uuid.UUID, transaction_id: uuid.UUID) -> bool:
        """Notes that this transaction was counted in the offer; False when it already was."""
        ...

    async def fan_offers(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> list[Offer]:
        """Every offer made to the fan, newest first."""
        ...

    async def conversation_offers(self, conversation_id: uuid.UUID) -> list[Offer]:
        """The conversation's offers, newest first."""
        ...

    # mass messages and their audience (inbox.handlers.mass_messages, inbox.handlers.audience) -------------
    async def update_audience_profile(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, external_id: str, display_name: str, now: datetime
    ) -> None: ...

    async def update_audience_segment(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, segment: str, entered: bool, now: datetime
    ) -> None: ...

    async def known_custom_segments(self, creator_id: uuid.UUID, asked: list[str]) -> set[str]:
        """Those of ``asked`` (``custom:<id>``) that some fan of the creator is in."""
        ...

    async def audience(
        self, creator_id: uuid.UUID, audience: Audience, media_ids: tuple[uuid.UUID, ...], now: datetime, sample: int
    ) -> tuple[int, list[Recipient]]:
        """How many fans the audience holds now, and ``sample`` of them."""
        ...

    async def add_mass_message(self, mass: MassMessage, currency: str) -> None: ...

    async def mass_message(
        self, creator_id: uuid.UUID, mass_id: uuid.UUID, *, lock: bool = False
    ) -> MassMessage | None: ...

    async def mass_messages(
        self, creator_id: uuid.UUID, *, limit: int, after: tuple[datetime, uuid.UUID] | None
    ) -> list[MassMessage]: ...

    async def save_mass_message(self, mass: MassMessage) -> None: ...

    async def claim_command(
        self, creator_id: uuid.UUID, command_id: uuid.UUID, mass_id: uuid.UUID, at: datetime
    ) -> bool:
        """Records that a calendar command (a move) is being answered; False when it was already."""
        ...

    async def expand(self, mass: MassMessage, now: datetime) -> int:
        """One pending delivery per fan of its audience now; returns how many it has."""
        ...

    async def claim_deliveries(self, mass_id: uuid.UUID, limit: int, now: datetime) -> list[Delivery]:
        """Up to ``limit`` pending deliveries, now queued (no two replicas claim the same one)."""
        ...

    async def bought_any(
        self, creator_id: uuid.UUID, fan_ids: list[uuid.UUID], media_ids: tuple[uuid.UUID, ...]
    ) -> set[uuid.UUID]:
        """Those fans who unlocked an offer holding any of these media."""
        ...

    async def delivery(self, mass_id: uuid.UUID, fan_id: uuid.UUID, *, lock: bool = False) -> Delivery | None: ...

    async def settle_delivery(
        self, mass_id: uuid.UUID, fan_id: uuid.UUID, status: DeliveryStatus, reason: str | None = None
    ) -> None: ...

    async def cancel_deliveries(self, mass_id: uuid.UUID) -> list[uuid.UUID]:
        """Cancels every delivery not handed over; returns the fans of those that were queued."""
        ...

    async def unsettled(self, mass_id: uuid.UUID) -> dict[str, int]:
        """Deliveries still pending or queued, by status."""
        ...

    async def mass_stats(self, mass: MassMessage) -> MassStats: ...

    async def outbound_conversation(
        self,
        creator_id: uuid.UUID,
        fan_id: uuid.UUID,
        external_id: str,
        display_name: str,
        now: datetime,
        conversation_id: uuid.UUID | None = None,
    ) -> uuid.UUID | None:
        """The fan's conversation (created empty if none, with ``conversation_id`` when given); None
        when the fan was erased."""
        ...

    # automations -------------------------------------------------------------------------------------
    async def automation_config(self, creator_id: uuid.UUID) -> AutomationConfig:
        """The creator's automations and limits (the defaults, all off, when never set)."""
        ...

    async def save_automation_config(
        self, creator_id: uuid.UUID, config: AutomationConfig, *, by: uuid.UUID, now: datetime
    ) -> None: ...

    async def add_run(self, run: Run) -> bool:
        """Records a trigger's run; False when the trigger has one already, or the fan was erased."""
        ...

    async def automation_run(self, run_id: uuid.UUID, *, lock: bool = False) -> Run | None: ...

    async def save_run(self, run: Run) -> None: ...

    async def automation_runs(
        self, creator_id: uuid.UUID, *, limit: int, kind: Kind | None = None, status: RunStatus | None = None
    ) -> list[Run]: ...

    async def autosent_since(self, creator_id: uuid.UUID, fan_id: uuid.UUID, since: datetime) -> SentToday:
        """Runs the autopilot sent since ``since``: to this fan, and for the whole creator."""
        ...

    async def lock_autopilot(self, creator_id: uuid.UUID) -> None:
        """Serialises the autopilot's decisions for one creator until the transaction ends."""
        ...

    async def audience_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> tuple[Recipient | None, set[str]]:
        """Who the fan is (None when unknown) and the segments they are in."""
        ...
