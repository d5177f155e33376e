"""Usage metering on fakes: one unit per source event, pending until the creator's organisation is
known, usage.recorded with the month's total, and one Stripe meter event per AI draft on metered plans."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from huntaze_events import MassMessageSent, ReplyDrafted
from huntaze_testkit.fakes import envelope

from .world import World


def drafted(creator: uuid.UUID, at: datetime | None = None):
    return envelope(
        ReplyDrafted(draft_id=uuid.uuid4(), conversation_id=uuid.uuid4(), in_reply_to_message_id=uuid.uuid4(),
                     fan_id=uuid.uuid4(), text="hi", provider="offline"),
        producer="ai", creator_id=creator, occurred_at=at or datetime(2026, 11, 2, 9, tzinfo=UTC),
    )  # fmt: skip


def mass_sent(creator: uuid.UUID, sent: int, status: str = "done"):
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    return envelope(
        MassMessageSent(mass_message_id=uuid.uuid4(), status=status, recipients=sent, sent=sent, failed=0, skipped=0,
                        cancelled=0, currency="USD", media_ids=[], created_by=uuid.uuid4(), started_at=at,
                        finished_at=at),
        producer="inbox", creator_id=creator, occurred_at=at,
    )  # fmt: skip


def usage(w: World) -> list[tuple[str, str, int]]:
    return [(e.payload.metric, e.payload.period, e.payload.total) for e in w.worker.emitted("usage.recorded")]


async def test_units_count_once_per_source_event_per_month() -> None:
    w = World()
    await w.organization()
    first = drafted(w.creator)
    await w.worker.deliver(first)
    await w.worker.deliver(first)  # redelivered: counted once
    await w.worker.deliver(drafted(w.creator, datetime(2026, 12, 1, 0, 0, tzinfo=UTC)))
    await w.worker.deliver(mass_sent(w.creator, 10), mass_sent(w.creator, 0, "cancelled"))
    assert usage(w) == [("ai_drafts", "2026-11", 1), ("ai_drafts", "2026-12", 1), ("mass_messages", "2026-11", 1)]
    assert all(e.creator_id == w.org for e in w.worker.emitted("usage.recorded"))
    assert w.worker.timers == {}  # the free plan is not metered on Stripe


async def test_units_of_an_unknown_creator_wait_for_its_organisation() -> None:
    w = World()
    await w.worker.deliver(drafted(w.creator), drafted(w.creator))
    assert usage(w) == []
    await w.organization()
    assert usage(w) == [("ai_drafts", "2026-11", 1), ("ai_drafts", "2026-11", 2)]
    await w.organization(w.creator, uuid.uuid4())  # nothing pending any more
    assert len(usage(w)) == 2


async def test_a_metered_plan_reports_each_draft_to_stripe_once() -> None:
    w = World()
    await w.organization()
    w.repo.accounts[w.org] = replace(
        w.repo.accounts[w.org], stripe_customer_id="cus_a", sub_plan="agency", status="active", plan="agency"
    )
    one, two = drafted(w.creator), drafted(w.creator)
    await w.worker.deliver(one, two)
    await w.worker.deliver(one)
    assert [o[2] for o in await w.worker.run_calls()] == ["done", "done"]
    assert await w.worker.run_calls() == []
    assert w.stripe.meter_events == {
        str(one.event_id): ("huntaze_ai_drafts", "cus_a", 1), str(two.event_id): ("huntaze_ai_drafts", "cus_a", 1)
    }  # fmt: skip


async def test_stripe_down_leaves_the_meter_event_to_retry() -> None:
    w = World()
    await w.organization()
    w.repo.accounts[w.org] = replace(
        w.repo.accounts[w.org], stripe_customer_id="cus_a", sub_plan="agency", status="active", plan="agency"
    )
    await w.worker.deliver(drafted(w.creator))
    w.stripe.down = True
    assert [o[2] for o in await w.worker.run_calls()] == ["retry"]
    w.stripe.down = False
    assert [o[2] for o in await w.worker.run_calls()] == ["done"]
    assert len(w.stripe.meter_events) == 1
