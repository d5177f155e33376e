"""Use cases of the ai service."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
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
    Draft,
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


async def _histories(
    session: AsyncSession, messages: Sequence[Envelope[MessageReceived]]
) -> dict[uuid.UUID, tuple[HistoryLine, ...]]:
    """For each message, the earlier lines of its conversation (oldest first), one query per
    conversation; messages of one batch see each other in their order."""
    by_conversation: dict[uuid.UUID, list[Envelope[MessageReceived]]] = defaultdict(list)
    for event in messages:
        by_conversation[event.payload.conversation_id].append(event)
    histories: dict[uuid.UUID, tuple[HistoryLine, ...]] = {}
    for conversation_id, events in by_conversation.items():
        rows = (
            await session.scalars(
                select(ConversationLine)
                .where(
                    ConversationLine.conversation_id == conversation_id,
                    ConversationLine.creator_id == events[0].creator_id,
                )
                .order_by(ConversationLine.at.desc(), ConversationLine.id.desc())
                .limit(HISTORY_LIMIT + len(events))
            )
        ).all()
        lines = list(reversed(rows))
        for event in events:
            message = event.payload
            earlier = [r for r in lines if r.id != message.message_id and r.at <= message.sent_at]
            histories[message.message_id] = tuple(
                HistoryLine(Speaker(r.speaker), r.text, r.at) for r in earlier[-HISTORY_LIMIT:]
            )
    return histories


async def draft_replies(
    ctx: HandlerContext,
    events: Sequence[Envelope[MessageReceived]],
    provider: DraftingProvider,
    concurrency: int = 8,
) -> None:
    """Drafts a reply to each fan message of a batch, with its conversation so far and the
    creator's persona. Calls to a remote model run concurrently (at most ``concurrency``)."""
    session = ctx.session
    await session.execute(
        insert(ConversationLine)
        .values(
            [
                {
                    "id": e.payload.message_id,
                    "creator_id": e.creator_id,
                    "conversation_id": e.payload.conversation_id,
                    "speaker": Speaker.FAN.value,
                    "text": e.payload.text,
                    "at": e.payload.sent_at,
                }
                for e in events
            ]
        )
        .on_conflict_do_nothing(index_elements=[ConversationLine.id])
    )
    personas = {creator: (await load_persona(session, creator))[0] for creator in {e.creator_id for e in events}}
    histories = await _histories(session, events)
    limit = asyncio.Semaphore(concurrency)

    async def write(event: Envelope[MessageReceived]) -> tuple[Draft, int]:
        message = event.payload
        request = DraftRequest(
            creator_id=event.creator_id,
            conversation_id=message.conversation_id,
            message_id=message.message_id,
            fan_name=message.fan.display_name,
            message=message.text,
            history=histories[message.message_id],
            persona=personas[event.creator_id],
        )
        async with limit:
            started = time.perf_counter()
            draft = await provider.draft(request)
            return draft, int((time.perf_counter() - started) * 1000)

    drafts = await asyncio.gather(*(write(e) for e in events))
    now = utcnow()
    inserted = set(
        (
            await session.scalars(
                insert(Generation)
                .values(
                    [
                        {
                            "draft_id": draft_id_for(e.payload.message_id),
                            "message_id": e.payload.message_id,
                            "creator_id": e.creator_id,
                            "conversation_id": e.payload.conversation_id,
                            "provider": draft.provider,
                            "model": draft.model,
                            "text": draft.text,
                            "latency_ms": latency_ms,
                            "created_at": now,
                        }
                        for e, (draft, latency_ms) in zip(events, drafts, strict=True)
                    ]
                )
                .on_conflict_do_nothing(index_elements=[Generation.message_id])
                .returning(Generation.message_id)
            )
        ).all()
    )
    for event, (draft, _) in zip(events, drafts, strict=True):
        message = event.payload
        if message.message_id not in inserted:
            continue  # this message already has its draft (e.g. the event was published twice)
        ctx.emit(
            ReplyDrafted(
                draft_id=draft_id_for(message.message_id),
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
