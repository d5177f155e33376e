"""Automations: a creator's settings, triggers recorded once, and the ``automation_fire`` timer that
makes a draft or — within the autopilot's bounds — sends (rules: :mod:`inbox.automations`).

Flow of one trigger::

    subscription.started / transaction.recorded / fan.segment_changed / an offer sent
      └─▶ trigger(): a run, unique per (creator, automation, trigger) ─ durable timer at due_at
            └─▶ fire(): decide() ─▶ draft (a person approves)        ┐ one transaction:
                                  ─▶ autosend: approved draft + send_reply call (key = the run)
                                  ─▶ defer: the timer again at the end of the quiet hours
                                  ─▶ skip: why, on the run
                                  ─▶ an AI instruction instead of a text: the run ``writing``,
                                     automation.text_requested ─▶ ai ─▶ automation.text_written
                                       └─▶ on_text_written(): decide() again with the text's review
                                           ─▶ draft or autosend as above (quiet hours begun: a draft)

The calendar (the content service) follows each run through ``automation.run_scheduled``: emitted
when the run is recorded (status ``scheduled``, its fire time), again when quiet hours defer it, and
with its outcome when it is decided (``sent``, ``drafted``, ``skipped``) — in the same transactions.
Its ``conversation_id`` is the fan's conversation, or the id the conversation firing creates will get.

A redelivered trigger finds its run and does nothing; a fired timer that already decided (a worker
died after the commit) finds the run decided and does nothing; the send's idempotency key is the
run id, so the connector drops a repeat.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from huntaze_events import (
    AutomationRunScheduled,
    AutomationTextRequested,
    AutomationTextWritten,
    Envelope,
    FanSegmentChanged,
    SubscriptionStarted,
    TransactionRecorded,
)
from huntaze_service import Timer, entitlements

from ..automations import (
    PURCHASES,
    Automation,
    AutomationConfig,
    AutomationRefused,
    Decision,
    Kind,
    Limits,
    Outcome,
    Run,
    RunStatus,
    decide,
    stale,
)
from ..domain import Draft, DraftStatus, SendReply
from ..guardrails import RestrictedText, find_restricted
from ..mass import BUILTIN_SEGMENTS, UnknownSegment, render
from ..offers import Offer, OfferStatus
from .base import Uow
from .conversations import SEND_REPLY

AUTOMATION_FIRE = "automation_fire"
PLAN_AUTOPILOT_OFF = "plan_autopilot_off"
"""A run's reason when the plan does not include the autopilot any more: a draft instead of a send."""
PROVIDER = "automation"
CONVERSATION = "conversation_id"
"""The run's context key for its conversation (the fan's, or the id the one firing creates gets)."""
ANNOUNCED = {
    RunStatus.PENDING: "scheduled",
    RunStatus.AUTOSENT: "sent",
    RunStatus.DRAFTED: "drafted",
    RunStatus.SKIPPED: "skipped",
}


# settings -----------------------------------------------------------------------------------------


async def get_config(uow: Uow, creator_id: uuid.UUID) -> AutomationConfig:
    return await uow.repo.automation_config(creator_id)


@dataclass(frozen=True)
class Configure:
    creator_id: uuid.UUID
    user_id: uuid.UUID
    automations: list[Automation]
    limits: Limits


async def configure(uow: Uow, cmd: Configure) -> AutomationConfig:
    """Replaces the creator's automations and limits (a kind left out is reset to its default, off).
    Raises AutomationRefused, UnknownSegment, RestrictedText (a text nothing could ever send),
    PlanLimitReached (an automation switched to autopilot on a plan without it; one already on it
    may stay: its runs fall back to a person's approval, :func:`_plan_autopilot`)."""
    kinds = [a.kind for a in cmd.automations]
    if len(kinds) != len(set(kinds)):
        raise AutomationRefused("each automation kind at most once")
    given = {a.kind: a.checked() for a in cmd.automations}
    asked = sorted({s for a in given.values() for s in a.autopilot_segments if s not in BUILTIN_SEGMENTS})
    known = await uow.repo.known_custom_segments(cmd.creator_id, asked) if asked else set()
    for segment in asked:
        if segment not in known:
            raise UnknownSegment(segment)
    own_words = await uow.repo.restricted_words(cmd.creator_id)
    for automation in given.values():
        term = find_restricted(automation.text, own_words)
        if term is not None:
            raise RestrictedText(term)
    before = await uow.repo.automation_config(cmd.creator_id)
    if any(a.autopilot and a.enabled and not before[k].autopilot for k, a in given.items()):
        # switching an automation to autopilot needs a plan with it (huntaze_service.entitlements)
        entitlements.require(await entitlements.feature(uow, cmd.creator_id, "autopilot"))
    config = AutomationConfig({k: given.get(k) or Automation.default(k) for k in Kind}, cmd.limits.checked())
    await uow.repo.save_automation_config(cmd.creator_id, config, by=cmd.user_id, now=uow.now())
    await uow.commit()
    return config


