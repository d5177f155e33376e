"""Identity use cases on a fake unit of work: sign-up, sessions and their rotation, invitations,
staff, shifts (and their events), connector keys, and which creator account a request acts on (no PostgreSQL)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from gateway import handlers
from gateway.domain import Access, Conflict, EmailTaken, NotFound, ScopeRequired
from gateway.handlers.access import connector_access, load_staff, resolve_access
from gateway.handlers.identity import InvalidRefresh
from gateway.security import Principal
from huntaze_events import ShiftCancelled, ShiftScheduled
from huntaze_service.outbox import OutboxRow
from huntaze_testkit.fakes import FakeUnitOfWork

from .fakes import FakeGatewayRepository

DAY = timedelta(days=1)
PASSWORD = "correct horse"


def uow(repo: FakeGatewayRepository) -> FakeUnitOfWork[FakeGatewayRepository]:
    return FakeUnitOfWork(repo, producer="gateway")


async def owner_access(repo: FakeGatewayRepository, email: str = "mia@example.com") -> tuple[handlers.SignedUp, Access]:
    signed = await handlers.sign_up(uow(repo), email=email, password=PASSWORD, display_name="Mia")
    issued = await handlers.log_in(uow(repo), email, PASSWORD, refresh_ttl=DAY)
    assert issued is not None
    staff = await load_staff(uow(repo), issued.principal)
    return signed, resolve_access(staff, "creator", None, None)


async def test_sign_up_creates_an_organisation_its_creator_and_an_owner() -> None:
    repo = FakeGatewayRepository()
    signed = await handlers.sign_up(uow(repo), email=" Mia@Example.com ", password=PASSWORD, display_name="Mia")
    assert signed.email == "mia@example.com"
    assert repo.creator_rows[signed.creator_id].org_id == signed.org_id
    assert [(m.role, m.creator_ids) for m in await repo.memberships(signed.user_id)] == [("owner", None)]
    assert PASSWORD not in repo.users[signed.user_id].password_hash
    with pytest.raises(EmailTaken):
        await handlers.sign_up(uow(repo), email="MIA@example.com", password="another one!", display_name="B")


async def test_log_in_refuses_wrong_and_unknown_credentials_alike() -> None:
    repo = FakeGatewayRepository()
    await handlers.sign_up(uow(repo), email="a@example.com", password=PASSWORD, display_name="A")
    assert await handlers.log_in(uow(repo), "a@example.com", "wrong password", refresh_ttl=DAY) is None
    assert await handlers.log_in(uow(repo), "nobody@example.com", PASSWORD, refresh_ttl=DAY) is None
    assert repo.sessions == {}


async def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_whole_session() -> None:
    repo = FakeGatewayRepository()
    await handlers.sign_up(uow(repo), email="a@example.com", password=PASSWORD, display_name="A")
    first = await handlers.log_in(uow(repo), "a@example.com", PASSWORD, refresh_ttl=DAY)
    assert first is not None
    second = await handlers.refresh(uow(repo), first.refresh_token, refresh_ttl=DAY)
    assert second.principal == first.principal and second.refresh_token != first.refresh_token
    third = await handlers.refresh(uow(repo), second.refresh_token, refresh_ttl=DAY)
    with pytest.raises(InvalidRefresh, match="already used"):
        await handlers.refresh(uow(repo), first.refresh_token, refresh_ttl=DAY)  # stolen and replayed
    with pytest.raises(InvalidRefresh, match="ended"):  # the legitimate holder is logged out too
        await handlers.refresh(uow(repo), third.refresh_token, refresh_ttl=DAY)
    assert not await repo.session_alive(first.principal.session_id, first.principal.user_id)
    with pytest.raises(InvalidRefresh):
        await handlers.refresh(uow(repo), "made-up", refresh_ttl=DAY)


async def test_an_expired_refresh_token_and_a_logged_out_session_are_refused() -> None:
    repo = FakeGatewayRepository()
    await handlers.sign_up(uow(repo), email="a@example.com", password=PASSWORD, display_name="A")
    short = await handlers.log_in(uow(repo), "a@example.com", PASSWORD, refresh_ttl=timedelta(seconds=-1))
    assert short is not None
    with pytest.raises(InvalidRefresh, match="expired"):
        await handlers.refresh(uow(repo), short.refresh_token, refresh_ttl=DAY)
    other = await handlers.log_in(uow(repo), "a@example.com", PASSWORD, refresh_ttl=DAY)
    assert other is not None
    await handlers.log_out(uow(repo), other.principal)
    with pytest.raises(InvalidRefresh, match="ended"):
        await handlers.refresh(uow(repo), other.refresh_token, refresh_ttl=DAY)
    assert not (await load_staff(uow(repo), other.principal)).alive


async def test_a_password_change_ends_every_other_session() -> None:
    repo = FakeGatewayRepository()
    await handlers.sign_up(uow(repo), email="a@example.com", password=PASSWORD, display_name="A")
    here = await handlers.log_in(uow(repo), "a@example.com", PASSWORD, refresh_ttl=DAY)
    there = await handlers.log_in(uow(repo), "a@example.com", PASSWORD, refresh_ttl=DAY)
    assert here is not None and there is not None
    with pytest.raises(PermissionError):
        await handlers.change_password(uow(repo), here.principal, "not it", "a new password!")
    ended = await handlers.change_password(uow(repo), here.principal, PASSWORD, "a new password!")
    assert ended == [there.principal.session_id]
    assert await repo.session_alive(here.principal.session_id, here.principal.user_id)
    assert await handlers.log_in(uow(repo), "a@example.com", "a new password!", refresh_ttl=DAY) is not None


async def test_an_invitation_is_single_use_scoped_and_expires() -> None:
    repo = FakeGatewayRepository()
    signed, owner = await owner_access(repo)
    second = await handlers.add_creator(uow(repo), owner, "Second", max_creators=10)
    inv, token = await handlers.invite(uow(repo), owner, "Chat@Example.com", "chatter", [second.id], DAY)
    assert inv.email == "chat@example.com" and token not in inv.token_digest
    user_id, org_id, role = await handlers.accept_invitation(
        uow(repo), token, password="chatter pass!", display_name=None
    )
    assert (org_id, role) == (signed.org_id, "chatter")
    with pytest.raises(NotFound):
        await handlers.accept_invitation(uow(repo), token, password="chatter pass!", display_name=None)
    chatter = await handlers.log_in(uow(repo), "chat@example.com", "chatter pass!", refresh_ttl=DAY)
    assert chatter is not None
    staff = await load_staff(uow(repo), chatter.principal)
    # the chatter sees the second creator only: it may be omitted, the first one is "not found"
    assert resolve_access(staff, "creator", None, None).creator_id == second.id
    with pytest.raises(NotFound):
        resolve_access(staff, "creator", signed.creator_id, None)
    expired, late = await handlers.invite(uow(repo), owner, "late@example.com", "analyst", None, -DAY)
    with pytest.raises(NotFound):
        await handlers.accept_invitation(uow(repo), late, password="a password!", display_name="L")
    with pytest.raises(NotFound):  # a creator of another organisation cannot be put in scope
        await handlers.invite(uow(repo), owner, "x@example.com", "chatter", [uuid.uuid4()], DAY)


async def test_the_creator_in_scope_must_be_named_when_there_are_several() -> None:
    repo = FakeGatewayRepository()
    signed, owner = await owner_access(repo)
    second = await handlers.add_creator(uow(repo), owner, "Second", max_creators=2)
    with pytest.raises(Conflict):
        await handlers.add_creator(uow(repo), owner, "Third", max_creators=2)
    session = await handlers.log_in(uow(repo), "mia@example.com", PASSWORD, refresh_ttl=DAY)
    assert session is not None
    staff = await load_staff(uow(repo), session.principal)
    with pytest.raises(ScopeRequired):
        resolve_access(staff, "creator", None, None)
    assert resolve_access(staff, "creator", second.id, None).creator_id == second.id
    assert resolve_access(staff, "org", None, None).org_id == signed.org_id
    with pytest.raises(NotFound):
        resolve_access(staff, "org", None, uuid.uuid4())


async def test_an_organisation_keeps_an_owner_and_members_are_found_in_their_own_organisation_only() -> None:
    repo = FakeGatewayRepository()
    signed, owner = await owner_access(repo)
    other, _ = await owner_access(repo, "other@example.com")
    with pytest.raises(Conflict):
        await handlers.update_member(uow(repo), owner, signed.user_id, "manager", None, False)
    with pytest.raises(Conflict):
        await handlers.remove_member(uow(repo), owner, signed.user_id)
    with pytest.raises(NotFound):
        await handlers.update_member(uow(repo), owner, other.user_id, "analyst", None, False)
    with pytest.raises(NotFound):
        await handlers.remove_member(uow(repo), owner, other.user_id)


async def test_shifts_are_for_members_on_their_creators_and_do_not_overlap() -> None:
    repo = FakeGatewayRepository()
    signed, owner = await owner_access(repo)
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    shift = await handlers.schedule_shift(
        uow(repo), owner, signed.user_id, [signed.creator_id], start, start + timedelta(hours=8)
    )
    assert shift.creator_ids == (signed.creator_id,)
    with pytest.raises(Conflict):
        await handlers.schedule_shift(
            uow(repo),
            owner,
            signed.user_id,
            [signed.creator_id],
            start + timedelta(hours=7),
            start + timedelta(hours=9),
        )
    with pytest.raises(ValueError):
        await handlers.schedule_shift(uow(repo), owner, signed.user_id, [signed.creator_id], start, start)
    with pytest.raises(NotFound):
        await handlers.schedule_shift(uow(repo), owner, uuid.uuid4(), [signed.creator_id], start, start + DAY / 2)


async def staff_member(
    repo: FakeGatewayRepository, owner: Access, email: str, role: str, creators: list[uuid.UUID]
) -> uuid.UUID:
    _, token = await handlers.invite(uow(repo), owner, email, role, creators, DAY)
    user_id, _, _ = await handlers.accept_invitation(uow(repo), token, password="staff pass!", display_name=None)
    return user_id


async def test_a_shift_is_announced_to_each_creator_it_covers_and_so_is_its_cancellation() -> None:
    repo = FakeGatewayRepository()
    signed, owner = await owner_access(repo)
    second = await handlers.add_creator(uow(repo), owner, "Second", max_creators=10)
    covered = [second.id, signed.creator_id]
    chatter = await staff_member(repo, owner, "chat@example.com", "chatter", covered)
    manager = await staff_member(repo, owner, "boss@example.com", "manager", covered)
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)

    scheduling = uow(repo)
    shift = await handlers.schedule_shift(
        scheduling, owner, chatter, [second.id, signed.creator_id, second.id], start, start + timedelta(hours=8)
    )
    assert shift.creator_ids == (second.id, signed.creator_id)
    assert scheduling.commits == 1
    scheduled = scheduling.events
    assert [(e.type, e.producer, e.creator_id) for e in scheduled] == [
        ("shift.scheduled", "gateway", second.id),
        ("shift.scheduled", "gateway", signed.creator_id),
    ], "one event per creator account covered, that account its tenant"
    for event in scheduled:
        assert event.payload == ShiftScheduled(
            shift_id=shift.id,
            organization_id=signed.org_id,
            user_id=chatter,
            starts_at=start,
            ends_at=start + timedelta(hours=8),
            creator_ids=[second.id, signed.creator_id],
            scheduled_by=signed.user_id,
        )
        row = OutboxRow.from_envelope(event)
        assert (row.topic, row.key) == ("shift.scheduled.v1", str(shift.id))
    assert len({e.event_id for e in scheduled}) == 2

    cancelling = uow(repo)
    as_manager = replace(owner, user_id=manager, role="manager")
    assert await handlers.cancel_shift(cancelling, as_manager, shift.id) == shift
    assert shift.id not in repo.shift_rows and cancelling.commits == 1
    assert [(e.type, e.creator_id) for e in cancelling.events] == [
        ("shift.cancelled", second.id),
        ("shift.cancelled", signed.creator_id),
    ]
    for event in cancelling.events:
        assert event.payload == ShiftCancelled(
            shift_id=shift.id,
            organization_id=signed.org_id,
            user_id=chatter,
            starts_at=start,
            ends_at=start + timedelta(hours=8),
            cancelled_by=manager,
        )
        assert OutboxRow.from_envelope(event).key == str(shift.id)

    again = uow(repo)
    with pytest.raises(NotFound):  # cancelled once: the second deletion finds nothing and says nothing
        await handlers.cancel_shift(again, as_manager, shift.id)
    assert again.events == [] and again.emitted == [] and again.commits == 0


async def test_a_refused_shift_or_cancellation_emits_nothing() -> None:
    repo = FakeGatewayRepository()
    signed, owner = await owner_access(repo)
    other, other_owner = await owner_access(repo, "other@example.com")
    second = await handlers.add_creator(uow(repo), owner, "Second", max_creators=10)
    chatter = await staff_member(repo, owner, "chat@example.com", "chatter", [signed.creator_id])
    analyst = await staff_member(repo, owner, "numbers@example.com", "analyst", [signed.creator_id])
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    kept = await handlers.schedule_shift(uow(repo), owner, chatter, [signed.creator_id], start, start + DAY / 3)
    refusals: list[tuple[type[Exception], uuid.UUID, list[uuid.UUID], datetime, datetime]] = [
        (Conflict, chatter, [signed.creator_id], start + timedelta(hours=1), start + timedelta(hours=9)),  # overlap
        (ValueError, chatter, [second.id], start + DAY, start + DAY * 1.25),  # not on this creator account
        (ValueError, analyst, [signed.creator_id], start + DAY, start + DAY * 1.25),  # not a chatter's role
        (ValueError, chatter, [signed.creator_id], start + DAY, start + DAY * 2.5),  # longer than 24 h
        (ValueError, chatter, [signed.creator_id], start + DAY, start + DAY),  # ends when it starts
        (NotFound, uuid.uuid4(), [signed.creator_id], start + DAY, start + DAY * 1.25),  # no such member
        (NotFound, chatter, [other.creator_id], start + DAY, start + DAY * 1.25),  # another organisation's
    ]
    for error, user_id, creators, starts_at, ends_at in refusals:
        refused = uow(repo)
        with pytest.raises(error):
            await handlers.schedule_shift(refused, owner, user_id, creators, starts_at, ends_at)
        assert refused.events == [] and refused.emitted == [] and refused.commits == 0, (error, user_id)
    foreign = uow(repo)
    with pytest.raises(NotFound):  # another organisation cannot cancel it
        await handlers.cancel_shift(foreign, other_owner, kept.id)
    assert foreign.events == [] and foreign.commits == 0 and kept.id in repo.shift_rows


async def test_a_connector_key_acts_for_its_one_creator_as_the_connector_role() -> None:
    repo = FakeGatewayRepository()
    signed, owner = await owner_access(repo)
    key, secret = await handlers.create_connector_key(uow(repo), owner, signed.creator_id, "extension")
    assert secret.startswith("hzk_") and key.digest not in secret
    access = connector_access(key, None)
    assert (access.role, access.creator_id, access.key_id) == ("connector", signed.creator_id, key.id)
    with pytest.raises(NotFound):
        connector_access(key, uuid.uuid4())
    with pytest.raises(NotFound):
        await handlers.create_connector_key(uow(repo), owner, uuid.uuid4(), "foreign")


def test_principal_is_user_and_session() -> None:
    p = Principal(uuid.uuid4(), uuid.uuid4())
    assert p == Principal(p.user_id, p.session_id)
