"""An in-memory GatewayRepository with the SQL one's semantics, for unit tests of the use cases."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from gateway.domain import Creator, EmailTaken, Membership, Organization, User
from gateway.plans import Entitlement
from gateway.records import AuditEntry, ConnectorKey, Invitation, RefreshToken, Shift


class FakeGatewayRepository:
    def __init__(self) -> None:
        self.users: dict[uuid.UUID, User] = {}
        self.orgs: dict[uuid.UUID, Organization] = {}
        self.creator_rows: dict[uuid.UUID, Creator] = {}
        self.member_rows: dict[tuple[uuid.UUID, uuid.UUID], Membership] = {}
        self.sessions: dict[uuid.UUID, tuple[uuid.UUID, datetime | None, str | None]] = {}
        self.tokens: dict[str, RefreshToken] = {}
        self.keys: dict[uuid.UUID, ConnectorKey] = {}
        self.invitation_rows: dict[uuid.UUID, Invitation] = {}
        self.shift_rows: dict[uuid.UUID, Shift] = {}
        self.audit_rows: list[AuditEntry] = []
        self.revisions: dict[uuid.UUID, int] = {}
        self.entitlements: dict[uuid.UUID, Entitlement] = {}
        self.locked: list[uuid.UUID] = []

    # people, organisations, creator accounts
    async def add_user(self, user: User) -> None:
        if any(u.email == user.email for u in self.users.values()):
            raise EmailTaken(user.email)
        self.users[user.id] = user

    async def add_account(self, user: User, org: Organization, creator: Creator, membership: Membership) -> None:
        await self.add_user(user)
        self.orgs[org.id] = org
        await self.add_creator(creator)
        await self.add_membership(membership)

    async def add_creator(self, creator: Creator) -> None:
        self.creator_rows[creator.id] = creator

    async def add_membership(self, m: Membership) -> None:
        self.member_rows[(m.org_id, m.user_id)] = m

    async def user_by_email(self, email: str) -> User | None:
        return next((u for u in self.users.values() if u.email == email), None)

    async def user(self, user_id: uuid.UUID) -> User | None:
        return self.users.get(user_id)

    async def set_password(self, user_id: uuid.UUID, password_hash: str) -> None:
        self.users[user_id] = replace(self.users[user_id], password_hash=password_hash)

    async def memberships(self, user_id: uuid.UUID) -> list[Membership]:
        return sorted((m for m in self.member_rows.values() if m.user_id == user_id), key=lambda m: m.created_at)

    async def organization(self, org_id: uuid.UUID) -> Organization | None:
        return self.orgs.get(org_id)

    async def creators(self, org_ids: list[uuid.UUID]) -> list[Creator]:
        return sorted(
            (c for c in self.creator_rows.values() if c.org_id in org_ids), key=lambda c: (c.created_at, c.id)
        )

    async def count_creators(self, org_id: uuid.UUID) -> int:
        return len(await self.creators([org_id]))

    async def members(self, org_id: uuid.UUID) -> list[tuple[Membership, User]]:
        return [(m, self.users[m.user_id]) for m in self.member_rows.values() if m.org_id == org_id]

    async def membership(self, org_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False) -> Membership | None:
        return self.member_rows.get((org_id, user_id))

    async def owners(self, org_id: uuid.UUID) -> int:
        return sum(1 for m in self.member_rows.values() if m.org_id == org_id and m.role == "owner")

    async def update_membership(self, m: Membership) -> None:
        self.member_rows[(m.org_id, m.user_id)] = m

    async def remove_membership(self, org_id: uuid.UUID, user_id: uuid.UUID) -> None:
        self.member_rows.pop((org_id, user_id), None)

    # sessions and connector keys
    async def add_session(self, session_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> None:
        self.sessions[session_id] = (user_id, None, None)

    async def add_refresh_token(self, token: RefreshToken) -> None:
        self.tokens[token.digest] = token

    async def refresh_token(self, digest: str) -> RefreshToken | None:
        token = self.tokens.get(digest)
        if token is None:
            return None
        return replace(token, session_revoked_at=self.sessions[token.session_id][1])

    async def mark_rotated(self, digest: str, now: datetime) -> None:
        self.tokens[digest] = replace(self.tokens[digest], rotated_at=now)

    async def revoke_session(self, session_id: uuid.UUID, now: datetime, reason: str) -> None:
        user, revoked, _ = self.sessions[session_id]
        if revoked is None:
            self.sessions[session_id] = (user, now, reason)

    async def revoke_sessions(
        self, user_id: uuid.UUID, now: datetime, reason: str, keep: uuid.UUID | None
    ) -> list[uuid.UUID]:
        ended = [s for s, (u, r, _) in self.sessions.items() if u == user_id and r is None and s != keep]
        for s in ended:
            await self.revoke_session(s, now, reason)
        return ended

    async def session_alive(self, session_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        found = self.sessions.get(session_id)
        return found is not None and found[0] == user_id and found[1] is None

    async def add_connector_key(self, key: ConnectorKey) -> None:
        self.keys[key.id] = key

    async def connector_key(self, key_id: uuid.UUID) -> ConnectorKey | None:
        return self.keys.get(key_id)

    async def connector_keys(self, creator_id: uuid.UUID) -> list[ConnectorKey]:
        return [k for k in self.keys.values() if k.creator_id == creator_id]

    async def revoke_connector_key(self, key_id: uuid.UUID, creator_id: uuid.UUID, now: datetime) -> bool:
        key = self.keys.get(key_id)
        if key is None or key.creator_id != creator_id:
            return False
        self.keys[key_id] = replace(key, revoked_at=key.revoked_at or now)
        return True

    async def key_used(self, key_id: uuid.UUID, now: datetime, every: timedelta) -> None:
        key = self.keys[key_id]
        if key.last_used_at is None or key.last_used_at < now - every:
            self.keys[key_id] = replace(key, last_used_at=now)

    # invitations, shifts, audit
    async def add_invitation(self, inv: Invitation) -> None:
        self.invitation_rows[inv.id] = inv

    async def invitation_by_digest(self, digest: str) -> Invitation | None:
        return next((i for i in self.invitation_rows.values() if i.token_digest == digest), None)

    async def invitations(self, org_id: uuid.UUID) -> list[Invitation]:
        return [i for i in self.invitation_rows.values() if i.org_id == org_id]

    async def invitation_accepted(self, invitation_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> None:
        self.invitation_rows[invitation_id] = replace(
            self.invitation_rows[invitation_id], accepted_at=now, accepted_by=user_id
        )

    async def revoke_invitation(self, invitation_id: uuid.UUID, org_id: uuid.UUID, now: datetime) -> bool:
        inv = self.invitation_rows.get(invitation_id)
        if inv is None or inv.org_id != org_id:
            return False
        self.invitation_rows[invitation_id] = replace(inv, revoked_at=inv.revoked_at or now)
        return True

    async def add_shift(self, shift: Shift) -> None:
        self.shift_rows[shift.id] = shift

    async def shifts(self, org_id: uuid.UUID, start: datetime, end: datetime) -> list[Shift]:
        return [s for s in self.shift_rows.values() if s.org_id == org_id and s.ends_at > start and s.starts_at < end]

    async def overlapping_shift(self, org_id: uuid.UUID, user_id: uuid.UUID, start: datetime, end: datetime) -> bool:
        return any(s.user_id == user_id for s in await self.shifts(org_id, start, end))

    async def user_shifts(self, user_id: uuid.UUID, start: datetime, end: datetime) -> list[Shift]:
        return [s for s in self.shift_rows.values() if s.user_id == user_id and s.ends_at > start and s.starts_at < end]

    async def delete_shift(self, shift_id: uuid.UUID, org_id: uuid.UUID) -> Shift | None:
        shift = self.shift_rows.get(shift_id)
        if shift is None or shift.org_id != org_id:
            return None
        return self.shift_rows.pop(shift_id)

    async def add_audit(self, entry: AuditEntry) -> int:
        self.audit_rows.append(replace(entry, id=len(self.audit_rows) + 1))
        return len(self.audit_rows)

    async def audit_outcome(self, entry_id: int, status: int) -> None:
        entry = self.audit_rows[entry_id - 1]
        if entry.status is None:
            self.audit_rows[entry_id - 1] = replace(entry, status=status)

    async def audit(self, org_id: uuid.UUID, before: int | None, limit: int) -> list[AuditEntry]:
        rows = [e for e in reversed(self.audit_rows) if e.org_id == org_id and (before is None or (e.id or 0) < before)]
        return rows[:limit]

    # billing
    async def lock_organization(self, org_id: uuid.UUID) -> bool:
        self.locked.append(org_id)
        return org_id in self.orgs

    async def next_organization_revision(self, org_id: uuid.UUID) -> tuple[str, int]:
        self.locked.append(org_id)
        self.revisions[org_id] = self.revisions.get(org_id, 0) + 1
        return self.orgs[org_id].name, self.revisions[org_id]

    async def count_members(self, org_id: uuid.UUID) -> int:
        return sum(1 for m in self.member_rows.values() if m.org_id == org_id)

    async def count_open_invitations(self, org_id: uuid.UUID, now: datetime) -> int:
        return sum(1 for i in self.invitation_rows.values() if i.org_id == org_id and i.status(now) == "pending")

    async def entitlement(self, org_id: uuid.UUID) -> Entitlement | None:
        return self.entitlements.get(org_id)

    async def record_entitlement(self, ent: Entitlement, now: datetime) -> bool:
        known = self.entitlements.get(ent.org_id)
        if known is not None and known.revision >= ent.revision:
            return False
        self.entitlements[ent.org_id] = ent
        return True
