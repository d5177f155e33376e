"""F27: content ideas through SIGKILLs. One creator has 150 pending idea requests in the content
service (rows as ``POST /v1/content/ideas/requests`` stores them: five targets, 1 to 20 ideas each)
and their ``ideas.requested``, each twice on the wire. The ai worker (offline writer: its
``ideas_requested`` consumer records a ``write_ideas`` call, made outside any transaction, whose
answer is stored and emitted once) is SIGKILLed once a quarter of the requests are answered, the
content worker (its ``ideas_generated`` consumer) once half of them are stored; both are restarted.
Then every request once more under new event ids (a replay the processed-events record cannot
catch: the ai's answers by request id must).

Afterwards, on the wire (``ideas.generated``, this creator's records): every request answered, each
by exactly one event — the same event id repeated (the relay publishing a row again after a crash)
is a wire duplicate and allowed, two different event ids for one request are not — and each answer
holds the ideas asked for; in the ai's database one answer and one ``ideas.generated`` outbox row per
request and no call left (none dead); in the content database every request ``done`` with exactly
``count`` ideas at positions 0…count−1, none twice, each the wire answer's idea at that position.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from huntaze_events import REGISTRY, IdeasGenerated, IdeasRequested, make_envelope
from huntaze_testkit import ServiceProcess
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(300)

REQUESTS = 150
TARGETS = ("onlyfans", "instagram", "tiktok", "x", "reddit")


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


async def test_f27_each_idea_request_is_answered_once_through_sigkills_and_a_replay(
    fresh_lab: Lab, capsys: Any
) -> None:
    lab = fresh_lab
    creator, user = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    asked = [
        IdeasRequested(
            request_id=uuid.uuid4(),
            target=TARGETS[i % len(TARGETS)],  # type: ignore[arg-type]
            count=1 + (7 * i) % 20,
            theme="beach" if i % 3 == 0 else None,
            requested_by=user,
        )
        for i in range(REQUESTS)
    ]
    counts = {str(a.request_id): a.count for a in asked}
    envelopes = [make_envelope(a, producer="content", creator_id=creator) for a in asked]
    spec = REGISTRY.for_model(IdeasRequested)
    answers_topic = REGISTRY.for_model(IdeasGenerated).topic

    content_db = await psycopg.AsyncConnection.connect(_dsn(lab.env["CONTENT_DATABASE_URL"]), autocommit=True)
    ai_db = await psycopg.AsyncConnection.connect(_dsn(lab.env["AI_DATABASE_URL"]), autocommit=True)

    async def scalar(conn: psycopg.AsyncConnection[Any], sql: str) -> int:
        return int((await (await conn.execute(sql, {"c": creator})).fetchone() or (0,))[0] or 0)

    async def answered() -> int:
        return await scalar(ai_db, "SELECT count(*) FROM idea_answers WHERE creator_id = %(c)s")

    async def done() -> int:
        return await scalar(
            content_db, "SELECT count(*) FROM idea_requests WHERE creator_id = %(c)s AND status = 'done'"
        )

    async def stored() -> dict[str, list[tuple[int, str]]]:
        rows = await content_db.execute(
            "SELECT request_id, position, title FROM ideas WHERE creator_id = %(c)s ORDER BY request_id, position",
            {"c": creator},
        )
        found: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for request_id, position, title in await rows.fetchall():
            found[str(request_id)].append((int(position), title))
        return found

    killed: dict[str, int] = {}
    restarted: dict[str, float] = {}

    async def kill_once(name: str, worker: ServiceProcess, reached: Any, at: int) -> None:
        deadline = time.monotonic() + 60
        while (now_at := await reached()) < at:
            assert time.monotonic() < deadline, (name, now_at, lab.log_tails())
            await asyncio.sleep(0.02)
        worker.kill(signal.SIGKILL)
        killed[name] = now_at
        await asyncio.sleep(1)
        worker.start()
        restarted[name] = time.monotonic()
        await asyncio.to_thread(worker.wait_ready)

    try:
        # the requests as the content API stores them (pending), before anything is asked of the ai
        async with content_db.transaction():
            async with content_db.cursor() as cursor:
                await cursor.executemany(
                    "INSERT INTO idea_requests (id, creator_id, target, count, theme, requested_by, requested_at, "
                    "status) VALUES (%s, %s, %s, %s, %s, %s, %s, 'pending')",
                    [
                        (a.request_id, creator, a.target, a.count, a.theme, user, now - timedelta(seconds=i))
                        for i, a in enumerate(asked)
                    ],
                )
        ai_worker = lab.service("ai", role="worker", AI_PROVIDER="offline")
        content_worker = lab.service("content", role="worker")
        started = time.monotonic()
        await asyncio.gather(
            lab.produce(spec, envelopes, copies=2, per_second=80),
            kill_once("ai", ai_worker, answered, REQUESTS // 4),
            kill_once("content", content_worker, done, REQUESTS // 2),
        )
        fresh = [e.model_copy(update={"event_id": uuid.uuid4()}) for e in envelopes]
        await lab.produce(spec, fresh, per_second=300)

        async def settled() -> bool:
            if await done() < REQUESTS or await lab.lag("ai", spec.topic) or await lab.lag("content", answers_topic):
                return False
            calls = await scalar(ai_db, "SELECT count(*) FROM timers WHERE tenant = %(c)s AND kind = 'write_ideas'")
            unpublished = await scalar(
                ai_db,
                "SELECT count(*) FROM outbox WHERE published_at IS NULL "
                "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = CAST(%(c)s AS text)",
            )
            return calls == 0 and unpublished == 0

        deadline = time.monotonic() + 90
        while not await settled():
            assert time.monotonic() < deadline, (await answered(), await done(), lab.log_tails())
            await asyncio.sleep(0.25)
        recovery = time.monotonic() - max(restarted.values())
        await asyncio.sleep(2)  # a late second answer (a replayed request, a call made again) would show now
        ai_answers = await answered()
        outbox_answers = await scalar(
            ai_db,
            "SELECT count(*) FROM outbox WHERE topic = 'ideas.generated.v1' "
            "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = CAST(%(c)s AS text)",
        )
        dead_calls = await scalar(ai_db, "SELECT count(*) FROM timers WHERE tenant = %(c)s AND state = 'dead'")
        requests_done = await done()
        ideas = await stored()
    finally:
        await content_db.close()
        await ai_db.close()

    def mine(record: Any) -> bool:
        try:
            return json.loads(record.value).get("creator_id") == str(creator)
        except (ValueError, TypeError, AttributeError):
            return True  # not an envelope: on a dead-letter topic, still a dead letter

    records = await lab.topic_records(answers_topic, mine)
    dead_letters = await lab.topic_records(spec.dlq_topic, mine) + await lab.topic_records(
        REGISTRY.for_model(IdeasGenerated).dlq_topic, mine
    )
    elapsed = time.monotonic() - started
    event_ids: dict[str, set[str]] = defaultdict(set)  # request → the distinct event ids answering it
    answer: dict[str, list[str]] = {}  # request → its answer's idea titles
    wrong_answers = 0
    for r in records:
        e = json.loads(r.value)
        request_id, titles = e["payload"]["request_id"], [i["title"] for i in e["payload"]["ideas"]]
        event_ids[request_id].add(e["event_id"])
        if answer.setdefault(request_id, titles) != titles or len(titles) != counts.get(request_id):
            wrong_answers += 1
    distinct_events = sum(len(v) for v in event_ids.values())
    two_answers = sum(1 for v in event_ids.values() if len(v) > 1)
    wrong_ideas = sum(
        1 for r, n in counts.items() if ideas.get(r) != [(p, t) for p, t in enumerate(answer.get(r, [])[:n])]
    )
    unanswered = len(set(counts) - set(event_ids))
    report = Report(
        "F27",
        produced=3 * REQUESTS,
        effects=sum(len(v) for v in ideas.values()),
        duplicates=two_answers + max(0, distinct_events - REQUESTS) + max(0, ai_answers - REQUESTS),
        lost=unanswered + (REQUESTS - requests_done) + wrong_ideas,
        dlq=len(dead_letters) + dead_calls,
        recovery_s=recovery,
        extra={
            "killed_at_ai_answers": killed["ai"],
            "killed_at_content_done": killed["content"],
            "wire_records": len(records),
            "wire_distinct_events": distinct_events,
            "wire_requests": len(event_ids),
            "wire_repeats_same_event": len(records) - distinct_events,
            "ai_answers": ai_answers,
            "ai_outbox_answers": outbox_answers,
            "requests_done": requests_done,
            "ideas_expected": sum(counts.values()),
            "wrong_answers": wrong_answers,
            "wrong_ideas": wrong_ideas,
            "elapsed_s": f"{elapsed:.1f}",
        },
    )
    emit(capsys, report)
    assert len(event_ids) == distinct_events == REQUESTS and set(event_ids) == set(counts), report.line()
    assert ai_answers == outbox_answers == requests_done == REQUESTS, report.line()
    assert wrong_answers == wrong_ideas == 0 and report.dlq == 0, report.line()
    assert sum(len(v) for v in ideas.values()) == sum(counts.values()), report.line()
    assert killed["ai"] < REQUESTS and killed["content"] < REQUESTS, report.line()
