"""Sessions (refresh-token families) and connector keys: the credentials besides passwords."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update

from huntaze_service.db import Transaction

from ..records import ConnectorKey, RefreshToken
from .orm import ConnectorKeyRow, RefreshTokenRow, SessionRow


def key_of(r: ConnectorKeyRow) -> ConnectorKey:
    return ConnectorKey(
        r.id, r.org_id, r.creator_id, r.name, r.digest, r.created_by, r.created_at, r.last_used_at, r.revoked_at
    )


class SessionsSql:
    _tx: Transaction

    async def add_session(self, session_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> None:
        self._tx.session.add(SessionRow(id=session_id, user_id=user_id, created_at=now))
        await self._tx.session.flush()

    async def add_refresh_token(self, token: RefreshToken) -> None:
        self._tx.session.add(
            RefreshTokenRow(
                digest=token.digest,
                session_id=token.session_id,
                issued_at=token.issued_at,
                expires_at=token.expires_at,
                rotated_at=token.rotated_at,
            )
        )
        await self._tx.session.flush()

    async def refresh_token(self, digest: str) -> RefreshToken | None:
        """The token and its session, both locked (two concurrent refreshes of one token: one wins)."""
        row = (
            await self._tx.session.execute(
                select(RefreshTokenRow, SessionRow)
                .join(SessionRow, SessionRow.id == RefreshTokenRow.session_id)
                .where(RefreshTokenRow.digest == digest)
                .with_for_update()
            )
        ).first()
        if row is None:
            return None
        t, s = row
        return RefreshToken(t.digest, t.session_id, s.user_id, t.issued_at, t.expires_at, t.rotated_at, s.revoked_at)

    async def mark_rotated(self, digest: str, now: datetime) -> None:
        await self._tx.session.execute(
            update(RefreshTokenRow).where(RefreshTokenRow.digest == digest).values(rotated_at=now)
        )

    async def revoke_session(self, session_id: uuid.UUID, now: datetime, reason: str) -> None:
        await self._tx.session.execute(
            update(SessionRow)
            .where(SessionRow.id == session_id, SessionRow.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def revoke_sessions(
        self, user_id: uuid.UUID, now: datetime, reason: str, keep: uuid.UUID | None
    ) -> list[uuid.UUID]:
        query = update(SessionRow).where(SessionRow.user_id == user_id, SessionRow.revoked_at.is_(None))
        if keep is not None:
            query = query.where(SessionRow.id != keep)
        rows = await self._tx.session.scalars(
            query.values(revoked_at=now, revoked_reason=reason).returning(SessionRow.id)
        )
        return list(rows)

    async def session_alive(self, session_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        row = await self._tx.session.get(SessionRow, session_id)
        return row is not None and row.user_id == user_id and row.revoked_at is None

    # connector keys ------------------------------------------------------------------------------

    async def add_connector_key(self, key: ConnectorKey) -> None:
        self._tx.session.add(ConnectorKeyRow(**key.__dict__))
        await self._tx.session.flush()

    async def connector_key(self, key_id: uuid.UUID) -> ConnectorKey | None:
        row = await self._tx.session.get(ConnectorKeyRow, key_id)
        return None if row is None else key_of(row)

    async def connector_keys(self, creator_id: uuid.UUID) -> list[ConnectorKey]:
        rows = await self._tx.session.scalars(
            select(ConnectorKeyRow).where(ConnectorKeyRow.creator_id == creator_id).order_by(ConnectorKeyRow.created_at)
        )
        return [key_of(r) for r in rows]

    async def revoke_connector_key(self, key_id: uuid.UUID, creator_id: uuid.UUID, now: datetime) -> bool:
        row = await self._tx.session.get(ConnectorKeyRow, key_id, with_for_update=True)
        if row is None or row.creator_id != creator_id:
            return False
        if row.revoked_at is None:
            row.revoked_at = now
            await self._tx.session.flush()
        return True

    async def key_used(self, key_id: uuid.UUID, now: datetime, every: timedelta) -> None:
        """Records the key's last use, at most once per ``every`` (not a write per request)."""
        await self._tx.session.execute(
            update(ConnectorKeyRow)
            .where(
                ConnectorKeyRow.id == key_id,
                (ConnectorKeyRow.last_used_at.is_(None)) | (ConnectorKeyRow.last_used_at < now - every),
            )
            .values(last_used_at=now)
        )
