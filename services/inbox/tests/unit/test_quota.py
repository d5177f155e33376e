"""The plan in the inbox, on fakes (:mod:`inbox.quota`): reply.withheld shows the fan message as
``quota_reached`` (the plan and the plan to upgrade to) until a later draft for it arrives; an
automation run waiting for its AI text ends skipped (quota_reached); mass messages count against
the month (refused past it, given back when cancelled before sending); switching an automation to
autopilot needs a plan with it, and runs of one already on autopilot fall back to a draft."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import pytest

from huntaze_events import ReplyWithheld
from huntaze_service.entitlements import PlanLimitReached, Refused
from huntaze_testkit.entitlements import entitlement_changed
from huntaze_testkit.fakes import FakeWorker, envelope
from inbox import handlers
from inbox.automations import Automation, Kind, Limits, RunStatus
from inbox.handlers import automations, mass_messages

from .fakes import FakeInboxRepository
from .test_automation_ai_texts import INSTRUCTION
from .test_automations import MONDAY_9AM, purchase, runs, subscribed, switch_on, worker
from .test_calendar import create, with_fans
from .test_use_cases import CREATOR, USER, drafted, receive

ORG = uuid.uuid4()


def withheld(conversation_id: uuid.UUID, message_id: uuid.UUID, fan_id: uuid.UUID) -> Any:
    payload = ReplyWithheld(
        conversation_id=conversation_id,
        in_reply_to_message_id=message_id,
        fan_id=fan_id,
        reason="quota_reached",
        limit=100,
        plan="Free",
        upgrade_to="Pro",
        period="2026-11",
    )
    return envelope(payload, producer="ai", creator_id=CREATOR)


async def shown(w: FakeWorker[FakeInboxRepository], conversation_id: uuid.UUID) -> dict[uuid.UUID, Any]:
    uow = w.uow()
    _, messages, drafts = await handlers.get_conversation(uow, CREATOR, conversation_id, limit=100)
    return await handlers.withheld_shown(uow, CREATOR, messages, drafts)


# reply.withheld ------------------------------------------------------------------------------------


async def test_a_withheld_message_shows_quota_reached_until_a_later_draft_arrives() -> None:
    w = worker()
    first = await handlers.receive_message(w.uow(), receive("hey"))
    second = await handlers.receive_message(w.uow(), receive("still there?"))
    event = withheld(first.conversation_id, first.message_id, first.fan_id)
    await w.deliver(event, event)
    await w.deliver(withheld(second.conversation_id, second.message_id, second.fan_id))
    now = await shown(w, first.conversation_id)
    assert set(now) == {first.message_id, second.message_id}
    w_ = now[first.message_id]
    assert (w_.plan, w_.upgrade_to, w_.limit, w_.period) == ("Free", "Pro", 100, "2026-11")
    await drafted(w, first)  # upgraded: the regeneration a person asked for arrived
    assert set(await shown(w, first.conversation_id)) == {second.message_id}


async def test_a_withheld_message_in_another_creators_conversation_is_not_stored() -> None:
    w = worker()
    mine = await handlers.receive_message(w.uow(), receive("hey"))
    theirs = withheld(mine.conversation_id, mine.message_id, mine.fan_id).model_copy(
        update={"creator_id": uuid.uuid4()}
    )
    await w.deliver(theirs)
    assert w.repo.withheld == {}


async def test_an_automation_run_waiting_for_its_text_is_skipped_quota_reached() -> None:
    w = worker()
    switch_on(w, Kind.WELCOME, delay_minutes=0, text="", instruction=INSTRUCTION)
    await w.deliver(subscribed(uuid.uuid4(), MONDAY_9AM))
    await w.fire_due()
    (request,) = w.emitted("automation.text_requested")
    asked = request.payload
    await w.deliver(withheld(asked.conversation_id, asked.run_id, asked.fan_id))
    (run,) = runs(w)
    assert (run.status, run.reason) == (RunStatus.SKIPPED, "quota_reached")
    assert w.repo.withheld == {} and w.repo.drafts_by_id == {}
    assert w.emitted("automation.run_scheduled")[-1].payload.status == "skipped"


# mass messages --------------------------------------------------------------------------------------


async def test_mass_messages_past_the_months_count_are_refused_and_a_cancelled_one_gives_it_back() -> None:
    w = worker()
    with_fans(w)
    await w.deliver(entitlement_changed(ORG, [CREATOR], mass_messages=2))
    first = await create(w)
    await create(w)
    with pytest.raises(PlanLimitReached) as refused:
        await create(w)
    assert refused.value.refused == Refused("mass_messages_per_month", 2, "Free", "Pro", "2026-11")
    assert len(w.repo.mass) == 2
    await mass_messages.cancel(w.uow(), CREATOR, USER, first.id)
    assert (await create(w)).id not in (first.id,)
    assert len(w.repo.mass) == 3


async def test_mass_messages_of_an_organisation_not_known_yet_are_allowed() -> None:
    w = worker()
    with_fans(w)
    await w.deliver(entitlement_changed(ORG, [uuid.uuid4()], mass_messages=0))
    await create(w)
    assert len(w.repo.mass) == 1


# autopilot -------------------------------------------------------------------------------------------


async def test_switching_to_autopilot_needs_a_plan_with_it() -> None:
    w = worker()
    await w.deliver(entitlement_changed(ORG, [CREATOR], autopilot=False))
    on = replace(Automation.default(Kind.WELCOME), enabled=True, autopilot=True)
    with pytest.raises(PlanLimitReached, match="does not include autopilot; the Pro plan allows it"):
        await automations.configure(w.uow(), automations.Configure(CREATOR, USER, [on], Limits()))
    off = replace(on, autopilot=False)
    await automations.configure(w.uow(), automations.Configure(CREATOR, USER, [off], Limits()))
    await w.deliver(entitlement_changed(ORG, [CREATOR], revision=2, plan="pro", plan_name="Pro", autopilot=True))
    config = await automations.configure(w.uow(), automations.Configure(CREATOR, USER, [on], Limits()))
    assert config[Kind.WELCOME].autopilot
    # downgraded: the automation already on autopilot may stay so (its runs become drafts)
    await w.deliver(entitlement_changed(ORG, [CREATOR], revision=3, autopilot=False))
    await automations.configure(w.uow(), automations.Configure(CREATOR, USER, [on], Limits()))


async def test_runs_on_autopilot_fall_back_to_a_persons_approval_when_the_plan_has_none() -> None:
    w = worker()
    switch_on(w, Kind.THANK_YOU, delay_minutes=0, autopilot=True, min_amount_cents=2000)
    await w.deliver(entitlement_changed(ORG, [CREATOR], plan="pro", plan_name="Pro", autopilot=True))
    await w.deliver(purchase(uuid.uuid4(), MONDAY_9AM))
    await w.deliver(entitlement_changed(ORG, [CREATOR], revision=2, autopilot=False))  # downgraded meanwhile
    await w.fire_due()
    await w.run_calls()
    (run,) = runs(w)
    assert (run.status, run.reason) == (RunStatus.DRAFTED, "plan_autopilot_off")
    assert w.emitted("reply.sent") == []
