"""F36: the weekly review through a SIGKILL of the ai worker, with a model that fails and invents. 24
creators × 6 weeks = 144 ``week.summarized`` summaries, a third of them twice on the wire, then every one
again under new event ids (a replay the processed-events record cannot catch: the week's row must). The
ai worker writes each review through a local OpenAI-compatible server (the real ``openai`` SDK, no SDK
retries: the chassis call retries) that, by week, answers a grounded text; invents numbers ("up 987 %",
"your 777 top posts", "ninety-nine thousand new fans"); fails first with a 500 or a 429 (Retry-After 1) and then answers; always fails
(500: the attempts run out); or refuses (400). The worker is SIGKILLed once a third of the weeks are
written, and restarted.

Afterwards: exactly one review per (creator, week), none missing, none left being written, no call left
(none dead); every stored text passes the grounding check against its stored facts (no invented number
survives); each week's source is what its model behaviour implies — the model's text when it answered
grounded (at once, or after failing first), the template (``ungrounded``, with the invented numbers
refused) when it invented, the template (``unavailable``) when it failed for good or refused."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ai.insights.facts import WeeklyFacts
from ai.insights.grounding import check
from huntaze_events import REGISTRY, WeekMover, WeekSummarized, make_envelope
from huntaze_testkit import LocalHTTPServer
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(300)

CREATORS, WEEKS = 24, 6
FIRST = date(2026, 9, 28)
BEHAVIOURS = ("grounded", "grounded", "invents", "fails_first", "rate_limited_first", "always_fails", "refuses")
EXPECTED = {
    "grounded": ("model", None),
    "fails_first": ("model", None),
    "rate_limited_first": ("model", None),
    "invents": ("template", "ungrounded"),
    "always_fails": ("template", "unavailable"),
    "refuses": ("template", "unavailable"),
}


def behaviour(creator: str, first_day: str) -> str:
    digest = hashlib.sha256(f"{creator}:{first_day}".encode()).digest()
    return BEHAVIOURS[digest[0] % len(BEHAVIOURS)]


def completion(content: str) -> dict[str, Any]:
    return {"id": "c", "object": "chat.completion", "created": 1, "model": "f36-model",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]}  # fmt: skip


class Model:
    """The OpenAI-compatible peer: each week's behaviour from a hash of (creator, first day)."""

    def __init__(self) -> None:
        self.attempts: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()

    def __call__(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[Any, ...]:
        user = body["messages"][1]["content"]
        facts = json.loads(user.split("\n", 1)[1].rsplit("\n", 1)[0])
        key = (body["user"], facts["period"]["first_day"])
        with self.lock:
            self.attempts[key] += 1
            attempt = self.attempts[key]
        kind = behaviour(*key)
        if kind == "always_fails" or (kind == "fails_first" and attempt == 1):
            return 500, {"error": {"message": "overloaded"}}
        if kind == "rate_limited_first" and attempt == 1:
            return 429, {"error": {"message": "slow down"}}, {"retry-after": "1"}
        if kind == "refuses":
            return 400, {"error": {"message": "context too long"}}
        revenue, subscribers = facts["revenue"], facts["subscribers"]
        if kind == "invents":
            # numbers no week's facts hold (every amount here is below 500 whole units)
            return 200, completion(f"Revenue was {facts['currency']} {revenue['this_week']}, up 987 % — your 777 top "
                                   "posts and ninety-nine thousand new fans did it.")  # fmt: skip
        return 200, completion(
            f"Revenue was {facts['currency']} {revenue['this_week']} against {revenue['week_before']} the week "
            f"before. {subscribers['new']} new subscribers. Keep posting like “{facts['top_posts'][0]['label']}”."
        )


def summaries() -> list[Any]:
    out = []
    for c in range(CREATORS):
        creator = uuid.uuid4()
        for w in range(WEEKS):
            start = FIRST + timedelta(weeks=w)
            at = datetime(start.year, start.month, start.day, tzinfo=UTC)
            revenue, previous = 10_000 + 1_337 * c + 911 * w, 9_000 + 1_001 * c + 577 * w
            post = WeekMover(ref=str(uuid.uuid4()), label=f"Week {w + 1} beach set", revenue_cents=revenue // 3,
                             previous_revenue_cents=previous // 4, change_cents=revenue // 3 - previous // 4)  # fmt: skip
            week = WeekSummarized(
                summary_key=f"{creator}:{start}", period_start=start, period_end=start + timedelta(days=6),
                starts_at=at, ends_at=at + timedelta(days=7), currency="USD", revenue_cents=revenue,
                previous_revenue_cents=previous, change_cents=revenue - previous, top_posts=[post],
                new_subscribers=5 + c, churned_subscribers=w,
            )  # fmt: skip
            out.append(make_envelope(week, producer="analytics", creator_id=creator))
    return out


async def test_f36_one_grounded_review_per_week_through_a_failing_model_and_a_sigkill(
    fresh_lab: Lab, capsys: Any
) -> None:
    lab = fresh_lab
    envelopes = summaries()
    expected = len(envelopes)
    creators = sorted({str(e.creator_id) for e in envelopes})
    spec = REGISTRY.for_model(WeekSummarized)
    model = Model()
    db = create_async_engine(lab.env["AI_DATABASE_URL"])

    async def scalar(sql: str) -> int:
        async with db.connect() as conn:
            return int((await conn.execute(text(sql), {"cs": creators})).scalar() or 0)

    async def written() -> int:
        return await scalar("SELECT count(*) FROM weekly_insights WHERE CAST(creator_id AS text) = ANY(:cs) "
                            "AND text IS NOT NULL")  # fmt: skip

    with LocalHTTPServer(model) as peer:
        worker = lab.service("ai", role="worker", AI_OPENAI_API_KEY="f36-key", AI_OPENAI_BASE_URL=f"{peer.url}/v1",
                             AI_OPENAI_MAX_RETRIES="0", AI_INSIGHTS_TIMEOUT_S="5", AI_DRAFT_ATTEMPTS="4")  # fmt: skip
        try:
            twice = envelopes[::3]
            sending = asyncio.create_task(lab.produce(spec, envelopes + twice, per_second=60))
            killed_at, restarted = await lab.kill_when(worker, written, expected // 3)
            produced = await sending
            fresh = [e.model_copy(update={"event_id": uuid.uuid4()}) for e in envelopes]
            produced += await lab.produce(spec, fresh, per_second=300)

            async def settled() -> bool:
                calls = await scalar("SELECT count(*) FROM timers WHERE kind = 'write_insight'")
                return await written() == expected and calls == 0 and not await lab.lag("ai", spec.topic)

            deadline = time.monotonic() + 200
            while not await settled():
                assert time.monotonic() < deadline, (await written(), lab.log_tails())
                await asyncio.sleep(0.5)
            recovery = time.monotonic() - restarted
            await asyncio.sleep(2)  # a late second write (a replayed summary, a call made again) would show now
            async with db.connect() as conn:
                rows = (
                    await conn.execute(
                        text("SELECT creator_id, period_start, facts, text, source, grounded, fallback, refused "
                             "FROM weekly_insights WHERE CAST(creator_id AS text) = ANY(:cs)"),
                        {"cs": creators},
                    )
                ).all()  # fmt: skip
            dead = await scalar("SELECT count(*) FROM timers WHERE kind = 'write_insight' AND state = 'dead'")
        finally:
            await db.dispose()

    per_week = Counter((str(r[0]), r[1].isoformat()) for r in rows)
    wanted = {(str(e.creator_id), e.payload.period_start.isoformat()) for e in envelopes}
    ungrounded = wrong = 0
    sources: Counter[str] = Counter()
    for creator, start, facts, body, source, grounded, fallback, refused in rows:
        sources[source or "pending"] += 1
        if body is None or not check(body, WeeklyFacts.model_validate(facts)).ok:
            ungrounded += 1
        kind = behaviour(str(creator), start.isoformat())
        want_source, want_fallback = EXPECTED[kind]
        refused_ok = bool(refused) == (kind == "invents")
        if (source, fallback, grounded, refused_ok) != (want_source, want_fallback, want_source == "model", True):
            wrong += 1
    report = Report(
        "F36",
        produced=produced,
        effects=len(rows),
        duplicates=sum(n - 1 for n in per_week.values()),
        lost=len(wanted - set(per_week)) + ungrounded + wrong,
        dlq=dead,
        recovery_s=recovery,
        extra={"weeks": expected, "killed_at_written": killed_at, "wire_repeats": len(twice), "replayed": len(fresh),
               "model": sources["model"], "template": sources["template"], "ungrounded_stored": ungrounded,
               "wrong_source": wrong, "model_requests": sum(model.attempts.values())},
    )  # fmt: skip
    emit(capsys, report)
    assert len(rows) == expected and ungrounded == wrong == dead == 0, report.line()
    assert 0 < killed_at < expected and sources["model"] and sources["template"], report.line()
