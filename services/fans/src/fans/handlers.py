"""Use cases of the fans service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from huntaze_events import Envelope, FanProfileUpdated, MessageReceived, utcnow
from huntaze_service import HandlerContext

from .adapters.orm import Fan
from .domain import fold_messages


async def track_fan_messages(ctx: HandlerContext, events: Sequence[Envelope[MessageReceived]]) -> None:
    """One upsert per fan for the whole batch, then one fan.profile_updated per fan changed."""
    deltas = {d.fan_id: d for d in fold_messages(list(events))}
    now = utcnow()
    stmt = insert(Fan).values(
        [
            {
                "id": d.fan_id,
                "creator_id": d.creator_id,
                "external_id": d.external_id,
                "display_name": d.display_name,
                "first_message_at": d.first_message_at,
                "last_message_at": d.last_message_at,
                "message_count": d.message_count,
                "created_at": now,
                "updated_at": now,
            }
            for d in deltas.values()
        ]
    )
    new = stmt.excluded
    previous_last = func.coalesce(Fan.last_message_at, new.last_message_at)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Fan.id],
        set_={
            "message_count": Fan.message_count + new.message_count,
            "first_message_at": func.least(Fan.first_message_at, new.first_message_at),
            "last_message_at": func.greatest(Fan.last_message_at, new.last_message_at),
            # the name on the most recent message wins, whatever order messages arrive in
            "display_name": case((new.last_message_at >= previous_last, new.display_name), else_=Fan.display_name),
            "updated_at": now,
        },
        # a fan id never moves between tenants; a mismatch updates nothing and is caught below
        where=Fan.creator_id == new.creator_id,
    ).returning(Fan)
    fans = (await ctx.session.scalars(stmt)).all()
    if len(fans) != len(deltas):
        missing = set(deltas) - {f.id for f in fans}
        raise ValueError(f"fan ids belong to another creator: {sorted(map(str, missing))}")
    for fan in fans:
        ctx.emit(
            FanProfileUpdated(
                fan_id=fan.id,
                external_id=fan.external_id,
                display_name=fan.display_name,
                first_message_at=fan.first_message_at,
                last_message_at=fan.last_message_at,
                message_count=fan.message_count,
            ),
            cause=deltas[fan.id].latest,
        )


async def list_fans(
    session: AsyncSession,
    creator_id: uuid.UUID,
    *,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
    query: str | None,
) -> list[Fan]:
    stmt = select(Fan).where(Fan.creator_id == creator_id)
    if query:
        pattern = "%" + query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                func.lower(Fan.display_name).like(pattern, escape="\\"),
                func.lower(Fan.external_id).like(pattern, escape="\\"),
            )
        )
    if after is not None:
        last_at, last_id = after
        stmt = stmt.where(or_(Fan.last_message_at < last_at, and_(Fan.last_message_at == last_at, Fan.id < last_id)))
    stmt = stmt.order_by(Fan.last_message_at.desc(), Fan.id.desc()).limit(limit)
    return list((await session.scalars(stmt)).all())


async def get_fan(session: AsyncSession, creator_id: uuid.UUID, fan_id: uuid.UUID) -> Fan | None:
    fan = await session.get(Fan, fan_id)
    return fan if fan is not None and fan.creator_id == creator_id else None
