"""The inbox's tables (its own database)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from huntaze_service import ServiceBase, new_metadata


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    creator_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    fan_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    fan_external_id: Mapped[str] = mapped_column(String(128))
    fan_display_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_message_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    message_count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("creator_id", "fan_external_id", name="uq_conversations_creator_fan"),
        Index("ix_conversations_creator_last", "creator_id", "last_message_at", "id"),
    )


class MessageRow(Base):
    __tablename__ = "messages"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    creator_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id"))
    direction: Mapped[str] = mapped_column(String(3))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    external_id: Mapped[str | None] = mapped_column(String(128))
    draft_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    offer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    automation: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        Index("ix_messages_conversation_sent", "conversation_id", "sent_at"),
        Index(
            "uq_messages_conversation_external",
            "conversation_id",
            "external_id",
            unique=True,
            postgresql_where="external_id IS NOT NULL",
        ),
    )


class DraftRow(Base):
    __tablename__ = "drafts"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    creator_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id"))
    in_reply_to_message_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    original_text: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    approved_shift_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_message_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    delivery: Mapped[str | None] = mapped_column(String(32))
    send_error: Mapped[str | None] = mapped_column(Text)
    review_reasons: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    supersedes: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    superseded_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    automation: Mapped[str | None] = mapped_column(String(16))
    automation_run_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))

    __table_args__ = (Index("ix_drafts_conversation_created", "conversation_id", "created_at"),)


class OfferRow(Base):
    __tablename__ = "offers"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    creator_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversations.id"))
    fan_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    text: Mapped[str] = mapped_column(Text)
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    media_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    shift_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    automation: Mapped[str | None] = mapped_column(String(32))
    mass_message_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    delivery: Mapped[str | None] = mapped_column(String(32))
    send_error: Mapped[str | None] = mapped_column(Text)
    unlocked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unlock_transaction_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    gross_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    net_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    transactions: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("ix_offers_conversation_created", "conversation_id", "created_at"),
        Index("ix_offers_creator_fan", "creator_id", "fan_id", "created_at"),
    )


class OfferTransactionRow(Base):
    """Each transaction counted in an offer's revenue, once."""

    __tablename__ = "offer_transactions"

    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True)
    transaction_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