async def list_runs(
    uow: Uow, creator_id: uuid.UUID, *, limit: int, kind: Kind | None, status: RunStatus | None
) -> list[Run]:
    return await uow.repo.automation_runs(creator_id, limit=limit, kind=kind, status=status)


# triggers -------------------------------------------------------------------------------------------


async def trigger(
    uow: Uow,
    creator_id: uuid.UUID,
    kind: Kind,
    *,
    key: str,
    fan_id: uuid.UUID,
    at: datetime,
    context: dict[str, str] | None = None,
) -> Run | None:
    """Records the run of one trigger and its timer — when the automation is on, the trigger is
    fresh, and this trigger has no run yet. Part of the caller's transaction."""
    now = uow.now()
    automation = (await uow.repo.automation_config(creator_id))[kind]
    if not automation.enabled or stale(at, now):
        return None
    known = await uow.repo.fan_conversations(creator_id, fan_id)
    planned = known[0].id if known else uuid.uuid4()  # the one firing creates, when the fan has none yet
    run = Run(
        id=uuid.uuid4(),
        creator_id=creator_id,
        kind=kind,
        trigger=key,
        fan_id=fan_id,
        due_at=max(at, now) + automation.delay,
        created_at=now,
        context={**(context or {}), CONVERSATION: str(planned)},
    )
    if not await uow.repo.add_run(run):
        return None  # this trigger fired already (a redelivery), or the fan was erased
    uow.schedule(AUTOMATION_FIRE, key=str(run.id), at=run.due_at, tenant=creator_id)
    _announce(uow, run)
    return run


# what the calendar (the content service) learns of a run ---------------------------------------------


def _announce(uow: Uow, run: Run, conversation_id: uuid.UUID | None = None) -> None:
    """``automation.run_scheduled``: the run recorded (or deferred) with its fire time, then what it
    did when it fired. Nothing while the AI writes its text, nor for a run recorded before runs
    carried their conversation, nor for an erased fan (nothing more is said of them)."""
    status = ANNOUNCED.get(run.status)
    conversation_id = conversation_id or _planned(run)
    if status is None or conversation_id is None or run.reason == "fan_erased":
        return
    uow.emit(
        AutomationRunScheduled(
            run_id=run.id,
            conversation_id=conversation_id,
            automation=run.kind.value,
            fan_id=run.fan_id,
            fire_at=run.due_at,
            status=status,  # type: ignore[arg-type]
        ),
        creator_id=run.creator_id,
    )


def _planned(run: Run) -> uuid.UUID | None:
    planned = run.context.get(CONVERSATION)
    return uuid.UUID(planned) if planned else None


def _fan(ref: object) -> dict[str, str]:
    return {"external_id": ref.external_id, "display_name": ref.display_name}  # type: ignore[attr-defined]


async def on_subscription_started(uow: Uow, event: Envelope[SubscriptionStarted]) -> None:
    s = event.payload
    await trigger(
        uow,
        event.creator_id,
        Kind.WELCOME,
        key=f"{s.fan_id}:{s.started_at.isoformat()}",
        fan_id=s.fan_id,
        at=s.started_at,
        context=_fan(s.fan),
    )


async def on_transaction(uow: Uow, event: Envelope[TransactionRecorded]) -> None:
    t = event.payload
    if t.type not in PURCHASES:
        return
    automation = (await uow.repo.automation_config(event.creator_id))[Kind.THANK_YOU]
    if t.gross_cents < (automation.min_amount_cents or 0):
        return
    await trigger(
        uow,
        event.creator_id,
        Kind.THANK_YOU,
        key=str(t.transaction_id),
        fan_id=t.fan_id,
        at=t.occurred_at,
        context={**_fan(t.fan), "amount_cents": str(t.gross_cents)},
    )


SEGMENT_TRIGGERS = {"expiring": Kind.WIN_BACK, "lapsed": Kind.RE_ENGAGE}


async def on_segment_changed(uow: Uow, event: Envelope[FanSegmentChanged]) -> None:
    c = event.payload
    kind = SEGMENT_TRIGGERS.get(c.segment)
    if kind is None or c.change != "entered":
        return
    await trigger(
        uow, event.creator_id, kind, key=f"{c.segment}:{c.fan_id}:{c.at.isoformat()}", fan_id=c.fan_id, at=c.at
    )


