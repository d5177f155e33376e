"""The inbox repository on PostgreSQL (its own database).

The connector's message ingestion is the hottest write of the platform: its three statements go
straight to psycopg (prepared after a few runs) on the transaction's connection; the rest is
SQLAlchemy Core."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert

from huntaze_service.db import Transaction
from huntaze_service.vault_media import SqlVaultMedia

from ..domain import Conversation, ConversationSummary, Direction, Draft, DraftStatus, Message
from ..whales import Touched
from .automations_sql import Automations
from .erasure_sql import Erasure
from .guardrails_sql import RestrictedWords
from .mass_sql import MassMessages
from .offers_sql import Offers
from .orm import ConversationRow, DraftRow, MessageRow
from .price_tests_sql import PriceTestStore
from .quota_sql import Quota
from .unanswered_sql import Unanswered
from .whales_sql import Whales, active_priorities

_FIND_MESSAGE = (
    "SELECT m.id, c.id FROM messages m JOIN conversations c ON c.id = m.conversation_id "
    "WHERE c.creator_id = %s AND c.fan_external_id = %s AND m.external_id = %s"
)
_TOUCH_CONVERSATION = (
    "INSERT INTO conversations (id, creator_id, fan_id, fan_external_id, fan_display_name, created_at, "
    "last_message_at, message_count) SELECT %s, %s, %s, %s, %s, %s, %s, 1 "
    "WHERE NOT EXISTS (SELECT 1 FROM erased_fans WHERE fan_id = %s) "
    "ON CONFLICT ON CONSTRAINT uq_conversations_creator_fan DO UPDATE SET "
    "fan_display_name = excluded.fan_display_name, message_count = conversations.message_count + 1, "
    "last_message_at = greatest(conversations.last_message_at, excluded.last_message_at) RETURNING id, "
    "EXISTS (SELECT 1 FROM audience_fans WHERE fan_id = %s AND 'whales' = ANY(segments))"  # whale routing
)
_ADD_MESSAGE = (
    "INSERT INTO messages (id, creator_id, conversation_id, direction, text, sent_at, received_at, external_id, "
    "draft_id, offer_id, automation) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
# a fan's message, unless the fan was erased: the tombstone is read by the INSERT itself, which runs
# after the conversation's row lock was granted, so it sees an erasure that committed meanwhile
_ADD_MESSAGE_UNLESS_ERASED = (
    "INSERT INTO messages (id, creator_id, conversation_id, direction, text, sent_at, received_at, external_id, "
    "draft_id, offer_id, automation) SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s WHERE NOT EXISTS (SELECT 1 FROM erased_fans WHERE fan_id = %s)"
)


def _conversation(r: Any) -> Conversation:
    return Conversation(
        r.id,
        r.creator_id,
        r.fan_id,
        r.fan_external_id,
        r.fan_display_name,
        r.created_at,
        r.last_message_at,
        r.message_count,
    )


def _message(r: Any) -> Message:
    return Message(
        r.id,
        r.creator_id,
        r.conversation_id,
        Direction(r.direction),
        r.text,
        r.sent_at,
        r.received_at,
        r.external_id,
        r.draft_id,
        r.offer_id,
        r.automation,
    )


def _draft(r: Any) -> Draft:
    return Draft(
        id=r.id,
        creator_id=r.creator_id,
        conversation_id=r.conversation_id,
        in_reply_to_message_id=r.in_reply_to_message_id,
        status=DraftStatus(r.status),
        text=r.text,
        original_text=r.original_text,
        provider=r.provider,
        model=r.model,
        created_at=r.created_at,
        approved_at=r.approved_at,
        approved_by=r.approved_by,
        approved_shift_id=r.approved_shift_id,
        sent_at=r.sent_at,
        sent_message_id=r.sent_message_id,
        delivery=r.delivery,
        send_error=r.send_error,
        review_reasons=tuple(r.review_reasons or ()),
        supersedes=r.supersedes,
        superseded_by=r.superseded_by,
        automation=r.automation,
        automation_run_id=r.automation_run_id,
    )


class SqlInboxRepository(
    Erasure, RestrictedWords, Offers, MassMessages, Automations, SqlVaultMedia, Quota, Whales, PriceTestStore,
    Unanswered
):
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    # ingestion (hot path, psycopg) -------------------------------------------------------------------
    async def find_message(
        self, creator_id: uuid.UUID, fan_external_id: str, external_id: str
    ) -> tuple[uuid.UUID, uuid.UUID] | None:
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(_FIND_MESSAGE, (creator_id, fan_external_id, external_id))
            row = await cursor.fetchone()
        return None if row is None else (row[0], row[1])

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
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(
                _TOUCH_CONVERSATION,
                (uuid.uuid4(), creator_id, fan_id, fan_external_id, fan_display_name, now, at, fan_id, fan_id),
            )
            row = await cursor.fetchone()
        return None if row is None else Touched(row[0], row[1])

    async def add_message(self, m: Message, *, unless_erased: uuid.UUID | None = None) -> bool:
        conn = await self._tx.driver()
        values = (
            m.id,
            m.creator_id,
            m.conversation_id,
            m.direction.value,
            m.text,
            m.sent_at,
            m.received_at,
            m.external_id,
            m.draft_id,
            m.offer_id,
            m.automation,
        )
        async with conn.cursor() as cursor:
            if unless_erased is None:
                await cursor.execute(_ADD_MESSAGE, values)
                return True
            await cursor.execute(_ADD_MESSAGE_UNLESS_ERASED, (*values, unless_erased))
            return cursor.rowcount == 1

    # conversations and drafts --------------------------------------------------------------------------
    async def conversation(self, creator_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation | None:
        row = await self._tx.session.get(ConversationRow, conversation_id)
        return _conversation(row) if row is not None and row.creator_id == creator_id else None

    async def draft(self, creator_id: uuid.UUID, draft_id: uuid.UUID, *, lock: bool = False) -> Draft | None:
        stmt = select(DraftRow).where(DraftRow.id == draft_id, DraftRow.creator_id == creator_id)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self._tx.session.execute(stmt)).scalar_one_or_none()
        return None if row is None else _draft(row)

    async def add_draft(self, d: Draft) -> None:
        await self._tx.session.execute(
            insert(DraftRow)
            .values(
                id=d.id,
                creator_id=d.creator_id,
                conversation_id=d.conversation_id,
                in_reply_to_message_id=d.in_reply_to_message_id,
                status=d.status.value,
                text=d.text,
                original_text=d.original_text,
                provider=d.provider,
                model=d.model,
                created_at=d.created_at,
                review_reasons=list(d.review_reasons),
                supersedes=d.supersedes,
                automation=d.automation,
                automation_run_id=d.automation_run_id,
                approved_at=d.approved_at,
                approved_by=d.approved_by,
            )
            .on_conflict_do_nothing(index_elements=[DraftRow.id])
        )

    async def save_draft(self, d: Draft) -> None:
        await self._tx.session.execute(
            update(DraftRow)
            .where(DraftRow.id == d.id)
            .values(
                status=d.status.value,
                text=d.text,
                approved_at=d.approved_at,
                approved_by=d.approved_by,
                approved_shift_id=d.approved_shift_id,
                sent_at=d.sent_at,
                sent_message_id=d.sent_message_id,
                delivery=d.delivery,
                send_error=d.send_error,
                superseded_by=d.superseded_by,
            )
            .execution_options(synchronize_session=False)
        )

    async def count_outgoing(self, conversation_id: uuid.UUID, at: datetime) -> None:
        await self._tx.session.execute(
            update(ConversationRow)
            .where(ConversationRow.id == conversation_id)
            .values(
                message_count=ConversationRow.message_count + 1,
                last_message_at=func.greatest(ConversationRow.last_message_at, at),
            )
            .execution_options(synchronize_session=False)
        )

    # queries ---------------------------------------------------------------------------------------------
    async def list_conversations(
        self,
        creator_id: uuid.UUID,
        *,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None,
        priority_only: bool = False,
    ) -> list[ConversationSummary]:
        stmt = select(ConversationRow).where(ConversationRow.creator_id == creator_id)
        if priority_only:
            stmt = stmt.where(ConversationRow.id.in_(active_priorities(creator_id)))
        if after is not None:
            last_at, last_id = after
            stmt = stmt.where(
                or_(
                    ConversationRow.last_message_at < last_at,
                    and_(ConversationRow.last_message_at == last_at, ConversationRow.id < last_id),
                )
            )
        stmt = stmt.order_by(ConversationRow.last_message_at.desc(), ConversationRow.id.desc()).limit(limit)
        conversations = [_conversation(r) for r in (await self._tx.session.scalars(stmt)).all()]
        if not conversations:
            return []
        ids = [c.id for c in conversations]
        pending = dict(
            (
                await self._tx.session.execute(
                    select(DraftRow.conversation_id, func.count())
                    .where(DraftRow.conversation_id.in_(ids), DraftRow.status == DraftStatus.DRAFTED.value)
                    .group_by(DraftRow.conversation_id)
                )
            ).all()
        )
        last = {
            m.conversation_id: _message(m)
            for m in (
                await self._tx.session.scalars(
                    select(MessageRow)
                    .where(MessageRow.conversation_id.in_(ids))
                    .order_by(MessageRow.conversation_id, MessageRow.sent_at.desc(), MessageRow.id.desc())
                    .distinct(MessageRow.conversation_id)
                )
            ).all()
        }
        return [ConversationSummary(c, last.get(c.id), pending.get(c.id, 0)) for c in conversations]

    async def recent_messages(self, conversation_id: uuid.UUID, limit: int | None) -> list[Message]:
        rows = (
            await self._tx.session.scalars(
                select(MessageRow)
                .where(MessageRow.conversation_id == conversation_id)
                .order_by(MessageRow.sent_at.desc(), MessageRow.id.desc())
                .limit(limit)
            )
        ).all()
        return [_message(r) for r in reversed(rows)]

    async def received_at(self, message_id: uuid.UUID) -> datetime | None:
        return await self._tx.session.scalar(select(MessageRow.received_at).where(MessageRow.id == message_id))

    async def drafts(self, conversation_id: uuid.UUID, since: datetime | None) -> list[Draft]:
        stmt = select(DraftRow).where(DraftRow.conversation_id == conversation_id)
        if since is not None:
            stmt = stmt.where(DraftRow.created_at >= since)
        return [
            _draft(r) for r in (await self._tx.session.scalars(stmt.order_by(DraftRow.created_at, DraftRow.id))).all()
        ]
