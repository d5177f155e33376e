"""Invitations, shifts and the audit log of an organisation."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update

from huntaze_service.db import Transaction

from ..records import AuditEntry, Invitation, Shift
from .orm import AuditRow, InvitationRow, ShiftRow


def invitation_of(r: InvitationRow) -> Invitation:
    return Invitation(
        r.id, r.org_id, r.email, r.role, None if r.creator_ids is None else tuple(r.creator_ids), r.token_digest,
        r.invited_by, r.created_at, r.expires_at, r.accepted_at, r.accepted_by, r.revoked_at,
    )  # fmt: skip


def shift_of(r: ShiftRow) -> Shift:
    return Shift(r.id, r.org_id, r.user_id, tuple(r.creator_ids), r.starts_at, r.ends_at, r.created_by, r.created_at)


def audit_of(r: AuditRow) -> AuditEntry:
    return AuditEntry(
        r.org_id, r.at, r.actor_user_id, r.actor_key_id, r.actor_role, r.creator_id, r.action, r.target,
        r.request_id, r.status, r.id,
    )  # fmt: skip


class OrganizationSql:
    _tx: Transaction

    async def add_invitation(self, inv: Invitation) -> None:
        values = inv.__dict__ | {"creator_ids": None if inv.creator_ids is None else list(inv.creator_ids)}
        self._tx.session.add(InvitationRow(**values))
        await self._tx.session.flush()

    async def invitation_by_digest(self, digest: str) -> Invitation | None:
        row = await self._tx.session.scalar(
            select(InvitationRow).where(InvitationRow.token_digest == digest).with_for_update()
        )
        return None if row is None else invitation_of(row)

    async def invitations(self, org_id: uuid.UUID) -> list[Invitation]:
        rows = await self._tx.session.scalars(
            select(InvitationRow).where(InvitationRow.org_id == org_id).order_by(InvitationRow.created_at.desc())
        )
        return [invitation_of(r) for r in rows]

    async def invitation_accepted(self, invitation_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> None:
        await self._tx.session.execute(
            update(InvitationRow).where(InvitationRow.id == invitation_id).values(accepted_at=now, accepted_by=user_id)
        )

    async def revoke_invitation(self, invitation_id: uuid.UUID, org_id: uuid.UUID, now: datetime) -> bool:
        row = await self._tx.session.get(InvitationRow, invitation_id, with_for_update=True)
        if row is None or row.org_id != org_id:
            return False
        if row.revoked_at is None and row.accepted_at is None:
            row.revoked_at = now
            await self._tx.session.flush()
        return True

    async def add_shift(self, shift: Shift) -> None:
        self._tx.session.add(ShiftRow(**(shift.__dict__ | {"creator_ids": list(shift.creator_ids)})))
        await self._tx.session.flush()

    async def shifts(self, org_id: uuid.UUID, start: datetime, end: datetime) -> list[Shift]:
        rows = await self._tx.session.scalars(
            select(ShiftRow)
            .where(ShiftRow.org_id == org_id, ShiftRow.ends_at > start, ShiftRow.starts_at < end)
            .order_by(ShiftRow.starts_at, ShiftRow.id)
        )
        return [shift_of(r) for r in rows]

    async def overlapping_shift(self, org_id: uuid.UUID, user_id: uuid.UUID, start: datetime, end: datetime) -> bool:
        found = await self._tx.session.scalar(
            select(ShiftRow.id).where(
                ShiftRow.org_id == org_id,
                ShiftRow.user_id == user_id,
                ShiftRow.ends_at > start,
                ShiftRow.starts_at < end,
            )
        )
        return found is not None

    async def user_shifts(self, user_id: uuid.UUID, start: datetime, end: datetime) -> list[Shift]:
        rows = await self._tx.session.scalars(
            select(ShiftRow)
            .where(ShiftRow.user_id == user_id, ShiftRow.ends_at > start, ShiftRow.starts_at < end)
            .order_by(ShiftRow.starts_at, ShiftRow.id)
        )
        return [shift_of(r) for r in rows]

    async def delete_shift(self, shift_id: uuid.UUID, org_id: uuid.UUID) -> Shift | None:
        # one statement: of two deletions at once, the second waits for the first and finds nothing
        # (so a shift is cancelled, and its events emitted, once)
        row = await self._tx.session.scalar(
            delete(ShiftRow)
            .where(ShiftRow.id == shift_id, ShiftRow.org_id == org_id)
            .returning(ShiftRow)
            .execution_options(synchronize_session=False)
        )
        return None if row is None else shift_of(row)

    async def add_audit(self, entry: AuditEntry) -> int:
        row = AuditRow(**{k: v for k, v in entry.__dict__.items() if k != "id"})
        self._tx.session.add(row)
        await self._tx.session.flush()
        return row.id

    async def audit_outcome(self, entry_id: int, status: int) -> None:
        await self._tx.session.execute(
            update(AuditRow).where(AuditRow.id == entry_id, AuditRow.status.is_(None)).values(status=status)
        )

    async def audit(self, org_id: uuid.UUID, before: int | None, limit: int) -> list[AuditEntry]:
        query = select(AuditRow).where(AuditRow.org_id == org_id)
        if before is not None:
            query = query.where(AuditRow.id < before)
        rows = await self._tx.session.scalars(query.order_by(AuditRow.id.desc()).limit(limit))
        return [audit_of(r) for r in rows]
