"""The billing use cases on a fake unit of work: no PostgreSQL, no Kafka."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import billing.consumers as consumers
import billing.handlers as handlers
from huntaze_events import FanProfileUpdated
from huntaze_testkit.fakes import FakeUnitOfWork, FakeWorker, envelope

from .fakes import FakeBillingRepository

CREATOR = uuid.uuid4()


def profile_updated(fan_id: uuid.UUID, name: str, at: datetime, creator: uuid.UUID = CREATOR):
    return envelope(
        FanProfileUpdated(
            fan_id=fan_id,
            external_id="of_1",
            display_name=name,
            first_message_at=at,
            last_message_at=at,
            message_count=1,
        ),
        producer="fans",
        creator_id=creator,
        occurred_at=at,
    )


async def test_a_note_is_stored_and_read_back_by_its_creator_only() -> None:
    uow = FakeUnitOfWork(FakeBillingRepository(), producer="billing")
    note = await handlers.create_note(uow, CREATOR, "  call Alex back  ")
    assert uow.commits == 1
    assert note.text == "call Alex back" and note.created_at == uow.now()
    assert await handlers.get_note(uow, CREATOR, note.id) == note
    assert await handlers.get_note(uow, uuid.uuid4(), note.id) is None  # another creator's: not found


async def test_profile_updates_keep_the_newest_name_of_each_fan_per_creator() -> None:
    worker = FakeWorker(FakeBillingRepository(), producer="billing", subscriptions=consumers.subscriptions())
    fan, t0 = uuid.uuid4(), worker.clock()
    await worker.deliver(profile_updated(fan, "Al", t0))
    await worker.deliver(profile_updated(fan, "Alex", t0 + timedelta(minutes=5)))
    await worker.deliver(profile_updated(fan, "Old Al", t0 + timedelta(minutes=1)))  # late: ignored
    await worker.deliver(profile_updated(uuid.uuid4(), "Bo", t0, creator=uuid.uuid4()))
    seen = await handlers.list_fans_seen(worker.uow(), CREATOR, limit=10)
    assert [(f.fan_id, f.display_name) for f in seen] == [(fan, "Alex")]
    assert worker.handled == ["fans_seen"] * 4
