"""The ai use cases on fakes: a fan message becomes a recorded draft call, the call a draft, and
reply.drafted is emitted once per message — without PostgreSQL, Kafka or a model."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ai.adapters.offline import OfflineProvider
from ai.consumers import subscriptions
from ai.domain import Draft, DraftRequest, Persona, Tone
from huntaze_events import FanRef, MessageReceived, ReplySent
from huntaze_testkit.fakes import FakeWorker, envelope

from .fakes import FakeAiRepository

CREATOR = uuid.uuid4()
T0 = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)


class CountingProvider:
    name = "counting"

    def __init__(self) -> None:
        self.requests: list[DraftRequest] = []

    async def draft(self, request: DraftRequest) -> Draft:
        self.requests.append(request)
        return Draft(text=f"reply to {request.message}", provider=self.name, model="m")


def message(conversation: uuid.UUID, text: str, minutes: int) -> object:
    return envelope(
        MessageReceived(
            message_id=uuid.uuid4(),
            conversation_id=conversation,
            fan=FanRef(fan_id=uuid.uuid4(), external_id="f", display_name="jake_88"),
            text=text,
            sent_at=T0 + timedelta(minutes=minutes),
            received_at=T0 + timedelta(minutes=minutes),
        ),
        producer="inbox",
        creator_id=CREATOR,
    )


async def test_a_message_is_drafted_after_the_commit_and_reply_drafted_emitted_once() -> None:
    provider = CountingProvider()
    repo = FakeAiRepository()
    worker = FakeWorker(repo, producer="ai", subscriptions=subscriptions(provider))
    conversation = uuid.uuid4()
    first = message(conversation, "hey", 0)
    await worker.deliver(first)
    assert provider.requests == [], "the model is never called inside the consumer's transaction"
    assert [k for k, _ in worker.timers] == ["draft_reply"]
    assert [o[2] for o in await worker.run_calls()] == ["done"]
    drafted = worker.emitted("reply.drafted")
    assert len(drafted) == 1 and drafted[0].payload.text == "reply to hey"
    assert drafted[0].correlation_id == first.correlation_id and drafted[0].causation_id == first.event_id

    # the same message again (a second delivery after a crash): the call is made, nothing is emitted twice
    await worker.deliver(first)
    await worker.run_calls()
    assert len(worker.emitted("reply.drafted")) == 1
    assert len(repo.generations) == 1


async def test_the_prompt_carries_the_conversation_so_far_and_the_persona() -> None:
    provider = CountingProvider()
    repo = FakeAiRepository()
    repo.personas[CREATOR] = Persona(tone=Tone.PLAYFUL, signature="xx Mia")
    worker = FakeWorker(repo, producer="ai", subscriptions=subscriptions(provider))
    conversation = uuid.uuid4()
    await worker.deliver(message(conversation, "first", 0))
    sent = envelope(
        ReplySent(
            draft_id=uuid.uuid4(),
            message_id=uuid.uuid4(),
            conversation_id=conversation,
            fan_id=uuid.uuid4(),
            text="hi you",
            sent_at=T0 + timedelta(minutes=1),
            delivery="log",
        ),
        producer="inbox",
        creator_id=CREATOR,
    )
    await worker.deliver(sent)
    await worker.deliver(message(conversation, "second", 2), message(conversation, "third", 3))
    await worker.run_calls()
    last = max(provider.requests, key=lambda r: r.message)
    assert last.message == "third"
    assert [h.text for h in last.history] == ["first", "hi you", "second"]
    assert last.persona.tone is Tone.PLAYFUL and last.persona.signature == "xx Mia"


async def test_offline_provider_drafts_through_the_same_call() -> None:
    worker = FakeWorker(FakeAiRepository(), producer="ai", subscriptions=subscriptions(OfflineProvider()))
    await worker.deliver(message(uuid.uuid4(), "do you do custom videos? how much?", 0))
    await worker.run_calls()
    (drafted,) = worker.emitted("reply.drafted")
    assert drafted.payload.provider == "offline" and drafted.payload.text


async def test_a_draft_asked_for_again_is_written_with_the_instruction_once_and_supersedes_it() -> None:
    from ai.domain import draft_id_for
    from huntaze_events import ReplyRegenerationRequested

    provider = CountingProvider()
    worker = FakeWorker(FakeAiRepository(), producer="ai", subscriptions=subscriptions(provider))
    conversation = uuid.uuid4()
    first = message(conversation, "hey, what's new?", 0)
    await worker.deliver(first)
    await worker.run_calls()
    asked = envelope(
        ReplyRegenerationRequested(
            draft_id=draft_id_for(first.payload.message_id),
            conversation_id=conversation,
            in_reply_to_message_id=first.payload.message_id,
            fan_id=first.payload.fan.fan_id,
            fan_display_name="jake_88",
            instruction="shorter, tease the new set",
            requested_by=uuid.uuid4(),
            requested_at=T0,
        ),
        producer="inbox",
        creator_id=CREATOR,
    )
    await worker.deliver(asked)
    await worker.deliver(asked)  # the same request delivered twice
    await worker.run_calls()
    again = provider.requests[-1]
    assert again.message == "hey, what's new?" and again.instruction == "shorter, tease the new set"
    drafted = worker.emitted("reply.drafted")
    assert len(drafted) == 2 and len(provider.requests) == 2
    assert drafted[1].payload.supersedes == draft_id_for(first.payload.message_id)
    assert drafted[1].payload.draft_id != drafted[0].payload.draft_id
    assert drafted[1].causation_id == asked.event_id
