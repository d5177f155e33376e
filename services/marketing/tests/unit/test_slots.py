"""Queue slots: the next free weekly slot in the account's time zone, daylight saving changes, taken
slots skipped, and ``next_slot`` through the use case."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from cryptography.fernet import Fernet

import marketing.handlers as handlers
from huntaze_testkit.fakes import Clock, FakeUnitOfWork
from marketing.credentials import Vault
from marketing.domain import Content, Refused
from marketing.networks import Network
from marketing.slots import Slot, checked, next_free, occurrences, zone_of

PARIS = zone_of("Europe/Paris")
MONDAY_9 = Slot(0, time(9, 0))
FRIDAY_21 = Slot(4, time(21, 30))


def test_the_next_slot_is_local_time_and_skips_taken_ones() -> None:
    now = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)  # Monday 08:00 in Paris
    first = next_free((MONDAY_9, FRIDAY_21), PARIS, now, set())
    assert first == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # 09:00 Paris (UTC+1)
    second = next_free((MONDAY_9, FRIDAY_21), PARIS, now, {first})
    assert second == datetime(2026, 11, 6, 20, 30, tzinfo=UTC)
    # a slot 20 seconds away is too close: the next one
    assert next_free((MONDAY_9,), PARIS, first - timedelta(seconds=20), set()) == first + timedelta(weeks=1)


def test_daylight_saving_keeps_the_local_time_and_skips_a_missing_hour() -> None:
    before = datetime(2026, 3, 27, tzinfo=UTC)  # Paris moves to UTC+2 on Sunday 29 March 2026, 02:00
    daily_9 = tuple(Slot(d, time(9, 0)) for d in range(7))
    times = list(occurrences(daily_9, PARIS, before))[:4]
    assert [t.hour for t in times] == [8, 8, 7, 7]  # 09:00 local at UTC+1, then at UTC+2
    skipped = list(occurrences((Slot(6, time(2, 30)),), PARIS, before))
    assert skipped[0].date() == datetime(2026, 4, 5).date()  # 02:30 does not exist on 29 March


def test_slots_are_checked() -> None:
    assert checked([FRIDAY_21, MONDAY_9, MONDAY_9]) == (MONDAY_9, FRIDAY_21)
    with pytest.raises(Refused):
        checked([Slot(7, time(9))])
    with pytest.raises(Refused):
        checked([Slot(0, time(9, m)) for m in range(51)])
    with pytest.raises(Refused):
        zone_of("Mars/Olympus")


async def test_next_slot_schedules_at_the_first_free_one_each_time() -> None:
    from .fakes import FakeMarketingRepository

    repo = FakeMarketingRepository()
    clock = Clock(datetime(2026, 11, 2, 7, 0, tzinfo=UTC))

    def uow() -> FakeUnitOfWork[FakeMarketingRepository]:
        return FakeUnitOfWork(repo, producer="marketing", clock=clock)

    creator = uuid.uuid4()
    vault = Vault(Fernet.generate_key().decode())
    account = await handlers.add_account(uow(), vault, creator, Network.X, "mia", {"access_token": "t"})
    with pytest.raises(Refused) as none:
        await handlers.schedule_post(uow(), creator, account.id, Content("a"), None)
    assert none.value.code == "no_slots"
    await handlers.set_slots(uow(), creator, account.id, "Europe/Paris", [MONDAY_9, FRIDAY_21])
    posts = [await handlers.schedule_post(uow(), creator, account.id, Content(f"p{i}"), None) for i in range(3)]
    assert [p.publish_at for p in posts] == [
        datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 6, 20, 30, tzinfo=UTC),
        datetime(2026, 11, 9, 8, 0, tzinfo=UTC),
    ]
    await handlers.cancel_post(uow(), creator, posts[1].id)  # a cancelled post frees its slot
    _, _, free = await handlers.upcoming_slots(uow(), creator, account.id, 2)
    assert free == [posts[1].publish_at, datetime(2026, 11, 13, 20, 30, tzinfo=UTC)]
    with pytest.raises(handlers.NotFound):
        await handlers.set_slots(uow(), uuid.uuid4(), account.id, "UTC", [MONDAY_9])
