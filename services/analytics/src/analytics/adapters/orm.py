"""The analytics service's tables (its own database): the read models the consumers keep.

The repository's statements are plain SQL on the transaction's psycopg connection (batched writes
from arrays, report queries with ``width_bucket`` and ``FILTER``); these declarations document the
schema and match the migrations (the integration tests compare them).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from huntaze_service import ServiceBase, new_metadata

from ..domain import LINE_OF_TYPE, LINES


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


def _one_of(column: str, values: Iterable[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class TransactionRow(Base):
    """One fact per transaction (sale, refund, chargeback); reversals carry negative amounts."""

    __tablename__ = "transactions"

    transaction_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    creator_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    fan_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    type: Mapped[str] = mapped_column(String(16))
    line: Mapped[str] = mapped_column(String(16))
    gross_cents: Mapped[int] = mapped_column(BigInteger)
    fee_cents: Mapped[int] = mapped_column(BigInteger)
    net_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(_one_of("type", LINE_OF_TYPE), name="type"),
        CheckConstraint(_one_of("line", LINES), name="line"),
        # every report reads one creator's facts in one currency over a time range; the included
        # columns let the summary and the revenue report answer from the index alone
        Index(
            "ix_transactions_creator_currency_occurred",
            "creator_id",
            "currency",
            "occurred_at",
            postgresql_include=["line", "fan_id", "gross_cents", "net_cents"],
        ),
    )


class FanRow(Base):
    """Each fan's name and OnlyFans id, as the latest event about them gave it."""

    __tablename__ = "fans"

    creator_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    fan_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(100))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SubscriptionRow(Base):
    """One subscription of a fan, known by its start: latest announced expiry, and its end once expired."""

    __tablename__ = "subscriptions"

    creator_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    fan_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ErasedFanRow(Base):
    """A fan whose personal data was erased (fan.erased): its name is not stored again."""

    __tablename__ = "erased_fans"

    fan_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    creator_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    applications: Mapped[int] = mapped_column(Integer, server_default="1")
    """How many times a fan.erased was applied (1; more would be an event applied twice)."""
