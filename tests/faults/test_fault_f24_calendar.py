"""F24: the calendar's read model through a SIGKILL and a replay. One creator's plans arrive on seven
topics, every event twice on the wire: 300 social posts (scheduled, moved — a second revision — and
half of them published), 200 mass messages (scheduled, then sent, each with two unlocks), 100
automation runs (scheduled, then sent), 50 shifts and 20 campaigns — while the content worker (its
``calendar_*`` consumers) is SIGKILLed once a quarter of the entries are written, and restarted.
Then every event once more under new event ids (a replay the processed-events record cannot catch:
the entries' revisions and final states must).

Afterwards the calendar holds exactly one entry per item, each at its last revision's time with its
final status, and every mass message's result is the sum of its unlocks, exact to the cent.
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import (
    REGISTRY,
    AutomationRunScheduled,
    CampaignCreated,
    MassAudience,
    MassMessageScheduled,
    MassMessageSent,
    OfferBy,
    PostPublished,
    PostScheduled,
    PpvUnlocked,
    ShiftScheduled,
    make_envelope,
)
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(600)

POSTS, MASS, RUNS, SHIFTS, CAMPAIGNS = 300, 200, 100, 50, 20
ENTRIES = POSTS + MASS + RUNS + SHIFTS + CAMPAIGNS


async def test_f24_the_calendar_is_exact_through_a_sigkill_and_a_replay(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    creator, org, user, account = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    base = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)

    def on(payload: Any, producer: str) -> Any:
        return make_envelope(payload, producer=producer, creator_id=creator)

    by_topic: dict[Any, list[Any]] = {}

    def add(payload: Any, producer: str) -> None:
        by_topic.setdefault(REGISTRY.for_model(type(payload)), []).append(on(payload, producer))

    expected: dict[str, tuple[Any, ...]] = {}
    for i in range(POSTS):
        post, first, moved = uuid.uuid4(), base + timedelta(minutes=i), base + timedelta(hours=1, minutes=i)
        plan = {"post_id": post, "account_id": account, "network": "x", "status": "scheduled"}
        add(PostScheduled(**plan, revision=1, publish_at=first, caption_excerpt=f"p{i}"), "marketing")
        add(PostScheduled(**plan, revision=2, publish_at=moved, caption_excerpt=f"p{i} moved"), "marketing")
        published = i % 2 == 0
        if published:
            add(
                PostPublished(
                    post_id=post,
                    account_id=account,
                    network="x",
                    network_post_id=str(10**9 + i),
                    scheduled_for=moved,
                    published_at=moved,
                ),
                "marketing",
            )
        expected[str(post)] = ("post", moved, "published" if published else "scheduled", None)
    for i in range(MASS):
        mass, at = uuid.uuid4(), base + timedelta(hours=3, minutes=i)
        add(
            MassMessageScheduled(
                mass_message_id=mass,
                revision=1,
                send_at=at,
                status="scheduled",
                audience=MassAudience(segments=["whales"]),
                text_excerpt=f"m{i}",
                price_cents=999,
                currency="USD",
                created_by=user,
            ),
            "inbox",
        )
        nets = (799 + i, 801)
        for k, net in enumerate(nets):
            add(
                PpvUnlocked(
                    offer_id=uuid.uuid4(),
                    conversation_id=uuid.uuid4(),
                    fan_id=uuid.uuid4(),
                    transaction_id=uuid.uuid4(),
                    price_cents=999,
                    gross_cents=999,
                    net_cents=net,
                    currency="USD",
                    media_ids=[uuid.uuid4()],
                    by=OfferBy(user_id=user),
                    mass_message_id=mass,
                    offered_at=at,
                    unlocked_at=at + timedelta(minutes=5 + k),
                ),
                "inbox",
            )
        add(
            MassMessageSent(
                mass_message_id=mass,
                status="done",
                recipients=10,
                sent=10,
                failed=0,
                skipped=0,
                cancelled=0,
                price_cents=999,
                currency="USD",
                media_ids=[],
                created_by=user,
                started_at=at,
                finished_at=at + timedelta(minutes=1),
            ),
            "inbox",
        )
        expected[str(mass)] = ("mass_message", at, "sent", sum(nets))
    for i in range(RUNS):
        run, at = uuid.uuid4(), base + timedelta(hours=6, minutes=i)
        common = {"run_id": run, "conversation_id": uuid.uuid4(), "automation": "welcome", "fan_id": uuid.uuid4()}
        add(AutomationRunScheduled(**common, fire_at=at, status="scheduled"), "inbox")
        add(AutomationRunScheduled(**common, fire_at=at, status="sent"), "inbox")
        expected[str(run)] = ("automation", at, "sent", None)
    for i in range(SHIFTS):
        shift, at = uuid.uuid4(), base + timedelta(days=1, hours=i)
        add(
            ShiftScheduled(
                shift_id=shift,
                organization_id=org,
                user_id=user,
                starts_at=at,
                ends_at=at + timedelta(hours=4),
                creator_ids=[creator],
                scheduled_by=user,
            ),
            "gateway",
        )
        expected[str(shift)] = ("shift", at, None, None)
    for i in range(CAMPAIGNS):
        campaign, at = uuid.uuid4(), base + timedelta(days=3, hours=i)
        add(
            CampaignCreated(
                campaign_id=campaign,
                name=f"c{i}",
                cost_cents=5000,
                currency="USD",
                starts_at=at,
                ends_at=at + timedelta(days=1),
            ),
            "marketing",
        )
        expected[str(campaign)] = ("campaign", at, None, None)

    worker = lab.service("content", role="worker")
    db = create_async_engine(lab.env["CONTENT_DATABASE_URL"])

    async def entries() -> dict[str, tuple[Any, ...]]:
        async with db.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT entry_id, kind, starts_at, status, result_cents FROM calendar_entries WHERE creator_id = :c"
                ),
                {"c": creator},
            )
            return {str(r[0]): (r[1], r[2], r[3], r[4]) for r in rows}

    def matches(got: dict[str, tuple[Any, ...]]) -> int:
        """How many entries are exactly as expected (a shift's or campaign's status is not checked)."""
        ok = 0
        for key, (kind, at, status, result) in expected.items():
            row = got.get(key)
            if row is None or row[0] != kind or row[1] != at or row[3] != result:
                continue
            if status is not None and row[2] != status:
                continue
            ok += 1
        return ok

    async def announce(copies: int = 1, fresh_ids: bool = False) -> None:
        def batch(envelopes: list[Any]) -> list[Any]:
            return [e.model_copy(update={"event_id": uuid.uuid4()}) for e in envelopes] if fresh_ids else envelopes

        await asyncio.gather(
            *(lab.produce(spec, batch(items), copies=copies, per_second=800) for spec, items in by_topic.items())
        )

    produced = sum(len(v) for v in by_topic.values())
    try:
        announcing = asyncio.create_task(announce(copies=2))
        deadline = time.monotonic() + 120
        while (killed_at := len(await entries())) < ENTRIES // 4:
            assert time.monotonic() < deadline, killed_at
            await asyncio.sleep(0.02)
        worker.kill(signal.SIGKILL)
        restarted = time.monotonic()
        await asyncio.sleep(1)
        worker.start()
        worker.wait_ready()
        await announcing
        await announce(fresh_ids=True)
        deadline = time.monotonic() + 180
        while matches(got := await entries()) != ENTRIES or len(got) != ENTRIES:
            assert time.monotonic() < deadline, (matches(got), len(got))
            await asyncio.sleep(0.5)
        recovery = time.monotonic() - restarted
        await asyncio.sleep(2)  # the replay's last events: nothing may move an entry back
        got = await entries()
    finally:
        await db.dispose()
    wrong = ENTRIES - matches(got)
    money = sum(v[3] for v in expected.values() if v[3] is not None)
    report = Report(
        "F24",
        produced=3 * produced,
        effects=len(got),
        duplicates=max(0, len(got) - ENTRIES),
        lost=max(0, ENTRIES - len(got)) + wrong,
        dlq=0,
        recovery_s=recovery,
        extra={
            "killed_at_entries": killed_at,
            "wrong_entries": wrong,
            "mass_results_cents": sum(v[3] or 0 for v in got.values() if v[0] == "mass_message"),
            "expected_cents": money,
        },
    )
    emit(capsys, report)
    assert wrong == 0 and len(got) == ENTRIES and killed_at < ENTRIES, report.line()
