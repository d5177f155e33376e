"""fan.erased in the inbox, on fakes: the fan's conversations, messages and drafts deleted in the
erasure's unit of work, the tombstone recorded, and nothing of the fan stored again afterwards —
neither a new or replayed message, nor a late draft, nor a send that was in flight."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from faststream.kafka import TestKafkaBroker

from huntaze_events import FanErased, fan_id_for
from huntaze_service import PermanentError
from huntaze_service.wiring import wired_broker
from huntaze_testkit.fakes import FakeUnitOfWork, envelope
from inbox import erasure, handlers
from inbox.consumers import subscriptions
from inbox.erasure import FanIsErased

from .fakes import FakeInboxRepository
from .test_use_cases import CREATOR, USER, RecordingConnector, drafted, receive, worker

ERASED_AT = datetime(2026, 11, 20, 9, tzinfo=UTC)
JAKE = fan_id_for(CREATOR, "of_1")


def erased(fan_id: uuid.UUID = JAKE, *, creator: uuid.UUID = CREATOR, tenant: uuid.UUID = CREATOR):
    return envelope(
        FanErased(fan_id=fan_id, creator_id=creator, erased_at=ERASED_AT, requested_by=USER),
        producer="fans",
        creator_id=tenant,
    )


async def test_erasure_deletes_the_fans_conversations_and_keeps_the_others() -> None:
    w = worker(RecordingConnector())
    jake = await handlers.receive_message(w.uow(), receive("my address is 12 Elm St", external_id="m1"))
    await drafted(w, jake, "Hey Jake!")
    ann = await handlers.receive_message(w.uow(), receive("hello", fan="of_2"))
    await drafted(w, ann, "Hey Ann!")
    event = erased()
    await w.deliver(event)

    repo = w.repo
    assert list(repo.conversations) == [ann.conversation_id]
    assert {m.conversation_id for m in repo.messages.values()} == {ann.conversation_id}
    assert {d.conversation_id for d in repo.drafts_by_id.values()} == {ann.conversation_id}
    tombstone = await repo.erased(CREATOR, JAKE)
    assert tombstone is not None
    assert (tombstone.erased_at, tombstone.requested_by, tombstone.event_id) == (ERASED_AT, USER, event.event_id)
    assert repo.applications == {JAKE: 1}
    assert repo.scrubbed_outbox_keys == [str(jake.conversation_id)]
    assert w.handled[-1] == "fan_erasure"


async def test_nothing_of_an_erased_fan_is_stored_again() -> None:
    connector = RecordingConnector()
    w = worker(connector)
    jake = await handlers.receive_message(w.uow(), receive("first", external_id="m1"))
    draft_id = await drafted(w, jake)
    await handlers.approve_draft(w.uow(), creator_id=CREATOR, user_id=USER, draft_id=draft_id, text=None)
    await w.deliver(erased())
    events_before = list(w.events)

    # the connector replays the old message, then the fan writes again: refused, nothing stored
    for cmd in (receive("first", external_id="m1"), receive("I'm back")):
        with pytest.raises(FanIsErased):
            await handlers.receive_message(w.uow(), cmd)
    # the ai's draft of an older message arrives late: skipped, not dead-lettered
    await drafted(w, jake, "Hey Jake, about that address")
    # the send recorded before the erasure goes out once (it was in flight) and records nothing
    assert [o[2] for o in await w.run_calls()] == ["done"]
    assert len(connector.sent) == 1

    assert (w.repo.conversations, w.repo.messages, w.repo.drafts_by_id) == ({}, {}, {})
    assert w.events == events_before  # no message.received, no reply.sent


async def test_another_fan_of_the_same_creator_is_still_received() -> None:
    w = worker(RecordingConnector())
    await w.deliver(erased())
    other = await handlers.receive_message(w.uow(), receive("hi", fan="of_2"))
    assert not other.duplicate and list(w.repo.conversations) == [other.conversation_id]


async def test_an_erasure_naming_another_tenant_is_refused_for_good() -> None:
    w = worker(RecordingConnector())
    jake = await handlers.receive_message(w.uow(), receive("hi"))
    with pytest.raises(PermanentError):
        await erasure.erase_fan(FakeUnitOfWork(w.repo, producer="inbox"), erased(creator=uuid.uuid4()))
    assert list(w.repo.conversations) == [jake.conversation_id] and w.repo.erased_fans == {}


async def test_a_duplicate_delivery_is_harmless_and_counted() -> None:
    w = worker(RecordingConnector())
    await handlers.receive_message(w.uow(), receive("hi"))
    event = erased()
    await w.deliver(event)
    await w.deliver(event)  # what the chassis' idempotency record prevents; the tombstone counts it
    assert w.repo.applications == {JAKE: 2} and w.repo.conversations == {}


async def test_personal_data_has_every_message_and_draft_before_and_nothing_after() -> None:
    w = worker(RecordingConnector())
    jake = await handlers.receive_message(w.uow(), receive("my address is 12 Elm St"))
    await drafted(w, jake, "Hey Jake!")
    await handlers.receive_message(w.uow(), receive("hello", fan="of_2"))
    found = await erasure.personal_data(w.uow(), CREATOR, JAKE)
    assert found.erased_at is None and len(found.conversations) == 1
    (c,) = found.conversations
    assert c.conversation.fan_external_id == "of_1" and c.conversation.fan_display_name == "jake_88"
    assert [m.text for m in c.messages] == ["my address is 12 Elm St"]
    assert [d.text for d in c.drafts] == ["Hey Jake!"]
    assert (await erasure.personal_data(w.uow(), uuid.uuid4(), JAKE)).conversations == []  # another tenant

    await w.deliver(erased())
    after = await erasure.personal_data(w.uow(), CREATOR, JAKE)
    assert (after.erased_at, after.conversations) == (ERASED_AT, [])


async def test_fan_erased_on_its_topic_reaches_the_erasure() -> None:
    repo = FakeInboxRepository()
    await handlers.receive_message(FakeUnitOfWork(repo, producer="inbox"), receive("hi"))
    broker = wired_broker(
        "inbox", subscriptions(RecordingConnector()), uow_factory=lambda: FakeUnitOfWork(repo, producer="inbox")
    )
    async with TestKafkaBroker(broker) as test:
        await test.publish(erased().to_json(), "fan.erased.v1")
    assert repo.conversations == {} and list(repo.erased_fans) == [JAKE]


async def test_an_erasure_committed_while_a_message_waited_for_its_conversation_wins() -> None:
    """The race the SQL adapter closes: the tombstone is read again by the message's own INSERT,
    after the conversation's lock was granted."""
    w = worker(RecordingConnector())
    await handlers.receive_message(w.uow(), receive("hi"))
    touch = w.repo.touch_conversation

    async def erasure_commits_meanwhile(**kwargs: object) -> uuid.UUID | None:
        conversation_id = await touch(**kwargs)  # type: ignore[arg-type]
        await w.deliver(erased())
        return conversation_id

    w.repo.touch_conversation = erasure_commits_meanwhile  # type: ignore[method-assign]
    uow = w.uow()
    with pytest.raises(FanIsErased):
        await handlers.receive_message(uow, receive("are you there?"))
    assert uow.commits == 0 and uow.emitted == []
    assert w.repo.messages == {}
