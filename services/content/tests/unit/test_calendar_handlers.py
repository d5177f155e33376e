"""The calendar's read model from events, on fakes: every kind lands, and any order or number of
deliveries of the same events gives the same calendar."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from content import calendar_handlers
from huntaze_events import (
    AutomationRunScheduled,
    CampaignCreated,
    EventPayload,
    LinkClicked,
    MassAudience,
    MassMessageCommandRefused,
    MassMessageScheduled,
    MassMessageSent,
    OfferBy,
    PostCommandRefused,
    PostFailed,
    PostPublished,
    PostScheduled,
    PpvUnlocked,
    ShiftCancelled,
    ShiftScheduled,
)
from huntaze_service import Subscriptions
from huntaze_testkit.fakes import Clock, FakeUnitOfWork
from huntaze_testkit.lab import make_envelope

from .fake_calendar import FakeCalendar

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CREATOR = uuid.uuid4()
OTHER = uuid.uuid4()


def subs() -> Subscriptions:
    s = Subscriptions()
    calendar_handlers.subscribe(s)
    return s


SUBS = subs()


def envelope(payload: EventPayload, *, creator: uuid.UUID = CREATOR, at: datetime | None = None) -> Any:
    producer = next(
        (sub.spec.producer for sub in SUBS if isinstance(payload, sub.spec.model)), "inbox"
    )  # the registered producer
    return make_envelope(payload, producer=producer, creator_id=creator, occurred_at=at or NOW)


async def deliver(repo: FakeCalendar, events: Sequence[Any]) -> None:
    for event in events:
        for sub in SUBS:
            if isinstance(event.payload, sub.spec.model):
                uow = FakeUnitOfWork(repo, producer="content", clock=Clock(NOW))
                await sub.handler(uow, [event])
                await uow.commit()


async def view(repo: FakeCalendar, creator: uuid.UUID = CREATOR) -> list[Any]:
    uow = FakeUnitOfWork(repo, producer="content", clock=Clock(NOW))
    shown = await calendar_handlers.window(uow, creator, NOW - timedelta(days=10), NOW + timedelta(days=30), None, NOW)
    return [(s.entry.kind, s.entry.entry_id, s.status, s.entry.starts_at, s.entry.pending) for s in shown]


def post(post_id: uuid.UUID, revision: int, at: datetime, **kw: Any) -> PostScheduled:
    fields: dict[str, Any] = {
        "post_id": post_id,
        "revision": revision,
        "account_id": uuid.UUID(int=1),
        "network": "instagram",
        "publish_at": at,
        "status": "scheduled",
        "caption_excerpt": f"caption r{revision}",
    }
    return PostScheduled(**(fields | kw))


def mass(mass_id: uuid.UUID, revision: int, at: datetime, segments: list[str], **kw: Any) -> MassMessageScheduled:
    fields: dict[str, Any] = {
        "mass_message_id": mass_id,
        "revision": revision,
        "send_at": at,
        "status": "scheduled",
        "audience": MassAudience(segments=segments),
        "text_excerpt": f"hey r{revision}",
        "price_cents": 1200,
        "currency": "USD",
        "created_by": uuid.UUID(int=2),
    }
    return MassMessageScheduled(**(fields | kw))


def unlock(mass_id: uuid.UUID, net: int) -> PpvUnlocked:
    return PpvUnlocked(
        offer_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        fan_id=uuid.uuid4(),
        transaction_id=uuid.uuid4(),
        price_cents=1200,
        gross_cents=1200,
        net_cents=net,
        currency="USD",
        media_ids=[uuid.uuid4()],
        by=OfferBy(user_id=uuid.UUID(int=2)),
        mass_message_id=mass_id,
        offered_at=NOW,
        unlocked_at=NOW,
    )


def sent(mass_id: uuid.UUID) -> MassMessageSent:
    return MassMessageSent(
        mass_message_id=mass_id,
        status="done",
        recipients=3,
        sent=3,
        failed=0,
        skipped=0,
        cancelled=0,
        price_cents=1200,
        currency="USD",
        media_ids=[],
        created_by=uuid.UUID(int=2),
        started_at=NOW + timedelta(hours=2, seconds=1),
        finished_at=NOW + timedelta(hours=2, minutes=1),
    )


async def test_every_kind_lands_with_its_source_link_and_status() -> None:
    repo = FakeCalendar()
    p, m, c, s, r = (uuid.uuid4() for _ in range(5))
    await deliver(
        repo,
        [
            envelope(post(p, 1, NOW + timedelta(hours=5))),
            envelope(mass(m, 1, NOW + timedelta(hours=6), ["whales"])),
            envelope(
                CampaignCreated(
                    campaign_id=c,
                    name="Black Friday",
                    cost_cents=5000,
                    currency="USD",
                    starts_at=NOW - timedelta(days=20),
                    ends_at=NOW + timedelta(days=2),
                )
            ),  # fmt: skip
            envelope(
                ShiftScheduled(
                    shift_id=s,
                    organization_id=uuid.uuid4(),
                    user_id=uuid.UUID(int=7),
                    starts_at=NOW + timedelta(hours=1),
                    ends_at=NOW + timedelta(hours=9),
                    creator_ids=[CREATOR],
                    scheduled_by=uuid.uuid4(),
                )
            ),  # fmt: skip
            envelope(
                AutomationRunScheduled(
                    run_id=r,
                    conversation_id=uuid.UUID(int=9),
                    automation="welcome",
                    fan_id=uuid.uuid4(),
                    fire_at=NOW + timedelta(minutes=5),
                    status="scheduled",
                )
            ),  # fmt: skip
        ],
    )
    got = {e.kind: e for e in repo.entries.values()}
    assert set(got) == {"post", "mass_message", "campaign", "shift", "automation"}
    assert (got["post"].source, got["post"].link, got["post"].network) == (
        "marketing", f"/v1/marketing/posts/{p}", "instagram"
    )  # fmt: skip
    assert (got["mass_message"].source, got["mass_message"].segments) == ("inbox", ("whales",))
    assert got["shift"].title == f"Shift: member {uuid.UUID(int=7)}" and got["shift"].source == "gateway"
    assert got["automation"].link == f"/v1/inbox/conversations/{uuid.UUID(int=9)}"
    shown = await view(repo)
    # the campaign started 20 days ago, before the window: it is shown as a running span, first
    assert [k for k, *_ in shown] == ["campaign", "automation", "shift", "post", "mass_message"]
    assert shown[0][2] == "active"
    assert await view(repo, OTHER) == []


PID = uuid.uuid4()
POST_EVENTS = [
    post(PID, 1, NOW + timedelta(hours=3)),
    post(PID, 2, NOW + timedelta(hours=4), caption_excerpt="moved"),
    PostPublished(
        post_id=PID,
        account_id=uuid.UUID(int=1),
        network="instagram",
        network_post_id="ig1",
        scheduled_for=NOW + timedelta(hours=4),
        published_at=NOW + timedelta(hours=4, seconds=3),
    ),  # fmt: skip
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
async def test_post_events_converge_in_any_order_and_duplicated(order: tuple[int, ...]) -> None:
    repo = FakeCalendar()
    events = [envelope(POST_EVENTS[i]) for i in order]
    await deliver(repo, events + events[:1])
    entry = repo.entries[(CREATOR, PID)]
    assert (entry.status, entry.starts_at, entry.revision, entry.title, entry.final) == (
        "published", NOW + timedelta(hours=4), 2, "moved", True
    )  # fmt: skip


async def test_a_failed_post_stays_failed_and_a_found_one_becomes_published() -> None:
    repo = FakeCalendar()
    fail = PostFailed(
        post_id=PID, account_id=uuid.UUID(int=1), network="instagram", scheduled_for=NOW, reason="token expired"
    )
    await deliver(repo, [envelope(post(PID, 1, NOW)), envelope(fail), envelope(post(PID, 2, NOW))])
    assert repo.entries[(CREATOR, PID)].status == "failed"
    assert repo.entries[(CREATOR, PID)].details["failure"] == "token expired"
    await deliver(repo, [envelope(POST_EVENTS[2])])
    await deliver(repo, [envelope(fail)])
    assert repo.entries[(CREATOR, PID)].status == "published"


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (3, 2, 1, 0), (1, 3, 0, 2), (2, 0, 3, 1)])
async def test_a_mass_message_result_is_the_net_of_its_unlocks_in_any_order(order: tuple[int, ...]) -> None:
    repo = FakeCalendar()
    mid = uuid.uuid4()
    one, two = unlock(mid, 960), unlock(mid, 1001)
    events = [mass(mid, 1, NOW + timedelta(hours=2), ["whales"]), one, sent(mid), two]
    ordered = [envelope(events[i]) for i in order]
    await deliver(repo, ordered + ordered)  # every event twice
    entry = repo.entries[(CREATOR, mid)]
    assert (entry.status, entry.result_cents, entry.currency) == ("sent", 1961, "USD")
    assert entry.starts_at == NOW + timedelta(hours=2)
    assert entry.details["counts"] == {"recipients": 3, "sent": 3, "failed": 0, "skipped": 0, "cancelled": 0}


async def test_unlocks_of_other_offers_or_creators_do_not_count() -> None:
    repo = FakeCalendar()
    mid = uuid.uuid4()
    stray = unlock(mid, 500)
    await deliver(repo, [envelope(mass(mid, 1, NOW, ["new"])), envelope(stray, creator=OTHER), envelope(sent(mid))])
    assert repo.entries[(CREATOR, mid)].result_cents == 0


async def test_a_move_answer_clears_pending_and_a_refusal_restores_the_time() -> None:
    repo = FakeCalendar()
    mid = uuid.uuid4()
    await deliver(repo, [envelope(mass(mid, 1, NOW + timedelta(hours=2), ["whales"]))])
    from dataclasses import replace

    command = uuid.uuid4()
    key = (CREATOR, mid)
    repo.entries[key] = replace(
        repo.entries[key], pending_command_id=command, pending_starts_at=NOW + timedelta(hours=5)
    )
    # another change (not the answer) keeps the move pending
    await deliver(repo, [envelope(mass(mid, 2, NOW + timedelta(hours=2), ["whales"], text_excerpt="edited"))])
    assert repo.entries[key].pending and repo.entries[key].title == "edited"
    # an old refusal (another command) changes nothing; the one for this command restores it
    await deliver(repo, [envelope(MassMessageCommandRefused(command_id=uuid.uuid4(), mass_message_id=mid, reason="x"))])
    assert repo.entries[key].pending
    await deliver(
        repo, [envelope(MassMessageCommandRefused(command_id=command, mass_message_id=mid, reason="already sending"))]
    )
    entry = repo.entries[key]
    assert not entry.pending and entry.starts_at == NOW + timedelta(hours=2)
    assert entry.details["refusal"]["reason"] == "already sending"

    # a post's move confirmed by its plan naming the command
    command = uuid.uuid4()
    await deliver(repo, [envelope(post(PID, 1, NOW + timedelta(hours=3)))])
    key = (CREATOR, PID)
    repo.entries[key] = replace(
        repo.entries[key], pending_command_id=command, pending_starts_at=NOW + timedelta(hours=6)
    )
    await deliver(repo, [envelope(PostCommandRefused(command_id=uuid.uuid4(), post_id=None, reason="import row"))])
    assert repo.entries[key].pending
    await deliver(repo, [envelope(post(PID, 2, NOW + timedelta(hours=6), command_id=command))])
    assert not repo.entries[key].pending and repo.entries[key].starts_at == NOW + timedelta(hours=6)


async def test_shift_cancelled_before_or_after_its_schedule_is_cancelled() -> None:
    sid = uuid.uuid4()
    fields: dict[str, Any] = {
        "shift_id": sid,
        "organization_id": uuid.uuid4(),
        "user_id": uuid.uuid4(),
        "starts_at": NOW,
        "ends_at": NOW + timedelta(hours=8),
    }
    scheduled = envelope(ShiftScheduled(**fields, creator_ids=[CREATOR], scheduled_by=uuid.uuid4()))
    cancelled = envelope(ShiftCancelled(**fields, cancelled_by=uuid.uuid4()))
    for events in ([scheduled, cancelled], [cancelled, scheduled]):
        repo = FakeCalendar()
        await deliver(repo, events)
        entry = repo.entries[(CREATOR, sid)]
        assert (entry.status, entry.ends_at) == ("cancelled", NOW + timedelta(hours=8))


async def test_automation_runs_keep_the_latest_event() -> None:
    rid = uuid.uuid4()

    def run(status: str) -> AutomationRunScheduled:
        return AutomationRunScheduled(
            run_id=rid, conversation_id=uuid.uuid4(), automation="welcome", fan_id=uuid.uuid4(),
            fire_at=NOW + timedelta(minutes=5), status=status,  # type: ignore[arg-type]
        )  # fmt: skip

    first, then = envelope(run("scheduled"), at=NOW), envelope(run("sent"), at=NOW + timedelta(minutes=5))
    for events in ([first, then], [then, first], [then, first, then]):
        repo = FakeCalendar()
        await deliver(repo, events)
        assert repo.entries[(CREATOR, rid)].status == "sent"


async def test_clicks_count_per_network_and_hour_robots_apart() -> None:
    repo = FakeCalendar()

    def click(hour: int, bot: bool = False, network: str | None = "tiktok") -> Any:
        return envelope(
            LinkClicked(
                link_id=uuid.uuid4(), click_id=uuid.uuid4(), clicked_at=NOW.replace(hour=hour),
                network=network, bot=bot,  # type: ignore[arg-type]
            )
        )  # fmt: skip

    await deliver(repo, [click(20), click(20), click(21), click(20, bot=True), click(3, network=None)])
    assert await repo.calendar_click_hours(CREATOR) == {"tiktok": {20: 2, 21: 1}}
