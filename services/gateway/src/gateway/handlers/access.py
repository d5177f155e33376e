"""Which creator account (and organisation) a request acts on, and as what role.

The creator in scope is the ``X-Creator-Id`` header everywhere (the organisation's routes may name
the organisation with ``X-Organization-Id`` instead); either may be omitted when the caller can
access exactly one. A creator or organisation the caller does not belong to is :class:`NotFound`
(404, as an unknown one), never a hint that it exists.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from huntaze_service import UnitOfWork

from ..domain import Access, Creator, Membership, NotFound, ScopeRequired
from ..permissions import Role
from ..ports import GatewayRepository
from ..records import ConnectorKey
from ..security import Principal

Uow = UnitOfWork[GatewayRepository]


@dataclass(frozen=True)
class Staff:
    """A signed-in user as the gateway sees them for a few seconds (cached per session)."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    alive: bool
    memberships: tuple[Membership, ...]
    creators: tuple[Creator, ...]
    """Every creator account of the user's organisations (not only those the user may access)."""

    def accessible(self) -> list[tuple[Creator, Membership]]:
        by_org = {m.org_id: m for m in self.memberships}
        return [(c, by_org[c.org_id]) for c in self.creators if c.org_id in by_org and by_org[c.org_id].covers(c.id)]


async def load_staff(uow: Uow, principal: Principal) -> Staff:
    alive = await uow.repo.session_alive(principal.session_id, principal.user_id)
    memberships = await uow.repo.memberships(principal.user_id) if alive else []
    creators = await uow.repo.creators([m.org_id for m in memberships]) if memberships else []
    return Staff(principal.user_id, principal.session_id, alive, tuple(memberships), tuple(creators))


def resolve_access(staff: Staff, scope: str, creator: uuid.UUID | None, org: uuid.UUID | None) -> Access:
    """The caller's access for a route of this scope (``creator``, ``org`` or ``user``)."""
    reachable = staff.accessible()
    ids = tuple(c.id for c, _ in reachable)
    if scope == "user":
        return Access(staff.user_id, None, "", None, staff.session_id, None, ids)
    if creator is not None:
        match = next(((c, m) for c, m in reachable if c.id == creator), None)
        if match is None:
            raise NotFound("no creator account with this id")
        c, m = match
        if org is not None and org != c.org_id:
            raise NotFound("no creator account with this id in this organisation")
        return Access(staff.user_id, c.org_id, m.role, c.id, staff.session_id, None, _in_org(reachable, c.org_id))
    if scope == "org":
        memberships = [m for m in staff.memberships if org is None or m.org_id == org]
        if not memberships:
            raise NotFound("no organisation with this id")
        if len(memberships) > 1:
            raise ScopeRequired("you belong to several organisations: name one with X-Organization-Id")
        m = memberships[0]
        return Access(staff.user_id, m.org_id, m.role, None, staff.session_id, None, _in_org(reachable, m.org_id))
    candidates = [(c, m) for c, m in reachable if org is None or c.org_id == org]
    if not candidates:
        raise NotFound("no creator account you may access" if org is None else "no organisation with this id")
    if len(candidates) > 1:
        raise ScopeRequired(f"you can access {len(candidates)} creator accounts: name one with X-Creator-Id")
    c, m = candidates[0]
    return Access(staff.user_id, c.org_id, m.role, c.id, staff.session_id, None, _in_org(reachable, c.org_id))


def _in_org(reachable: list[tuple[Creator, Membership]], org_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
    return tuple(c.id for c, _ in reachable if c.org_id == org_id)


def connector_access(key: ConnectorKey, creator: uuid.UUID | None) -> Access:
    """A connector key acts for its one creator account, as the ``connector`` role."""
    if creator is not None and creator != key.creator_id:
        raise NotFound("no creator account with this id")
    return Access(key.id, key.org_id, Role.CONNECTOR.value, key.creator_id, None, key.id, (key.creator_id,))