async def on_offer_sent(uow: Uow, offer: Offer) -> None:
    """A one-to-one offer reached the fan: its follow-up, if still locked ``after_hours`` later."""
    if offer.mass_message_id is not None or offer.automation is not None or offer.sent_at is None:
        return  # mass messages' copies and automated offers are not followed up one by one
    await trigger(
        uow,
        offer.creator_id,
        Kind.PPV_FOLLOW_UP,
        key=str(offer.id),
        fan_id=offer.fan_id,
        at=offer.sent_at,
        context={"offer_id": str(offer.id)},
    )


# firing ---------------------------------------------------------------------------------------------


def run_id_of(timer_key: str) -> uuid.UUID:
    return uuid.UUID(timer_key.split("@", 1)[0])


async def fire(uow: Uow, timer: Timer[None]) -> None:
    """A run's time came: its own conditions, then :func:`decide`; one transaction."""
    run = await uow.repo.automation_run(run_id_of(timer.key), lock=True)
    if run is None or run.status is not RunStatus.PENDING:
        return  # decided already (the timer fired again after a crash), or erased
    now = uow.now()
    config = await uow.repo.automation_config(run.creator_id)
    automation = config[run.kind]
    await uow.repo.lock_autopilot(run.creator_id)  # the caps are counted, then used: one at a time
    recipient, segments = await uow.repo.audience_fan(run.creator_id, run.fan_id)
    gone = await _reason_gone(uow, run, segments)
    if gone is not None or not automation.enabled:
        _decided(run, RunStatus.SKIPPED, gone or "disabled", now)
        await uow.repo.save_run(run)
        _announce(uow, run)
        return
    external_id = run.context.get("external_id") or (recipient.external_id if recipient else None)
    name = run.context.get("display_name") or (recipient.display_name if recipient else None) or external_id
    if external_id is None:  # a fan the inbox knows from a conversation only
        known = await uow.repo.fan_conversations(run.creator_id, run.fan_id)
        if known:
            external_id, name = known[0].fan_external_id, known[0].fan_display_name
    conversation_id = None
    if external_id is not None and name is not None:
        conversation_id = await uow.repo.outbound_conversation(
            run.creator_id, run.fan_id, external_id, name, now, _planned(run)
        )
    if conversation_id is None or external_id is None:
        _decided(run, RunStatus.SKIPPED, "unknown_fan" if external_id is None else "fan_erased", now)
        await uow.repo.save_run(run)
        _announce(uow, run)
        return
    text = "" if automation.instruction else render(automation.text, name=name)
    term = find_restricted(text, await uow.repo.restricted_words(run.creator_id))
    review = (f"blocked:{term}",) if term is not None else ()
    sent_today = await uow.repo.autosent_since(run.creator_id, run.fan_id, config.limits.day_start(now))
    decision = decide(automation, config.limits, now=now, fan_segments=segments, review=review, sent_today=sent_today)
    decision = await _plan_autopilot(uow, run, decision)
    if decision.outcome is Outcome.DEFER:
        assert decision.until is not None
        run.due_at = decision.until
        run.reason = decision.reason
        await uow.repo.save_run(run)
        uow.schedule(
            AUTOMATION_FIRE, key=f"{run.id}@{decision.until.isoformat()}", at=run.due_at, tenant=run.creator_id
        )
        _announce(uow, run, conversation_id)  # it fires later: the calendar shows its new time
        return
    if automation.instruction and decision.outcome is not Outcome.SKIP:
        await _ask_for_text(uow, run, automation.instruction, conversation_id, name)
        return
    await _settle(uow, run, decision, conversation_id, external_id, text, review, PROVIDER, None)


async def _ask_for_text(uow: Uow, run: Run, instruction: str, conversation_id: uuid.UUID, name: str) -> None:
    """The AI writes this automation's message: the run waits (``writing``) for automation.text_written."""
    run.draft_id = uuid.uuid4()
    run.status = RunStatus.WRITING
    run.reason = None
    await uow.repo.save_run(run)
    uow.emit(
        AutomationTextRequested(
            run_id=run.id,
            draft_id=run.draft_id,
            conversation_id=conversation_id,
            fan_id=run.fan_id,
            fan_display_name=name[:100],
            automation=run.kind.value,
            instruction=instruction,
        ),
        creator_id=run.creator_id,
    )


