"""The AI-drafts quota on fakes: every AI text (a message's draft, a regeneration, an automation's
text) reserves one unit of the organisation's month before its call is recorded; at the limit no call
is recorded and reply.withheld tells the inbox (the plan, the limit, the plan to upgrade to); an
upgrade lets new messages be drafted again; an organisation not known yet is drafted (fail open)."""

from __future__ import annotations

import uuid
from typing import Any

from ai.consumers import subscriptions
from ai.domain import draft_id_for
from huntaze_events import ReplyRegenerationRequested
from huntaze_service import CallFailed
from huntaze_testkit.entitlements import entitlement_changed
from huntaze_testkit.fakes import FakeWorker, envelope

from .fakes import FakeAiRepository
from .test_automation_texts import asked
from .test_use_cases import CREATOR, T0, CountingProvider, message

ORG = uuid.uuid4()


def worker() -> tuple[FakeWorker[FakeAiRepository], CountingProvider]:
    provider = CountingProvider()
    return FakeWorker(FakeAiRepository(), producer="ai", subscriptions=subscriptions(provider)), provider


async def test_past_the_limit_no_call_is_recorded_and_reply_withheld_is_emitted() -> None:
    w, provider = worker()
    await w.deliver(entitlement_changed(ORG, [CREATOR], ai_drafts=2))
    messages = [message(uuid.uuid4(), f"hi {i}", i) for i in range(5)]
    await w.deliver(*messages)
    assert [k for k, _ in w.timers] == ["draft_reply", "draft_reply"]
    await w.run_calls()
    assert len(provider.requests) == 2 and len(w.emitted("reply.drafted")) == 2
    withheld = w.emitted("reply.withheld")
    assert len(withheld) == 3
    drafted_ids = {e.payload.in_reply_to_message_id for e in w.emitted("reply.drafted")}
    withheld_ids = {e.payload.in_reply_to_message_id for e in withheld}
    assert drafted_ids | withheld_ids == {m.payload.message_id for m in messages}
    first = withheld[0]
    assert first.creator_id == CREATOR
    assert (first.payload.reason, first.payload.limit, first.payload.plan, first.payload.upgrade_to) == (
        "quota_reached",
        2,
        "Free",
        "Pro",
    )
    assert first.payload.period == w.clock().strftime("%Y-%m")
    assert first.causation_id in {m.event_id for m in messages}


async def test_an_upgrade_drafts_new_messages_again() -> None:
    w, provider = worker()
    await w.deliver(entitlement_changed(ORG, [CREATOR], ai_drafts=1))
    await w.deliver(message(uuid.uuid4(), "one", 0), message(uuid.uuid4(), "two", 1))
    assert len(w.emitted("reply.withheld")) == 1
    await w.deliver(entitlement_changed(ORG, [CREATOR], revision=2, plan="pro", plan_name="Pro", ai_drafts=5000))
    await w.deliver(message(uuid.uuid4(), "three", 2))
    await w.run_calls()
    assert sorted(r.message for r in provider.requests) == ["one", "three"]
    assert len(w.emitted("reply.withheld")) == 1


async def test_a_regeneration_costs_a_draft_and_is_withheld_at_the_limit() -> None:
    w, provider = worker()
    await w.deliver(entitlement_changed(ORG, [CREATOR], ai_drafts=1))
    first = message(uuid.uuid4(), "hey", 0)
    await w.deliver(first)
    await w.run_calls()
    again = envelope(
        ReplyRegenerationRequested(
            draft_id=draft_id_for(first.payload.message_id),
            conversation_id=first.payload.conversation_id,
            in_reply_to_message_id=first.payload.message_id,
            fan_id=first.payload.fan.fan_id,
            fan_display_name="jake_88",
            instruction="shorter",
            requested_by=uuid.uuid4(),
            requested_at=T0,
        ),
        producer="inbox",
        creator_id=CREATOR,
    )
    await w.deliver(again)
    await w.run_calls()
    assert len(provider.requests) == 1
    (withheld,) = w.emitted("reply.withheld")
    assert withheld.payload.in_reply_to_message_id == first.payload.message_id


async def test_an_automation_text_at_the_limit_is_withheld_with_its_run_id() -> None:
    w, provider = worker()
    await w.deliver(entitlement_changed(ORG, [CREATOR], ai_drafts=0))
    request = asked(uuid.uuid4(), uuid.uuid4())
    await w.deliver(request)
    await w.run_calls()
    assert provider.requests == [] and w.emitted("automation.text_written") == []
    (withheld,) = w.emitted("reply.withheld")
    assert withheld.payload.in_reply_to_message_id == request.payload.run_id
    assert withheld.payload.limit == 0


async def test_an_organisation_not_known_yet_is_drafted() -> None:
    w, provider = worker()
    await w.deliver(entitlement_changed(ORG, [uuid.uuid4()], ai_drafts=0))
    await w.deliver(message(uuid.uuid4(), "hello", 0))
    await w.run_calls()
    assert len(provider.requests) == 1 and w.emitted("reply.withheld") == []


class RefusingProvider(CountingProvider):
    async def draft(self, request: Any) -> Any:
        raise CallFailed("the model refused the prompt", permanent=True)


async def test_a_call_that_fails_for_good_gives_its_draft_back_to_the_month() -> None:
    w = FakeWorker(FakeAiRepository(), producer="ai", subscriptions=subscriptions(RefusingProvider()))
    await w.deliver(entitlement_changed(ORG, [CREATOR], ai_drafts=1))
    await w.deliver(message(uuid.uuid4(), "one", 0))
    period = w.clock().strftime("%Y-%m")
    assert w.repo.quota_usage[(ORG, "ai_drafts", period)] == 1
    assert [o[2] for o in await w.run_calls()] == ["refused"]
    assert w.repo.quota_usage[(ORG, "ai_drafts", period)] == 0
    await w.deliver(message(uuid.uuid4(), "two", 1))
    assert w.emitted("reply.withheld") == [] and len(w.timers) == 1
