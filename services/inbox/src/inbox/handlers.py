"""Use cases of the inbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from huntaze_events import (
    Envelope,
    FanRef,
    MessageReceived,
    ReplyApproved,
    ReplyDrafted,
    ReplySent,
    fan_id_for,
    utcnow,
)
from huntaze_service import HandlerContext, PermanentError, UnitOfWork

from .adapters.connector import OutboundConnector, OutboundReply
from .adapters.orm import Conversation, Draft, Message
from .domain import Direction, DraftStatus, check_approvable


class NotFound(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what


# commands ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiveMessage:
    creator_id: uuid.UUID
    fan_external_id: str
    fan_display_name: str
    text: str
    sent_at: datetime | None
    external_id: str | None


@dataclass(frozen=True)
class Received:
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    fan_id: uuid.UUID
    duplicate: bool


async def receive_message(uow: UnitOfWork, cmd: ReceiveMessage) -> Received:
    """Stores a fan's message in its conversation (created on first contact), emits message.received.

    A connector retry carrying the same external message id returns the stored message instead of
    storing it twice. The hottest write of the platform: three statements, no ORM unit of work."""
    now = utcnow()
    sent_at = cmd.sent_at or now
    fan_id = fan_id_for(cmd.creator_id, cmd.fan_external_id)
    session = uow.session
    if cmd.external_id is not None and (stored := await _stored(session, cmd, fan_id)) is not None:
        return stored
    # The upsert locks the conversation row: messages of one conversation are written one at a
    # time, so their outbox rows (and thus their events) keep the order of the writes.
    stmt = insert(Conversation).values(
        id=uuid.uuid4(),
        creator_id=cmd.creator_id,
        fan_id=fan_id,
        fan_external_id=cmd.fan_external_id,
        fan_display_name=cmd.fan_display_name,
        created_at=now,
        last_message_at=sent_at,
        message_count=1,
    )
    conversation_id = (
        await session.execute(
            stmt.on_conflict_do_update(
                constraint="uq_conversations_creator_fan",
                set_={
                    "fan_display_name": stmt.excluded.fan_display_name,
                    "message_count": Conversation.message_count + 1,
                    "last_message_at": func.greatest(Conversation.last_message_at, stmt.excluded.last_message_at),
                },
            ).returning(Conversation.id)
        )
    ).scalar_one()
    message_id = uuid.uuid4()
    try:
        await session.execute(
            insert(Message).values(
                id=message_id,
                creator_id=cmd.creator_id,
                conversation_id=conversation_id,
                direction=Direction.IN.value,
                text=cmd.text,
                sent_at=sent_at,
                received_at=now,
                external_id=cmd.external_id,
            )
        )
    except IntegrityError:
        # the same external id raced in from a concurrent retry: answer with the stored one
        await session.rollback()
        stored = await _stored(session, cmd, fan_id)
        assert stored is not None
        return stored
    uow.emit(
        MessageReceived(
            message_id=message_id,
            conversation_id=conversation_id,
            fan=FanRef(fan_id=fan_id, external_id=cmd.fan_external_id, display_name=cmd.fan_display_name),
            text=cmd.text,
            sent_at=sent_at,
            received_at=now,
        ),
        creator_id=cmd.creator_id,
    )
    await uow.commit()
    return Received(message_id, conversation_id, fan_id, duplicate=False)


async def _stored(session: AsyncSession, cmd: ReceiveMessage, fan_id: uuid.UUID) -> Received | None:
    """The message already stored under this connector id, if any."""
    found = (
        await session.execute(
            select(Message.id, Conversation.id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Conversation.creator_id == cmd.creator_id,
                Conversation.fan_external_id == cmd.fan_external_id,
                Message.external_id == cmd.external_id,
            )
        )
    ).first()
    return None if found is None else Received(found[0], found[1], fan_id, duplicate=True)


async def approve_draft(
    uow: UnitOfWork,
    *,
    creator_id: uuid.UUID,
    user_id: uuid.UUID,
    draft_id: uuid.UUID,
    text: str | None,
) -> Draft:
    """A person approves a draft, maybe edited; emits reply.approved. Raises NotFound for a draft
    of another creator, DraftNotApprovable when it was approved already."""
    session = uow.session
    draft = await session.scalar(
        select(Draft).where(Draft.id == draft_id, Draft.creator_id == creator_id).with_for_update()
    )
    if draft is None:
        raise NotFound("draft")
    check_approvable(DraftStatus(draft.status))
    conversation = await session.get(Conversation, draft.conversation_id)
    assert conversation is not None
    now = utcnow()
    draft.text = text if text is not None else draft.text
    draft.status = DraftStatus.APPROVED.value
    draft.approved_at = now
    draft.approved_by = user_id
    uow.emit(
        ReplyApproved(
            draft_id=draft.id,
            conversation_id=draft.conversation_id,
            fan_id=conversation.fan_id,
            in_reply_to_message_id=draft.in_reply_to_message_id,
            text=draft.text,
            edited=draft.text != draft.original_text,
            approved_by=user_id,
            approved_at=now,
        ),
        creator_id=creator_id,
    )
    await uow.commit()
    return draft


# event handlers -----------------------------------------------------------------------------------


async def record_draft(ctx: HandlerContext, event: Envelope[ReplyDrafted]) -> None:
    """Adds the AI's draft to its conversation, waiting for approval."""
    drafted = event.payload
    session = ctx.session
    conversation = await session.get(Conversation, drafted.conversation_id)
    if conversation is None or conversation.creator_id != event.creator_id:
        raise PermanentError(f"draft {drafted.draft_id} names unknown conversation {drafted.conversation_id}")
    await session.execute(
        insert(Draft)
        .values(
            id=drafted.draft_id,
            creator_id=event.creator_id,
            conversation_id=drafted.conversation_id,
            in_reply_to_message_id=drafted.in_reply_to_message_id,
            status=DraftStatus.DRAFTED.value,
            text=drafted.text,
            original_text=drafted.text,
            provider=drafted.provider,
            model=drafted.model,
            created_at=event.occurred_at,
        )
        .on_conflict_do_nothing(index_elements=[Draft.id])
    )