async def on_text_written(uow: Uow, event: Envelope[AutomationTextWritten]) -> None:
    """The AI wrote a run's message: decided now like a written text — a draft, or (autopilot,
    nothing to review, not blocked, caps left) sent; quiet hours that began meanwhile make it a
    draft. A repeat finds the run decided and does nothing."""
    written = event.payload
    run = await uow.repo.automation_run(written.run_id, lock=True)
    if run is None or run.status is not RunStatus.WRITING:
        return
    now = uow.now()
    conversation = await uow.repo.conversation(run.creator_id, written.conversation_id)
    if conversation is None or await uow.repo.erased(run.creator_id, run.fan_id) is not None:
        _decided(run, RunStatus.SKIPPED, "fan_erased", now)
        await uow.repo.save_run(run)
        _announce(uow, run, written.conversation_id)
        return
    config = await uow.repo.automation_config(run.creator_id)
    automation = config[run.kind]
    await uow.repo.lock_autopilot(run.creator_id)
    _, segments = await uow.repo.audience_fan(run.creator_id, run.fan_id)
    term = find_restricted(written.text, await uow.repo.restricted_words(run.creator_id))
    review = ((f"blocked:{term}",) if term is not None else ()) + tuple(written.review)
    sent_today = await uow.repo.autosent_since(run.creator_id, run.fan_id, config.limits.day_start(now))
    decision = decide(automation, config.limits, now=now, fan_segments=segments, review=review, sent_today=sent_today)
    decision = await _plan_autopilot(uow, run, decision)
    if decision.outcome is Outcome.DEFER:
        decision = Decision(Outcome.DRAFT, decision.reason)
    await _settle(
        uow,
        run,
        decision,
        written.conversation_id,
        conversation.fan_external_id,
        written.text,
        review,
        written.provider,
        written.model,
    )


async def _settle(
    uow: Uow,
    run: Run,
    decision: Decision,
    conversation_id: uuid.UUID,
    external_id: str,
    text: str,
    review: tuple[str, ...],
    provider: str,
    model: str | None,
) -> None:
    """The run's draft — approved and handed to the connector when the autopilot sends it — or
    nothing (skipped, and why)."""
    now = uow.now()
    if decision.outcome is Outcome.SKIP:
        _decided(run, RunStatus.SKIPPED, decision.reason, now)
        await uow.repo.save_run(run)
        _announce(uow, run, conversation_id)
        return
    autosend = decision.outcome is Outcome.AUTOSEND
    draft = Draft(
        id=run.draft_id or uuid.uuid4(),
        creator_id=run.creator_id,
        conversation_id=conversation_id,
        in_reply_to_message_id=None,
        status=DraftStatus.APPROVED if autosend else DraftStatus.DRAFTED,
        text=text,
        original_text=text,
        provider=provider,
        model=model,
        created_at=now,
        approved_at=now if autosend else None,
        review_reasons=review,
        automation=run.kind.value,
        automation_run_id=run.id,
    )
    await uow.repo.add_draft(draft)
    run.draft_id = draft.id
    _decided(run, RunStatus.AUTOSENT if autosend else RunStatus.DRAFTED, decision.reason, now)
    await uow.repo.save_run(run)
    _announce(uow, run, conversation_id)
    if autosend:
        uow.call(
            SEND_REPLY,
            key=f"automation:{run.id}",
            payload=SendReply(
                draft_id=draft.id,
                conversation_id=conversation_id,
                fan_id=run.fan_id,
                fan_external_id=external_id,
                text=text,
            ),
            tenant=run.creator_id,
            order_key=str(conversation_id),
        )


async def _plan_autopilot(uow: Uow, run: Run, decision: Decision) -> Decision:
    """A send (or a wait to send) the plan no longer allows — downgraded since the automation was
    switched to autopilot — becomes a draft for a person's approval (``plan_autopilot_off``)."""
    if decision.outcome not in (Outcome.AUTOSEND, Outcome.DEFER):
        return decision
    if isinstance(await entitlements.feature(uow, run.creator_id, "autopilot"), entitlements.Refused):
        return Decision(Outcome.DRAFT, PLAN_AUTOPILOT_OFF)
    return decision


def _decided(run: Run, status: RunStatus, reason: str | None, now: datetime) -> None:
    run.status = status
    run.reason = reason
    run.decided_at = now


async def _reason_gone(uow: Uow, run: Run, segments: set[str]) -> str | None:
    """Why the trigger no longer holds when the run fires, or None."""
    if await uow.repo.erased(run.creator_id, run.fan_id) is not None:
        return "fan_erased"
    if run.kind is Kind.PPV_FOLLOW_UP:
        offer = await uow.repo.offer(run.creator_id, uuid.UUID(run.context["offer_id"]))
        if offer is None:
            return "offer_gone"
        if offer.status is not OfferStatus.SENT:
            return f"offer_{offer.status.value}"
    if run.kind is Kind.WIN_BACK and "expiring" not in segments:
        return "left_segment"
    if run.kind is Kind.RE_ENGAGE:
        if "lapsed" not in segments:
            return "left_segment"
        if "never_spent" in segments:
            return "never_spent"
    return None
