"""The withheld fan messages (:mod:`inbox.quota`) on PostgreSQL; the entitlements' tables are the
chassis' (:class:`huntaze_service.entitlements.SqlEntitlements`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from huntaze_service.entitlements import SqlEntitlements

from ..quota import Withheld


class Quota(SqlEntitlements):
    async def record_withheld(self, withheld: Withheld) -> None:
        w = withheld
        await self._rows(
            "INSERT INTO withheld_replies (message_id, creator_id, conversation_id, quota_limit, plan, upgrade_to, "
            "period, withheld_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (message_id) DO UPDATE SET "
            "quota_limit = EXCLUDED.quota_limit, plan = EXCLUDED.plan, upgrade_to = EXCLUDED.upgrade_to, "
            "period = EXCLUDED.period, withheld_at = EXCLUDED.withheld_at "
            "WHERE withheld_replies.creator_id = EXCLUDED.creator_id "
            "AND withheld_replies.withheld_at < EXCLUDED.withheld_at",
            (w.message_id, w.creator_id, w.conversation_id, w.limit, w.plan, w.upgrade_to, w.period, w.withheld_at),
        )

    async def withheld_among(
        self, creator_id: uuid.UUID, message_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Withheld]:
        if not message_ids:
            return {}
        rows = await self._rows(
            "SELECT message_id, creator_id, conversation_id, quota_limit, plan, upgrade_to, period, withheld_at "
            "FROM withheld_replies WHERE creator_id = %s AND message_id = ANY(%s)",
            (creator_id, list(message_ids)),
        )
        return {r[0]: Withheld(*r) for r in rows}
