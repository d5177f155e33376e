"""What billing needs of the gateway's database: organisations' revisions, seat counts, and the
read model of billing's ``entitlement.changed``."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import text

from huntaze_service.db import Transaction

from ..plans import Entitlement

_LOCK = text("SELECT id FROM organizations WHERE id = :org FOR UPDATE")
_NEXT_REVISION = text("UPDATE organizations SET revision = revision + 1 WHERE id = :org RETURNING name, revision")
_MEMBERS = text("SELECT count(*) FROM org_memberships WHERE org_id = :org")
_OPEN_INVITATIONS = text(
    "SELECT count(*) FROM invitations WHERE org_id = :org AND accepted_at IS NULL AND revoked_at IS NULL "
    "AND expires_at > :now"
)
_ENTITLEMENT = text(
    "SELECT org_id, revision, plan, plan_name, status, limits, features, upgrades FROM entitlements WHERE org_id = :org"
)
# the highest revision wins: an older or repeated event changes nothing
_RECORD = text(
    """
    INSERT INTO entitlements (org_id, revision, plan, plan_name, status, limits, features, upgrades, updated_at)
    VALUES (:org, :revision, :plan, :plan_name, :status, CAST(:limits AS jsonb), CAST(:features AS jsonb),
            CAST(:upgrades AS jsonb), :now)
    ON CONFLICT (org_id) DO UPDATE SET
        revision = EXCLUDED.revision, plan = EXCLUDED.plan, plan_name = EXCLUDED.plan_name,
        status = EXCLUDED.status, limits = EXCLUDED.limits, features = EXCLUDED.features,
        upgrades = EXCLUDED.upgrades, updated_at = EXCLUDED.updated_at
    WHERE entitlements.revision < EXCLUDED.revision
    RETURNING org_id
    """
)


class BillingSql:
    _tx: Transaction

    async def lock_organization(self, org_id: uuid.UUID) -> bool:
        """Locks the organisation's row until the end of the transaction (False: no such organisation):
        checks of its plan's limits and the changes they allow happen one at a time."""
        return (await self._tx.session.scalar(_LOCK, {"org": org_id})) is not None

    async def next_organization_revision(self, org_id: uuid.UUID) -> tuple[str, int]:
        """The organisation's name and its revision, +1 (the row stays locked until the end)."""
        row = (await self._tx.session.execute(_NEXT_REVISION, {"org": org_id})).one()
        return str(row.name), int(row.revision)

    async def count_members(self, org_id: uuid.UUID) -> int:
        return int(await self._tx.session.scalar(_MEMBERS, {"org": org_id}) or 0)

    async def count_open_invitations(self, org_id: uuid.UUID, now: datetime) -> int:
        return int(await self._tx.session.scalar(_OPEN_INVITATIONS, {"org": org_id, "now": now}) or 0)

    async def entitlement(self, org_id: uuid.UUID) -> Entitlement | None:
        row = (await self._tx.session.execute(_ENTITLEMENT, {"org": org_id})).one_or_none()
        if row is None:
            return None
        return Entitlement(
            row.org_id, row.revision, row.plan, row.plan_name, row.status,
            dict(row.limits), dict(row.features), dict(row.upgrades),
        )  # fmt: skip

    async def record_entitlement(self, ent: Entitlement, now: datetime) -> bool:
        """Stores it when its revision is higher than the one held (True: stored)."""
        values = {
            "org": ent.org_id,
            "revision": ent.revision,
            "plan": ent.plan,
            "plan_name": ent.plan_name,
            "status": ent.status,
            "limits": json.dumps(ent.limits),
            "features": json.dumps(ent.features),
            "upgrades": json.dumps(ent.upgrades),
            "now": now,
        }
        return (await self._tx.session.scalar(_RECORD, values)) is not None
