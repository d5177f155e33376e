"""The fans repository on PostgreSQL (its own database)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, func
from sqlalchemy.dialects.postgresql import insert

from huntaze_service.db import Transaction

from ..domain import ActivityDelta, Fan, FanOfAnotherCreator
from .crm_sql import Crm
from .erasure_sql import Erasure
from .imports_sql import Imports
from .ledger_sql import Ledger
from .orm import FanRow
from .states import FanStates


def _fan(row: FanRow) -> Fan:
    return Fan(
        id=row.id,
        creator_id=row.creator_id,
        external_id=row.external_id,
        display_name=row.display_name,
        first_message_at=row.first_message_at,
        last_message_at=row.last_message_at,
        message_count=row.message_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlFansRepository(FanStates, Ledger, Crm, Imports, Erasure):
    """The fans service's storage: fan activity here, the other concerns in their own modules."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def apply_activity(self, deltas: Sequence[ActivityDelta], now: datetime) -> list[Fan]:
        stmt = insert(FanRow).values(
            [
                {
                    "id": d.fan_id,
                    "creator_id": d.creator_id,
                    "external_id": d.external_id,
                    "display_name": d.display_name,
                    "first_message_at": d.first_message_at,
                    "last_message_at": d.last_message_at,
                    "message_count": d.message_count,
                    "last_active_at": d.last_message_at,
                    "created_at": now,
                    "updated_at": now,
                }
                for d in sorted(deltas, key=lambda d: d.fan_id)  # rows locked in id order, like lock_fans
            ]
        )
        new = stmt.excluded
        previous_last = func.coalesce(FanRow.last_message_at, new.last_message_at)
        stmt = stmt.on_conflict_do_update(
            index_elements=[FanRow.id],
            set_={
                "message_count": FanRow.message_count + new.message_count,
                "first_message_at": func.least(FanRow.first_message_at, new.first_message_at),
                "last_message_at": func.greatest(FanRow.last_message_at, new.last_message_at),
                "last_active_at": func.greatest(FanRow.last_active_at, new.last_message_at),
                # the name on the most recent message wins, whatever order messages arrive in; an
                # erased fan keeps the placeholder (fans.erasure)
                "display_name": case(
                    (FanRow.erased_at.is_not(None), FanRow.display_name),
                    (new.last_message_at >= previous_last, new.display_name),
                    else_=FanRow.display_name,
                ),
                "updated_at": now,
            },
            # a fan id never moves between tenants; a mismatch updates nothing and is caught below
            where=FanRow.creator_id == new.creator_id,
        ).returning(FanRow)
        fans = [_fan(row) for row in (await self._tx.session.scalars(stmt)).all()]
        if len(fans) != len(deltas):
            missing = {d.fan_id for d in deltas} - {f.id for f in fans}
            raise FanOfAnotherCreator(f"fan ids belong to another creator: {sorted(map(str, missing))}")
        return fans

    async def get_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> Fan | None:
        row = await self._tx.session.get(FanRow, fan_id)
        return _fan(row) if row is not None and row.creator_id == creator_id else None