async def send_approved_reply(
    ctx: HandlerContext, event: Envelope[ReplyApproved], connector: OutboundConnector
) -> None:
    """Hands an approved reply to the outbound connector, then records it as sent."""
    approved = event.payload
    session = ctx.session
    draft = await session.scalar(
        select(Draft).where(Draft.id == approved.draft_id, Draft.creator_id == event.creator_id).with_for_update()
    )
    if draft is None:
        raise PermanentError(f"approved draft {approved.draft_id} does not exist")
    if draft.status == DraftStatus.SENT.value:
        return
    conversation = await session.get(Conversation, draft.conversation_id)
    assert conversation is not None
    await connector.send(
        OutboundReply(
            draft_id=draft.id,
            creator_id=draft.creator_id,
            conversation_id=draft.conversation_id,
            fan_id=conversation.fan_id,
            fan_external_id=conversation.fan_external_id,
            text=approved.text,
        )
    )
    now = utcnow()
    message_id = uuid.uuid4()
    session.add(
        Message(
            id=message_id,
            creator_id=draft.creator_id,
            conversation_id=draft.conversation_id,
            direction=Direction.OUT.value,
            text=approved.text,
            sent_at=now,
            received_at=now,
            draft_id=draft.id,
        )
    )
    conversation.message_count += 1
    conversation.last_message_at = max(conversation.last_message_at, now)
    draft.status = DraftStatus.SENT.value
    draft.sent_at = now
    draft.sent_message_id = message_id
    draft.delivery = connector.name
    ctx.emit(
        ReplySent(
            draft_id=draft.id,
            message_id=message_id,
            conversation_id=draft.conversation_id,
            fan_id=conversation.fan_id,
            text=approved.text,
            sent_at=now,
            delivery=connector.name,
        ),
        cause=event,
    )


# queries ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationSummary:
    conversation: Conversation
    last_message: Message | None
    pending_drafts: int


async def list_conversations(
    session: AsyncSession,
    creator_id: uuid.UUID,
    *,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
) -> list[ConversationSummary]:
    stmt = select(Conversation).where(Conversation.creator_id == creator_id)
    if after is not None:
        last_at, last_id = after
        stmt = stmt.where(
            or_(
                Conversation.last_message_at < last_at,
                and_(Conversation.last_message_at == last_at, Conversation.id < last_id),
            )
        )
    stmt = stmt.order_by(Conversation.last_message_at.desc(), Conversation.id.desc()).limit(limit)
    conversations = list((await session.scalars(stmt)).all())
    if not conversations:
        return []
    ids = [c.id for c in conversations]
    pending = dict(
        (
            await session.execute(
                select(Draft.conversation_id, func.count())
                .where(Draft.conversation_id.in_(ids), Draft.status == DraftStatus.DRAFTED.value)
                .group_by(Draft.conversation_id)
            )
        ).all()
    )
    last_messages = {
        m.conversation_id: m
        for m in (
            await session.scalars(
                select(Message)
                .where(Message.conversation_id.in_(ids))
                .order_by(Message.conversation_id, Message.sent_at.desc(), Message.id.desc())
                .distinct(Message.conversation_id)
            )
        ).all()
    }
    return [ConversationSummary(c, last_messages.get(c.id), pending.get(c.id, 0)) for c in conversations]


async def get_conversation(
    session: AsyncSession, creator_id: uuid.UUID, conversation_id: uuid.UUID, *, limit: int
) -> tuple[Conversation, list[Message], list[Draft]]:
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None or conversation.creator_id != creator_id:
        raise NotFound("conversation")
    recent = (
        await session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.sent_at.desc(), Message.id.desc())
            .limit(limit)
        )
    ).all()
    messages = list(reversed(recent))
    since = messages[0].sent_at if messages and len(recent) == limit else None
    draft_stmt = select(Draft).where(Draft.conversation_id == conversation_id)
    if since is not None:
        draft_stmt = draft_stmt.where(Draft.created_at >= since)
    drafts = list((await session.scalars(draft_stmt.order_by(Draft.created_at, Draft.id))).all())
    return conversation, messages, drafts


async def get_draft(session: AsyncSession, creator_id: uuid.UUID, draft_id: uuid.UUID) -> Draft:
    draft = await session.get(Draft, draft_id)
    if draft is None or draft.creator_id != creator_id:
        raise NotFound("draft")
    return draft
