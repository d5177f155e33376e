"""fan.erased in the ai service, on fakes: the fan's conversation history and generations deleted,
the tombstone recorded, and nothing of the fan stored again — a replayed message, a late reply.sent,
or a draft call that was already recorded when the erasure landed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from faststream.kafka import TestKafkaBroker

from ai import erasure
from ai.consumers import subscriptions
from ai.domain import Line, Speaker
from huntaze_events import FanErased, FanRef, MessageReceived, ReplySent
from huntaze_service import PermanentError
from huntaze_service.wiring import wired_broker
from huntaze_testkit.fakes import FakeUnitOfWork, FakeWorker, envelope

from .fakes import FakeAiRepository
from .test_use_cases import CREATOR, T0, CountingProvider

USER = uuid.uuid4()
JAKE, ANN = uuid.uuid4(), uuid.uuid4()
JAKES, ANNS = uuid.uuid4(), uuid.uuid4()  # their conversations


def said(fan: uuid.UUID, conversation: uuid.UUID, text: str, minutes: int) -> object:
    return envelope(
        MessageReceived(
            message_id=uuid.uuid4(),
            conversation_id=conversation,
            fan=FanRef(fan_id=fan, external_id=f"of_{fan.hex[:6]}", display_name="Jake Sparrow"),
            text=text,
            sent_at=T0 + timedelta(minutes=minutes),
            received_at=T0 + timedelta(minutes=minutes),
        ),
        producer="inbox",
        creator_id=CREATOR,
    )


def replied(fan: uuid.UUID, conversation: uuid.UUID, text: str, minutes: int) -> object:
    return envelope(
        ReplySent(
            draft_id=uuid.uuid4(),
            message_id=uuid.uuid4(),
            conversation_id=conversation,
            fan_id=fan,
            text=text,
            sent_at=T0 + timedelta(minutes=minutes),
            delivery="log",
        ),
        producer="inbox",
        creator_id=CREATOR,
    )


def erased(fan: uuid.UUID = JAKE, *, creator: uuid.UUID = CREATOR) -> object:
    return envelope(
        FanErased(fan_id=fan, creator_id=creator, erased_at=datetime(2026, 11, 20, tzinfo=UTC), requested_by=USER),
        producer="fans",
        creator_id=CREATOR,
    )


async def conversations() -> tuple[FakeWorker[FakeAiRepository], CountingProvider]:
    provider = CountingProvider()
    w = FakeWorker(FakeAiRepository(), producer="ai", subscriptions=subscriptions(provider))
    await w.deliver(said(JAKE, JAKES, "I live at 12 Elm St", 0), said(ANN, ANNS, "hello", 0))
    await w.run_calls()
    await w.deliver(replied(JAKE, JAKES, "Thanks Jake!", 1))
    return w, provider


async def test_erasure_deletes_the_fans_history_and_drafts_and_keeps_the_others() -> None:
    w, _ = await conversations()
    legacy = Line(uuid.uuid4(), CREATOR, JAKES, Speaker.FAN, "stored before fan ids existed", T0)
    await w.repo.add_lines([legacy])
    assert len(w.repo.generations) == 2
    await w.deliver(erased())
    assert {x.conversation_id for x in w.repo.lines.values()} == {ANNS}
    assert {g.conversation_id for g in w.repo.generations.values()} == {ANNS}
    assert w.repo.applications == {JAKE: 1} and w.repo.scrubbed_outbox_keys == [str(JAKES)]
    tombstone = await w.repo.erased(CREATOR, JAKE)
    assert tombstone is not None and tombstone.requested_by == USER


async def test_nothing_of_an_erased_fan_is_stored_again() -> None:
    w, provider = await conversations()
    late = said(JAKE, JAKES, "are you there?", 5)
    await w.deliver(late)  # recorded before the erasure: its draft call waits with the prompt
    await w.deliver(erased())
    drafted_before = len(w.emitted("reply.drafted"))
    assert [o[2] for o in await w.run_calls()] == ["done"]  # the call in flight is made once...
    assert len(w.emitted("reply.drafted")) == drafted_before  # ...and records nothing
    await w.deliver(said(JAKE, JAKES, "I live at 12 Elm St", 0), replied(JAKE, JAKES, "Thanks Jake!", 1))
    await w.run_calls()
    assert all(x.conversation_id != JAKES for x in w.repo.lines.values())
    assert all(g.conversation_id != JAKES for g in w.repo.generations.values())
    assert len(provider.requests) == 3  # two first messages, then the one in flight: no new prompt


async def test_an_erasure_naming_another_tenant_is_refused_for_good() -> None:
    w, _ = await conversations()
    with pytest.raises(PermanentError):
        await erasure.erase_fan(FakeUnitOfWork(w.repo, producer="ai"), erased(creator=uuid.uuid4()))
    assert w.repo.erased_fans == {} and any(x.conversation_id == JAKES for x in w.repo.lines.values())


async def test_personal_data_before_and_after() -> None:
    w, _ = await conversations()
    found = await erasure.personal_data(w.uow(), CREATOR, JAKE)
    assert found.erased_at is None
    assert [(x.speaker, x.text) for x in found.lines] == [
        (Speaker.FAN, "I live at 12 Elm St"),
        (Speaker.CREATOR, "Thanks Jake!"),
    ]
    assert [g.text for g in found.generations] == ["reply to I live at 12 Elm St"]
    assert (await erasure.personal_data(w.uow(), uuid.uuid4(), JAKE)).lines == []  # another tenant
    await w.deliver(erased())
    after = await erasure.personal_data(w.uow(), CREATOR, JAKE)
    assert after.erased_at is not None and (after.lines, after.generations) == ([], [])


async def test_fan_erased_on_its_topic_reaches_the_erasure() -> None:
    w, provider = await conversations()
    broker = wired_broker("ai", subscriptions(provider), uow_factory=lambda: FakeUnitOfWork(w.repo, producer="ai"))
    async with TestKafkaBroker(broker) as test:
        await test.publish(erased().to_json(), "fan.erased.v1")
    assert list(w.repo.erased_fans) == [JAKE]
