"""Automations whose message the AI writes (an instruction instead of a text), on fakes: firing asks
the ai service (automation.text_requested) and sends nothing; its answer (automation.text_written) is
decided like a written text — sent on autopilot when nothing needs a person, a draft when the fan's
latest words tried to steer the AI (needs_review) or the text holds a restricted term (blocked) —
once per run, whatever is redelivered."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import pytest

from huntaze_events import AutomationTextWritten
from huntaze_testkit.fakes import envelope
from inbox.automations import Automation, AutomationConfig, AutomationRefused, Kind, RunStatus
from inbox.domain import DraftStatus

from .test_automations import MONDAY_9AM, runs, subscribed, switch_on, worker
from .test_use_cases import CREATOR, RecordingConnector

INSTRUCTION = "warm and short, mention the new beach set"


def written(request: Any, text: str, review: tuple[str, ...] = ()) -> Any:
    asked = request.payload
    return envelope(
        AutomationTextWritten(
            run_id=asked.run_id,
            draft_id=asked.draft_id,
            conversation_id=asked.conversation_id,
            fan_id=asked.fan_id,
            automation=asked.automation,
            text=text,
            provider="offline",
            review=review,
        ),
        producer="ai",
        creator_id=CREATOR,
    )


async def fired(connector: RecordingConnector) -> tuple[Any, Any]:
    w = worker(connector)
    switch_on(w, Kind.WELCOME, delay_minutes=0, autopilot=True, text="", instruction=INSTRUCTION)
    await w.deliver(subscribed(uuid.uuid4(), MONDAY_9AM))
    await w.fire_due()
    await w.run_calls()
    return w, w.emitted("automation.text_requested")


async def test_firing_asks_the_ai_for_the_text_and_sends_nothing_yet() -> None:
    connector = RecordingConnector()
    w, requests = await fired(connector)
    (request,) = requests
    (run,) = runs(w)
    assert run.status is RunStatus.WRITING and connector.sent == [] and w.repo.drafts_by_id == {}
    asked = request.payload
    assert (asked.run_id, asked.draft_id, asked.automation, asked.instruction) == (
        run.id,
        run.draft_id,
        "welcome",
        INSTRUCTION,
    )
    assert asked.fan_display_name == "jake_88"


async def test_the_ais_text_is_autosent_once_and_marked_automated() -> None:
    connector = RecordingConnector()
    w, (request,) = await fired(connector)
    answer = written(request, "Hey Jake, welcome! Have you seen my new beach set?")
    await w.deliver(answer)
    await w.deliver(answer)  # redelivered
    await w.run_calls()
    (run,) = runs(w)
    assert run.status is RunStatus.AUTOSENT
    ((reply, key),) = connector.sent
    assert reply.text == "Hey Jake, welcome! Have you seen my new beach set?" and key == f"automation:{run.id}"
    draft = w.repo.drafts_by_id[run.draft_id]
    assert (draft.provider, draft.automation, draft.id) == ("offline", "welcome", request.payload.draft_id)
    (sent,) = w.emitted("reply.sent")
    assert sent.payload.automation == "welcome" and sent.payload.approved_by is None


@pytest.mark.parametrize(
    ("text", "review", "reason", "reasons"),
    [
        ("Hey Jake, welcome!", ("off_platform_payment",), "needs_review", ("off_platform_payment",)),
        ("Hey Jake, send it to my venmo", (), "blocked", ("blocked:venmo",)),
    ],
)
async def test_a_text_a_person_must_read_is_a_draft_never_autosent(
    text: str, review: tuple[str, ...], reason: str, reasons: tuple[str, ...]
) -> None:
    connector = RecordingConnector()
    w, (request,) = await fired(connector)
    await w.deliver(written(request, text, review))
    await w.run_calls()
    (run,) = runs(w)
    assert (run.status, run.reason) == (RunStatus.DRAFTED, reason) and connector.sent == []
    draft = w.repo.drafts_by_id[run.draft_id]
    assert draft.status is DraftStatus.DRAFTED and draft.review_reasons == reasons


async def test_switched_off_while_the_ai_wrote_nothing_is_sent() -> None:
    connector = RecordingConnector()
    w, (request,) = await fired(connector)
    config = w.repo.configs[CREATOR]
    off = dict(config.automations) | {Kind.WELCOME: replace(config[Kind.WELCOME], enabled=False)}
    w.repo.configs[CREATOR] = AutomationConfig(off, config.limits)
    await w.deliver(written(request, "Hey Jake!"))
    (run,) = runs(w)
    assert (run.status, run.reason) == (RunStatus.SKIPPED, "disabled") and connector.sent == []


def test_an_automation_needs_a_text_or_an_instruction() -> None:
    with pytest.raises(AutomationRefused, match="text must not be empty"):
        Automation(Kind.WELCOME, text="  ").checked()
    assert Automation(Kind.WELCOME, text="", instruction="  be sweet ").checked().instruction == "be sweet"
    with pytest.raises(AutomationRefused, match="at most 500"):
        Automation(Kind.WELCOME, text="hi", instruction="x" * 501).checked()
