"""Automations on fakes, with a clock the tests move: each trigger fires once, a draft by default,
the autopilot only within its bounds (caps per fan and per creator, quiet hours, its segments), and
never for a blocked or needs-review text; a trigger whose reason is gone fires nothing."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from huntaze_events import FanRef, FanSegmentChanged, SubscriptionStarted, TransactionRecorded
from huntaze_testkit.fakes import Clock, FakeWorker, envelope
from inbox import handlers
from inbox.automations import (
    Automation,
    AutomationConfig,
    AutomationRefused,
    Kind,
    Limits,
    Outcome,
    RunStatus,
    SentToday,
    decide,
)
from inbox.config import DEFAULT_OFFER_TERMS
from inbox.consumers import subscriptions
from inbox.domain import DraftStatus
from inbox.guardrails import RestrictedText
from inbox.handlers import automations, offers
from inbox.mass import Recipient, UnknownSegment

from .fakes import FakeInboxRepository
from .test_use_cases import CREATOR, USER, RecordingConnector, receive

MONDAY_9AM = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def worker(connector: Any = None) -> FakeWorker[FakeInboxRepository]:
    return FakeWorker(
        FakeInboxRepository(),
        producer="inbox",
        subscriptions=subscriptions(connector or RecordingConnector()),
        clock=Clock(MONDAY_9AM),
    )


def switch_on(w: FakeWorker[FakeInboxRepository], kind: Kind, limits: Limits | None = None, **changes: Any) -> None:
    config = w.repo.configs.get(CREATOR) or AutomationConfig()
    automations_ = dict(config.automations)
    automations_[kind] = replace(Automation.default(kind), enabled=True, **changes)
    w.repo.configs[CREATOR] = AutomationConfig(automations_, limits or config.limits)


def fan_ref(fan_id: uuid.UUID, name: str = "jake_88") -> FanRef:
    return FanRef(fan_id=fan_id, external_id=f"of_{fan_id.hex[:6]}", display_name=name)


def subscribed(fan_id: uuid.UUID, at: datetime) -> Any:
    return envelope(
        SubscriptionStarted(
            fan_id=fan_id,
            fan=fan_ref(fan_id),
            started_at=at,
            expires_at=at + timedelta(days=30),
            auto_renew=True,
            price_cents=999,
            currency="USD",
            first_time=True,
        ),
        producer="fans",
        creator_id=CREATOR,
    )


def purchase(fan_id: uuid.UUID, at: datetime, gross: int = 2500, kind: str = "tip") -> Any:
    return envelope(
        TransactionRecorded(
            transaction_id=uuid.uuid4(),
            fan_id=fan_id,
            fan=fan_ref(fan_id),
            type=kind,
            gross_cents=gross,
            fee_cents=gross // 5,
            net_cents=gross - gross // 5,
            currency="USD",
            occurred_at=at,
            source="connector",
        ),
        producer="fans",
        creator_id=CREATOR,
    )


def entered(fan_id: uuid.UUID, segment: str, at: datetime) -> Any:
    return envelope(
        FanSegmentChanged(fan_id=fan_id, segment=segment, change="entered", segment_name=segment, at=at),
        producer="fans",
        creator_id=CREATOR,
    )


def runs(w: FakeWorker[FakeInboxRepository], kind: Kind | None = None) -> list[Any]:
    return sorted((r for r in w.repo.runs.values() if kind in (None, r.kind)), key=lambda r: r.created_at)


# the pure rules ----------------------------------------------------------------------------------


def test_quiet_hours_across_midnight_in_the_creators_time_zone() -> None:
    limits = Limits(quiet_start=time(22, 0), quiet_end=time(7, 30), timezone="Europe/Paris")
    # 21:30 UTC is 22:30 in Paris (UTC+1 in November): quiet until 07:30 Paris = 06:30 UTC next day
    assert limits.quiet_until(datetime(2026, 11, 2, 21, 30, tzinfo=UTC)) == datetime(2026, 11, 3, 6, 30, tzinfo=UTC)
    assert limits.quiet_until(datetime(2026, 11, 3, 5, 0, tzinfo=UTC)) == datetime(2026, 11, 3, 6, 30, tzinfo=UTC)
    assert limits.quiet_until(datetime(2026, 11, 3, 6, 30, tzinfo=UTC)) is None
    assert limits.quiet_until(datetime(2026, 11, 2, 20, 59, tzinfo=UTC)) is None
    same_day = Limits(quiet_start=time(12, 0), quiet_end=time(14, 0))
    assert same_day.quiet_until(datetime(2026, 11, 2, 13, 0, tzinfo=UTC)) == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    assert Limits(quiet_start=None, quiet_end=None).quiet_until(MONDAY_9AM) is None
    assert limits.day_start(datetime(2026, 11, 2, 23, 30, tzinfo=UTC)) == datetime(2026, 11, 2, 23, 0, tzinfo=UTC)


def test_decide_never_autosends_a_blocked_or_needs_review_text_and_keeps_to_the_caps() -> None:
    on = replace(Automation.default(Kind.WELCOME), enabled=True, autopilot=True)
    limits = Limits(per_fan_per_day=1, per_creator_per_day=3, quiet_start=None, quiet_end=None)
    room = SentToday(fan=0, creator=0)

    def outcome(
        a: Automation = on, review: tuple[str, ...] = (), sent: SentToday = room, segments: frozenset[str] = frozenset()
    ) -> Any:
        d = decide(a, limits, now=MONDAY_9AM, fan_segments=set(segments), review=review, sent_today=sent)
        return d.outcome, d.reason

    assert outcome() == (Outcome.AUTOSEND, None)
    assert outcome(review=("instructions",)) == (Outcome.DRAFT, "needs_review")
    assert outcome(review=("blocked:venmo",)) == (Outcome.DRAFT, "blocked")
    assert outcome(sent=SentToday(fan=1, creator=1)) == (Outcome.DRAFT, "fan_daily_cap")
    assert outcome(sent=SentToday(fan=0, creator=3)) == (Outcome.DRAFT, "creator_daily_cap")
    assert outcome(replace(on, autopilot=False)) == (Outcome.DRAFT, "autopilot_off")
    assert outcome(replace(on, enabled=False)) == (Outcome.SKIP, "disabled")
    only_new = replace(on, autopilot_segments=("new",))
    assert outcome(only_new, segments=frozenset({"whales"})) == (Outcome.DRAFT, "segment_not_on_autopilot")
    assert outcome(only_new, segments=frozenset({"new", "whales"})) == (Outcome.AUTOSEND, None)


def test_settings_that_cannot_work_are_refused() -> None:
    with pytest.raises(AutomationRefused, match="time zone"):
        Limits(timezone="Mars/Olympus").checked()
    with pytest.raises(AutomationRefused, match="together"):
        Limits(quiet_start=time(22, 0), quiet_end=None).checked()
    with pytest.raises(AutomationRefused, match="per_fan_per_day"):
        Limits(per_fan_per_day=0).checked()
    with pytest.raises(ValueError, match="placeholder"):
        replace(Automation.default(Kind.WELCOME), text="hi {nmae}").checked()
    with pytest.raises(AutomationRefused, match="after_hours"):
        replace(Automation.default(Kind.PPV_FOLLOW_UP), after_hours=0).checked()
    with pytest.raises(AutomationRefused, match="thank_you only"):
        replace(Automation.default(Kind.WELCOME), min_amount_cents=100).checked()


async def test_configure_refuses_unknown_segments_and_texts_with_a_restricted_term() -> None:
    w = worker()
    welcome = replace(Automation.default(Kind.WELCOME), enabled=True, autopilot=True)
    with pytest.raises(UnknownSegment):
        cmd = handlers_configure([replace(welcome, autopilot_segments=("custom:" + str(uuid.uuid4()),))])
        await automations.configure(w.uow(), cmd)
    with pytest.raises(RestrictedText):
        await automations.configure(w.uow(), handlers_configure([replace(welcome, text="add me on snapchat {name}")]))
    with pytest.raises(AutomationRefused, match="at most once"):
        await automations.configure(w.uow(), handlers_configure([welcome, welcome]))
    config = await automations.configure(w.uow(), handlers_configure([replace(welcome, autopilot_segments=("new",))]))
    assert config[Kind.WELCOME].enabled and not config[Kind.THANK_YOU].enabled
    assert (await automations.get_config(w.uow(), CREATOR)).as_json() == config.as_json()


def handlers_configure(given: list[Automation]) -> automations.Configure:
    return automations.Configure(CREATOR, USER, given, Limits())


# triggers, once ---------------------------------------------------------------------------------------


async def test_a_welcome_is_a_draft_once_per_subscription_and_its_approval_marks_the_message_automated() -> None:
    connector = RecordingConnector()
    w = worker(connector)
    switch_on(w, Kind.WELCOME, delay_minutes=5)
    fan = uuid.uuid4()
    event = subscribed(fan, MONDAY_9AM)
    await w.deliver(event)
    await w.deliver(event)  # redelivered
    await w.deliver(subscribed(fan, MONDAY_9AM))  # the same subscription start, reported again
    (run,) = runs(w)
    assert run.status is RunStatus.PENDING and run.due_at == MONDAY_9AM + timedelta(minutes=5)
    assert await w.fire_due() == 0
    w.clock.advance(minutes=5)
    assert await w.fire_due() == 1
    (run,) = runs(w)
    assert (run.status, run.reason) == (RunStatus.DRAFTED, "autopilot_off")
    draft = w.repo.drafts_by_id[run.draft_id]
    assert draft.automation == "welcome" and draft.in_reply_to_message_id is None and "jake_88" in draft.text
    assert draft.status is DraftStatus.DRAFTED and connector.sent == []
    await handlers.approve_draft(w.uow(), creator_id=CREATOR, user_id=USER, draft_id=draft.id, text=None)
    await w.run_calls()
    assert len(connector.sent) == 1
    (sent,) = w.emitted("reply.sent")
    assert sent.payload.automation == "welcome" and w.emitted("reply.approved") == []
    (message,) = [m for m in w.repo.messages.values() if m.draft_id == draft.id]
    assert message.automation == "welcome"
    # the timer firing again (a worker died after its commit) decides nothing new
    await automations.fire(w.uow(), _timer(run.id))
    assert len(w.repo.drafts_by_id) == 1


def _timer(run_id: uuid.UUID) -> Any:
    from huntaze_service import Timer

    return Timer(automations.AUTOMATION_FIRE, str(run_id), CREATOR, MONDAY_9AM, MONDAY_9AM, 2, None)


async def test_the_autopilot_sends_once_per_trigger_within_the_daily_cap_per_fan() -> None:
    connector = RecordingConnector()
    w = worker(connector)
    switch_on(w, Kind.THANK_YOU, delay_minutes=0, autopilot=True, min_amount_cents=2000)
    fan = uuid.uuid4()
    first = purchase(fan, MONDAY_9AM)
    await w.deliver(first, first)
    await w.deliver(purchase(fan, MONDAY_9AM, gross=1999))  # below the amount: no run
    await w.deliver(purchase(fan, MONDAY_9AM, gross=-2500, kind="refund"))  # not a purchase
    await w.fire_due()
    await w.run_calls()
    assert [r.status for r in runs(w)] == [RunStatus.AUTOSENT]
    ((reply, key),) = connector.sent
    assert key == f"automation:{runs(w)[0].id}"
    w.clock.advance(hours=2)
    await w.deliver(purchase(fan, w.clock()))  # a second purchase the same day: over the cap of 1
    await w.fire_due()
    await w.run_calls()
    assert [(r.status, r.reason) for r in runs(w)][1] == (RunStatus.DRAFTED, "fan_daily_cap")
    assert len(connector.sent) == 1
    w.clock.advance(days=1)
    await w.deliver(purchase(fan, w.clock()))  # the next day: room again
    await w.fire_due()
    await w.run_calls()
    assert runs(w)[2].status is RunStatus.AUTOSENT and len(connector.sent) == 2


async def test_the_creators_daily_cap_holds_across_fans() -> None:
    w = worker()
    limits = Limits(per_fan_per_day=5, per_creator_per_day=2, quiet_start=None, quiet_end=None)
    switch_on(w, Kind.WELCOME, limits, delay_minutes=0, autopilot=True)
    for _ in range(4):
        await w.deliver(subscribed(uuid.uuid4(), MONDAY_9AM))
    await w.fire_due()
    assert sorted(r.status.value for r in runs(w)) == ["autosent", "autosent", "drafted", "drafted"]
    assert {r.reason for r in runs(w) if r.status is RunStatus.DRAFTED} == {"creator_daily_cap"}


async def test_quiet_hours_make_the_autopilot_wait_until_they_end() -> None:
    connector = RecordingConnector()
    w = worker(connector)
    limits = Limits(quiet_start=time(23, 0), quiet_end=time(8, 0), timezone="UTC")
    switch_on(w, Kind.WELCOME, limits, delay_minutes=0, autopilot=True)
    w.clock.current = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)
    await w.deliver(subscribed(uuid.uuid4(), w.clock()))
    assert await w.fire_due() == 1
    (run,) = runs(w)
    assert run.status is RunStatus.PENDING and run.due_at == datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    w.clock.advance(hours=8)  # 07:30
    assert await w.fire_due() == 0 and connector.sent == []
    w.clock.advance(minutes=30)
    assert await w.fire_due() == 1
    await w.run_calls()
    assert runs(w)[0].status is RunStatus.AUTOSENT and len(connector.sent) == 1


async def test_a_text_with_a_restricted_term_is_drafted_blocked_and_never_autosent() -> None:
    connector = RecordingConnector()
    w = worker(connector)
    switch_on(w, Kind.WELCOME, delay_minutes=0, autopilot=True, text="Hi {name}, tip me on my wishlist")
    w.repo.own_words[CREATOR] = ["wishlist"]  # added to the creator's list after the text was written
    await w.deliver(subscribed(uuid.uuid4(), MONDAY_9AM))
    await w.fire_due()
    await w.run_calls()
    (run,) = runs(w)
    assert (run.status, run.reason) == (RunStatus.DRAFTED, "blocked")
    draft = w.repo.drafts_by_id[run.draft_id]
    assert draft.review_reasons == ("blocked:wishlist",) and draft.needs_review and connector.sent == []
    with pytest.raises(RestrictedText):  # and a person cannot approve it as it is
        await handlers.approve_draft(w.uow(), creator_id=CREATOR, user_id=USER, draft_id=draft.id, text=None)


async def test_the_autopilot_sends_only_to_the_segments_it_was_switched_on_for() -> None:
    w = worker()
    switch_on(w, Kind.WELCOME, delay_minutes=0, autopilot=True, autopilot_segments=("new",))
    newbie, whale = uuid.uuid4(), uuid.uuid4()
    w.repo.fans[newbie] = (Recipient(newbie, "of_n", "n"), {"new"})
    w.repo.fans[whale] = (Recipient(whale, "of_w", "w"), {"whales"})
    await w.deliver(subscribed(newbie, MONDAY_9AM), subscribed(whale, MONDAY_9AM))
    await w.fire_due()
    by_fan = {r.fan_id: (r.status, r.reason) for r in runs(w)}
    assert by_fan == {
        newbie: (RunStatus.AUTOSENT, None),
        whale: (RunStatus.DRAFTED, "segment_not_on_autopilot"),
    }


# triggers whose reason is gone ----------------------------------------------------------------------------


async def test_a_ppv_follow_up_fires_for_a_locked_offer_only() -> None:
    w = worker()
    switch_on(w, Kind.PPV_FOLLOW_UP, after_hours=24, delay_minutes=0)
    locked = await _sent_offer(w, "of_1")
    bought = await _sent_offer(w, "of_2")
    (run_locked, run_bought) = runs(w, Kind.PPV_FOLLOW_UP)
    assert run_locked.due_at == locked.sent_at + timedelta(hours=24)
    from .test_offers import sale

    await w.deliver(sale(bought, fan=bought.fan_id))
    w.clock.advance(hours=24)
    await w.fire_due()
    statuses = {r.context["offer_id"]: (r.status, r.reason) for r in runs(w, Kind.PPV_FOLLOW_UP)}
    assert statuses[str(locked.id)] == (RunStatus.DRAFTED, "autopilot_off")
    assert statuses[str(bought.id)] == (RunStatus.SKIPPED, "offer_unlocked")
    assert run_bought.id != run_locked.id


async def _sent_offer(w: FakeWorker[FakeInboxRepository], fan: str) -> Any:
    received = await handlers.receive_message(w.uow(), receive(fan=fan))
    cmd = offers.MakeOffer(CREATOR, USER, received.conversation_id, "the set", 1500, [uuid.uuid4()])
    offer = await offers.make_offer(w.uow(), cmd, DEFAULT_OFFER_TERMS)
    await w.run_calls()
    return await offers.get_offer(w.uow(), CREATOR, offer.id)


async def test_re_engage_skips_fans_who_never_spent_and_win_back_fans_who_renewed() -> None:
    w = worker()
    switch_on(w, Kind.RE_ENGAGE, delay_minutes=60)
    switch_on(w, Kind.WIN_BACK, delay_minutes=60)
    spender, never, renewed = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for fan in (spender, never, renewed):
        w.repo.fans[fan] = (Recipient(fan, f"of_{fan.hex[:4]}", "x"), set())
    w.repo.fans[never][1].add("never_spent")
    await w.deliver(entered(spender, "lapsed", MONDAY_9AM), entered(never, "lapsed", MONDAY_9AM))
    await w.deliver(entered(renewed, "expiring", MONDAY_9AM))
    await w.deliver(entered(renewed, "whales", MONDAY_9AM))  # no automation for this segment
    assert len(runs(w)) == 3
    await w.deliver(
        envelope(  # the fan renewed before the run fired
            FanSegmentChanged(
                fan_id=renewed, segment="expiring", change="left", segment_name="expiring", at=MONDAY_9AM
            ),
            producer="fans",
            creator_id=CREATOR,
        )
    )
    w.clock.advance(hours=1)
    await w.fire_due()
    by_fan = {r.fan_id: (r.kind, r.status, r.reason) for r in runs(w)}
    assert by_fan[spender] == (Kind.RE_ENGAGE, RunStatus.DRAFTED, "autopilot_off")
    assert by_fan[never] == (Kind.RE_ENGAGE, RunStatus.SKIPPED, "never_spent")
    assert by_fan[renewed] == (Kind.WIN_BACK, RunStatus.SKIPPED, "left_segment")


async def test_switched_off_meanwhile_or_stale_triggers_fire_nothing() -> None:
    w = worker()
    switch_on(w, Kind.WELCOME, delay_minutes=10)
    await w.deliver(subscribed(uuid.uuid4(), MONDAY_9AM))
    await w.deliver(subscribed(uuid.uuid4(), MONDAY_9AM - timedelta(days=30)))  # a statement's old news
    assert len(runs(w)) == 1
    w.repo.configs[CREATOR] = AutomationConfig()  # everything off again
    w.clock.advance(minutes=10)
    await w.fire_due()
    (run,) = runs(w)
    assert (run.status, run.reason) == (RunStatus.SKIPPED, "disabled") and w.repo.drafts_by_id == {}
    await w.deliver(subscribed(uuid.uuid4(), w.clock()))  # while off: not even recorded
    assert len(runs(w)) == 1
