"""Offers on PostgreSQL (the rules: :mod:`inbox.offers`)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from huntaze_service.db import Transaction

from ..offers import Offer, OfferStatus
from .orm import OfferRow, OfferTransactionRow

_MUTABLE = (
    "status",
    "sent_at",
    "expires_at",
    "message_id",
    "delivery",
    "send_error",
    "unlocked_at",
    "unlock_transaction_id",
    "gross_cents",
    "net_cents",
    "transactions",
)


def _offer(r: Any) -> Offer:
    return Offer(
        id=r.id,
        creator_id=r.creator_id,
        conversation_id=r.conversation_id,
        fan_id=r.fan_id,
        text=r.text,
        price_cents=r.price_cents,
        currency=r.currency,
        media_ids=tuple(r.media_ids),
        status=OfferStatus(r.status),
        created_at=r.created_at,
        created_by=r.created_by,
        shift_id=r.shift_id,
        automation=r.automation,
        mass_message_id=r.mass_message_id,
        sent_at=r.sent_at,
        expires_at=r.expires_at,
        message_id=r.message_id,
        delivery=r.delivery,
        send_error=r.send_error,
        unlocked_at=r.unlocked_at,
        unlock_transaction_id=r.unlock_transaction_id,
        gross_cents=r.gross_cents,
        net_cents=r.net_cents,
        transactions=r.transactions,
    )


class Offers:
    """Mixed into the inbox repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def add_offer(self, o: Offer) -> None:
        values = {name: getattr(o, name) for name in _MUTABLE}
        values["status"] = o.status.value
        await self._tx.session.execute(
            insert(OfferRow).values(
                id=o.id,
                creator_id=o.creator_id,
                conversation_id=o.conversation_id,
                fan_id=o.fan_id,
                text=o.text,
                price_cents=o.price_cents,
                currency=o.currency,
                media_ids=list(o.media_ids),
                created_at=o.created_at,
                created_by=o.created_by,
                shift_id=o.shift_id,
                automation=o.automation,
                mass_message_id=o.mass_message_id,
                **values,
            )
        )

    async def offer(self, creator_id: uuid.UUID, offer_id: uuid.UUID, *, lock: bool = False) -> Offer | None:
        stmt = select(OfferRow).where(OfferRow.id == offer_id, OfferRow.creator_id == creator_id)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self._tx.session.execute(stmt)).scalar_one_or_none()
        return None if row is None else _offer(row)

    async def save_offer(self, o: Offer) -> None:
        values = {name: getattr(o, name) for name in _MUTABLE}
        values["status"] = o.status.value
        await self._tx.session.execute(
            update(OfferRow).where(OfferRow.id == o.id).values(**values).execution_options(synchronize_session=False)
        )

    async def count_offer_transaction(self, offer_id: uuid.UUID, transaction_id: uuid.UUID) -> bool:
        result = await self._tx.session.execute(
            insert(OfferTransactionRow)
            .values(offer_id=offer_id, transaction_id=transaction_id)
            .on_conflict_do_nothing()
            .returning(OfferTransactionRow.offer_id)
        )
        return result.first() is not None

    async def fan_offers(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> list[Offer]:
        rows = await self._tx.session.scalars(
            select(OfferRow)
            .where(OfferRow.creator_id == creator_id, OfferRow.fan_id == fan_id)
            .order_by(OfferRow.created_at.desc(), OfferRow.id.desc())
        )
        return [_offer(r) for r in rows.all()]

    async def conversation_offers(self, conversation_id: uuid.UUID) -> list[Offer]:
        rows = await self._tx.session.scalars(
            select(OfferRow)
            .where(OfferRow.conversation_id == conversation_id)
            .order_by(OfferRow.created_at.desc(), OfferRow.id.desc())
        )
        return [_offer(r) for r in rows.all()]
