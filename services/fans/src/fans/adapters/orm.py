"""The fans service's tables (its own database)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from huntaze_service import ServiceBase, new_metadata


class Base(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class FanRow(Base):
    __tablename__ = "fans"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    creator_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(100))
    first_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    last_active_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Latest of the last message and the last purchase (the CRM's "last active" sort).
    The revenue columns (spend, subscription, tags, segments...) are read and written in plain SQL:
    see adapters/states.py and adapters/crm_sql.py."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Set when the fan's personal data was erased (fans.erasure): the row stays, anonymised."""

    __table_args__ = (
        UniqueConstraint("creator_id", "external_id", name="uq_fans_creator_external"),
        Index("ix_fans_creator_last_message", "creator_id", "last_message_at", "id"),
    )
