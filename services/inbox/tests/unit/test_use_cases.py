"""The inbox use cases on fakes: receive, draft, approve, send through the connector port, and the
connector's refusal — without PostgreSQL, Kafka or a connector."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from huntaze_events import ReplyDrafted
from huntaze_service import PermanentError
from huntaze_testkit.fakes import FakeUnitOfWork, FakeWorker, envelope
from inbox import handlers
from inbox.adapters.connector import ConnectorError, OutboundReply
from inbox.consumers import subscriptions
from inbox.domain import DraftNotApprovable, DraftNotRegenerable, DraftStatus

from .fakes import FakeInboxRepository

CREATOR = uuid.uuid4()
USER = uuid.uuid4()


class RecordingConnector:
    name = "recording"

    def __init__(self, refuse_with: int | None = None) -> None:
        self.sent: list[tuple[OutboundReply, str]] = []
        self.refuse_with = refuse_with

    async def send(self, reply: OutboundReply, *, idempotency_key: str) -> None:
        if self.refuse_with is not None:
            raise ConnectorError(f"connector answered {self.refuse_with}", permanent=self.refuse_with < 500)
        self.sent.append((reply, idempotency_key))

    async def close(self) -> None:
        return None


def worker(connector: Any) -> FakeWorker[FakeInboxRepository]:
    return FakeWorker(FakeInboxRepository(), producer="inbox", subscriptions=subscriptions(connector))


def receive(text: str = "hi", external_id: str | None = None, fan: str = "of_1") -> handlers.ReceiveMessage:
    return handlers.ReceiveMessage(CREATOR, fan, "jake_88", text, None, external_id)


async def drafted(w: FakeWorker[FakeInboxRepository], received: handlers.Received, text: str = "Hey!") -> uuid.UUID:
    draft_id = uuid.uuid4()
    await w.deliver(
        envelope(
            ReplyDrafted(
                draft_id=draft_id,
                conversation_id=received.conversation_id,
                in_reply_to_message_id=received.message_id,
                fan_id=received.fan_id,
                text=text,
                provider="offline",
                model=None,
            ),
            producer="ai",
            creator_id=CREATOR,
        )
    )
    return draft_id


async def test_a_connector_retry_with_the_same_external_id_is_stored_once() -> None:
    w = worker(RecordingConnector())
    first = await handlers.receive_message(w.uow(), receive(external_id="m1"))
    again = await handlers.receive_message(w.uow(), receive(external_id="m1"))
    assert again.duplicate and again.message_id == first.message_id
    assert [e.type for e in w.events] == ["message.received"]
    assert w.repo.conversations[first.conversation_id].message_count == 1


async def test_approving_records_the_send_which_happens_after_the_commit_with_the_stored_text() -> None:
    connector = RecordingConnector()
    w = worker(connector)
    received = await handlers.receive_message(w.uow(), receive())
    draft_id = await drafted(w, received)
    uow = w.uow()
    shift = uuid.uuid4()
    await handlers.approve_draft(
        uow, creator_id=CREATOR, user_id=USER, draft_id=draft_id, text="Hey Jake, edited", shift_id=shift
    )
    assert uow.commits == 1 and connector.sent == [], "nothing leaves inside the approval's transaction"
    (approved,) = w.emitted("reply.approved")
    assert [o[2] for o in await w.run_calls()] == ["done"]
    ((reply, key),) = connector.sent
    assert reply.text == "Hey Jake, edited" and key == str(approved.event_id)
    (sent,) = w.emitted("reply.sent")
    assert sent.payload.text == "Hey Jake, edited" and sent.correlation_id == approved.correlation_id
    assert (sent.payload.approved_by, sent.payload.shift_id, sent.payload.automation) == (USER, shift, None)
    draft = await handlers.get_draft(w.uow(), CREATOR, draft_id)
    assert draft.status is DraftStatus.SENT and draft.delivery == "recording"
    assert w.repo.conversations[received.conversation_id].message_count == 2
    with pytest.raises(DraftNotApprovable):
        await handlers.approve_draft(w.uow(), creator_id=CREATOR, user_id=USER, draft_id=draft_id, text=None)


async def test_a_refused_send_leaves_the_draft_failed_and_it_may_be_approved_again() -> None:
    connector = RecordingConnector(refuse_with=403)
    w = worker(connector)
    draft_id = await drafted(w, await handlers.receive_message(w.uow(), receive()))
    await handlers.approve_draft(w.uow(), creator_id=CREATOR, user_id=USER, draft_id=draft_id, text=None)
    assert [o[2] for o in await w.run_calls()] == ["refused"]
    draft = await handlers.get_draft(w.uow(), CREATOR, draft_id)
    assert draft.status is DraftStatus.FAILED and "403" in (draft.send_error or "")
    assert w.emitted("reply.sent") == []
    connector.refuse_with = None
    await handlers.approve_draft(w.uow(), creator_id=CREATOR, user_id=USER, draft_id=draft_id, text=None)
    await w.run_calls()
    assert (await handlers.get_draft(w.uow(), CREATOR, draft_id)).status is DraftStatus.SENT
    keys = {key for _, key in connector.sent}
    assert len(keys) == 1 and keys != {str(draft_id)}  # a new approval, a new idempotency key


async def test_a_draft_for_an_unknown_conversation_is_refused_for_good() -> None:
    w = worker(RecordingConnector())
    uow = FakeUnitOfWork(w.repo, producer="inbox")
    event = envelope(
        ReplyDrafted(
            draft_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            in_reply_to_message_id=uuid.uuid4(),
            fan_id=uuid.uuid4(),
            text="x",
            provider="offline",
            model=None,
        ),
        producer="ai",
        creator_id=CREATOR,
    )
    with pytest.raises(PermanentError):
        await handlers.record_draft(uow, event)


async def test_another_creators_draft_is_not_found() -> None:
    w = worker(RecordingConnector())
    draft_id = await drafted(w, await handlers.receive_message(w.uow(), receive()))
    with pytest.raises(handlers.NotFound):
        await handlers.approve_draft(w.uow(), creator_id=uuid.uuid4(), user_id=USER, draft_id=draft_id, text=None)


async def test_a_draft_asked_for_again_is_superseded_when_the_new_one_arrives() -> None:
    w = worker(RecordingConnector())
    received = await handlers.receive_message(w.uow(), receive())
    old = await drafted(w, received)
    await handlers.regenerate_draft(w.uow(), creator_id=CREATOR, user_id=USER, draft_id=old, instruction="shorter")
    (asked,) = w.emitted("reply.regeneration_requested")
    assert asked.payload.draft_id == old and asked.payload.instruction == "shorter"
    assert asked.payload.fan_display_name == "jake_88" and asked.payload.requested_by == USER
    assert (await handlers.get_draft(w.uow(), CREATOR, old)).status is DraftStatus.DRAFTED  # until the new one comes
    new = uuid.uuid4()
    again = ReplyDrafted(
        draft_id=new,
        conversation_id=received.conversation_id,
        in_reply_to_message_id=received.message_id,
        fan_id=received.fan_id,
        text="Short one!",
        provider="offline",
        model=None,
        supersedes=old,
    )
    await w.deliver(envelope(again, producer="ai", creator_id=CREATOR))
    await w.deliver(envelope(again, producer="ai", creator_id=CREATOR))  # delivered twice
    replaced = await handlers.get_draft(w.uow(), CREATOR, old)
    assert replaced.status is DraftStatus.SUPERSEDED and replaced.superseded_by == new
    fresh = await handlers.get_draft(w.uow(), CREATOR, new)
    assert fresh.status is DraftStatus.DRAFTED and fresh.supersedes == old
    with pytest.raises(DraftNotApprovable):
        await handlers.approve_draft(w.uow(), creator_id=CREATOR, user_id=USER, draft_id=old, text=None)
    await handlers.approve_draft(w.uow(), creator_id=CREATOR, user_id=USER, draft_id=new, text=None)
    with pytest.raises(DraftNotRegenerable):
        await handlers.regenerate_draft(w.uow(), creator_id=CREATOR, user_id=USER, draft_id=new, instruction=None)
    with pytest.raises(handlers.NotFound):
        await handlers.regenerate_draft(w.uow(), creator_id=uuid.uuid4(), user_id=USER, draft_id=new, instruction=None)
