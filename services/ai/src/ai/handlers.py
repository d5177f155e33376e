"""Use cases of the ai service."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from huntaze_events import Envelope, MessageReceived, ReplyDrafted, ReplySent, utcnow
from huntaze_service import HandlerContext

from .adapters.orm import ConversationLine, Generation, PersonaRow
from .domain import (
    DEFAULT_PERSONA,
    HISTORY_LIMIT,
    DraftingProvider,
    DraftRequest,
    EmojiUse,
    HistoryLine,
    Persona,
    Speaker,
    Tone,
)

DRAFT_NAMESPACE = uuid.UUID("3d1f8a42-7c55-4e0b-b1a9-6a0e2f4c9d17")


def draft_id_for(message_id: uuid.UUID) -> uuid.UUID:
    """The automatic draft of a message has a stable id: a redelivery can never make a second one."""
    return uuid.uuid5(DRAFT_NAMESPACE, str(message_id))


async def load_persona(session: AsyncSession, creator_id: uuid.UUID) -> tuple[Persona, bool]:
    """The creator's persona, and whether it is the default (never set)."""
    row = await session.get(PersonaRow, creator_id)
    if row is None:
        return DEFAULT_PERSONA, True
    return (
        Persona(
            tone=Tone(row.tone),
            emoji_use=EmojiUse(row.emoji_use),
            boundaries=tuple(row.boundaries or ()),
            signature=row.signature,
            language=row.language,
        ),
        False,
    )


async def save_persona(session: AsyncSession, creator_id: uuid.UUID, persona: Persona) -> None:
    values = {
        "creator_id": creator_id,
        "tone": persona.tone.value,
        "emoji_use": persona.emoji_use.value,
        "boundaries": list(persona.boundaries),
        "signature": persona.signature,
        "language": persona.language,
        "updated_at": utcnow(),
    }
    stmt = insert(PersonaRow).values(**values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[PersonaRow.creator_id],
            set_={k: stmt.excluded[k] for k in values if k != "creator_id"},
        )
    )


async def _remember(
    session: AsyncSession,
    *,
    line_id: uuid.UUID,
    creator_id: uuid.UUID,
    conversation_id: uuid.UUID,
    speaker: Speaker,
    text: str,
    at: Any,
) -> None:
    await session.execute(
        insert(ConversationLine)
        .values(
            id=line_id,
            creator_id=creator_id,
            conversation_id=conversation_id,
            speaker=speaker.value,
            text=text,
            at=at,
        )
        .on_conflict_do_nothing(index_elements=[ConversationLine.id])
    )


async def _history(
    session: AsyncSession, conversation_id: uuid.UUID, creator_id: uuid.UUID, before: uuid.UUID
) -> tuple[HistoryLine, ...]:
    rows = (
        await session.scalars(
            select(ConversationLine)
            .where(
                ConversationLine.conversation_id == conversation_id,
                ConversationLine.creator_id == creator_id,
                ConversationLine.id != before,
            )
            .order_by(ConversationLine.at.desc())
            .limit(HISTORY_LIMIT)
        )
    ).all()
    return tuple(HistoryLine(Speaker(r.speaker), r.text, r.at) for r in reversed(rows))


async def draft_reply(ctx: HandlerContext, event: Envelope[MessageReceived], provider: DraftingProvider) -> None:
    """Drafts a reply to a fan's message, with the conversation so far and the creator's persona."""
    message = event.payload
    session = ctx.session
    await _remember(
        session,
        line_id=message.message_id,
        creator_id=event.creator_id,
        conversation_id=message.conversation_id,
        speaker=Speaker.FAN,
        text=message.text,
        at=message.sent_at,
    )
    persona, _ = await load_persona(session, event.creator_id)
    request = DraftRequest(
        creator_id=event.creator_id,
        conversation_id=message.conversation_id,
        message_id=message.message_id,
        fan_name=message.fan.display_name,
        message=message.text,
        history=await _history(session, message.conversation_id, event.creator_id, message.message_id),
        persona=persona,
    )
    started = time.perf_counter()
    draft = await provider.draft(request)
    draft_id = draft_id_for(message.message_id)
    inserted = await session.execute(
        insert(Generation)
        .values(
            draft_id=draft_id,
            message_id=message.message_id,
            creator_id=event.creator_id,
            conversation_id=message.conversation_id,
            provider=draft.provider,
            model=draft.model,
            text=draft.text,
            latency_ms=int((time.perf_counter() - started) * 1000),
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[Generation.message_id])
        .returning(Generation.draft_id)
    )
    if inserted.first() is None:
        return  # this message already has its draft (e.g. the event was published twice)
    ctx.emit(
        ReplyDrafted(
            draft_id=draft_id,
            conversation_id=message.conversation_id,
            in_reply_to_message_id=message.message_id,
            fan_id=message.fan.fan_id,
            text=draft.text,
            provider=draft.provider,
            model=draft.model,
        ),
        cause=event,
    )


async def remember_sent_reply(ctx: HandlerContext, event: Envelope[ReplySent]) -> None:
    """Keeps what the creator said, so the next drafts follow the conversation."""
    reply = event.payload
    await _remember(
        ctx.session,
        line_id=reply.message_id,
        creator_id=event.creator_id,
        conversation_id=reply.conversation_id,
        speaker=Speaker.CREATOR,
        text=reply.text,
        at=reply.sent_at,
    )
