"""The fans use cases on a fake unit of work: no PostgreSQL, no Kafka."""

from __future__ import annotations

import inspect
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from fans import handlers
from fans.consumers import subscriptions
from fans.handlers import crm
from fans.ports import FansRepository
from fans.segments import FanFilter
from huntaze_events import FanRef, MessageReceived, fan_id_for
from huntaze_service import PermanentError
from huntaze_testkit.fakes import Clock, FakeUnitOfWork, FakeWorker, envelope

from .fakes import FakeFansRepository

CREATOR = uuid.uuid4()
T0 = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)


def message(external: str, name: str, minutes: int, creator: uuid.UUID = CREATOR):
    return envelope(
        MessageReceived(
            message_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            fan=FanRef(fan_id=fan_id_for(creator, external), external_id=external, display_name=name),
            text="hi",
            sent_at=T0 + timedelta(minutes=minutes),
            received_at=T0 + timedelta(minutes=minutes),
        ),
        producer="inbox",
        creator_id=creator,
    )


async def test_a_batch_updates_each_fan_once_and_emits_one_profile_per_fan() -> None:
    repo = FakeFansRepository()
    worker = FakeWorker(repo, producer="fans", subscriptions=subscriptions())
    await worker.deliver(message("a", "Ann", 1), message("b", "Bob", 2), message("a", "Annie", 3))
    await worker.deliver(message("a", "Ann B", 0))  # older message: the newer name stays
    profiles = worker.emitted("fan.profile_updated")
    # one per fan and batch, in the order the rows come back (fan id order, as the SQL upsert locks them)
    first_batch = sorted((p.payload.external_id, p.payload.message_count) for p in profiles[:2])
    assert first_batch == [("a", 2), ("b", 1)]
    assert [(p.payload.external_id, p.payload.message_count) for p in profiles[2:]] == [("a", 3)]
    ann = await handlers.get_fan(worker.uow(), CREATOR, fan_id_for(CREATOR, "a"))
    assert ann is not None and ann.display_name == "Annie" and ann.message_count == 3
    assert ann.first_message_at == T0 and ann.last_message_at == T0 + timedelta(minutes=3)
    assert profiles[-1].causation_id is not None and profiles[-1].correlation_id is not None


async def test_a_fan_id_under_another_creator_is_refused_for_good() -> None:
    repo = FakeFansRepository()
    uow = FakeUnitOfWork(repo, producer="fans")
    first = message("a", "Ann", 1)
    await handlers.track_fan_messages(uow, [first])
    forged = first.model_copy(update={"creator_id": uuid.uuid4()})
    with pytest.raises(PermanentError):
        await handlers.track_fan_messages(uow, [forged])


async def test_list_filters_by_creator_and_query_and_pages_by_recency() -> None:
    repo = FakeFansRepository()
    uow = FakeUnitOfWork(repo, producer="fans")
    await handlers.track_fan_messages(uow, [message(f"f{i}", f"Fan {i}", i) for i in range(5)])
    await handlers.track_fan_messages(uow, [message("other", "Other", 9, creator=uuid.uuid4())])
    everyone = FanFilter()
    page = await crm.search_fans(uow, CREATOR, everyone, sort="last_active", after=None, limit=2)
    assert [f["external_id"] for f in page] == ["f4", "f3"]
    assert page[0]["sort_value"] == T0 + timedelta(minutes=4) == page[0]["last_active_at"]
    after = (page[-1]["sort_value"], page[-1]["fan_id"])
    rest = await crm.search_fans(uow, CREATOR, everyone, sort="last_active", after=after, limit=10)
    assert [f["external_id"] for f in rest] == ["f2", "f1", "f0"]
    found = await crm.search_fans(uow, CREATOR, FanFilter(q="N 3"), sort="last_active", after=None, limit=10)
    assert [f["external_id"] for f in found] == ["f3"]


class TickingClock(Clock):
    """Like the real unit of work's clock: every reading is a later instant."""

    def __call__(self) -> datetime:
        return self.advance(microseconds=1)


@pytest.mark.parametrize("clock", [Clock, TickingClock])
async def test_a_fan_seen_for_the_first_time_joins_never_spent_once(clock: type[Clock]) -> None:
    repo = FakeFansRepository()
    worker = FakeWorker(repo, producer="fans", subscriptions=subscriptions(), clock=clock())
    await worker.deliver(message("a", "Ann", 1))
    await worker.deliver(message("a", "Ann", 2))
    changes = worker.emitted("fan.segment_changed")
    assert [(c.payload.segment, c.payload.change) for c in changes] == [("never_spent", "entered")]
    assert changes[0].creator_id == CREATOR and changes[0].causation_id is not None
    assert repo.fans[fan_id_for(CREATOR, "a")].segments == ["never_spent"]


def test_the_fake_repository_implements_the_whole_port() -> None:
    """Every method of FansRepository exists on the fake, with the same parameters."""
    for name, member in vars(FansRepository).items():
        if name.startswith("_") or not inspect.iscoroutinefunction(member):
            continue
        fake = getattr(FakeFansRepository, name, None)
        assert fake is not None, f"FakeFansRepository lacks {name}"
        assert inspect.iscoroutinefunction(fake), name
        expected = [(p.name, p.kind) for p in inspect.signature(member).parameters.values()]
        actual = [(p.name, p.kind) for p in inspect.signature(fake).parameters.values()]
        assert actual == expected, name
