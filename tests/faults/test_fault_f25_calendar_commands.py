"""F25: the calendar's commands applied exactly once through worker deaths and a replay. One creator has
160 posts scheduled on an X account (the marketing API) and 110 mass messages scheduled (the inbox API),
days ahead. The calendar then sends, every command twice on the wire: 150 ``post.move_requested`` and
100 ``massmessage.move_requested`` (each to a new time, days later), 100 ``post.requested`` (a calendar
import: a new post per command id), and 10 of each kind refused (a time in the past; the refused moves
on the 10 posts and 10 mass messages nothing else moves) — while the marketing and inbox workers are
each SIGKILLed once a quarter of their commands are applied, and restarted. Then every command once
more under new event ids (a replay the processed-events record cannot catch: the command id must).

Afterwards, in the services' databases: every moved post has the requested ``publish_at`` (revision 2),
every moved mass message the requested ``send_at`` (revision 2), and each one's durable timer
(``publish_post`` / ``mass_expand``, keyed by its id) is due at the new time; exactly one post exists
per ``post.requested`` command id, at its time, with its timer; a refused command changed nothing. On
the wire: one answer per command — exactly one ``post.scheduled`` / ``massmessage.scheduled`` carrying
an applied command's id, exactly one ``*.command_refused`` for a refused move (both kinds of move are
recorded with their answer, in ``calendar_commands``). A refused ``post.requested`` is by design not
recorded (a re-import is checked again): it is answered once per distinct delivery — here exactly two
refusals, the original event's (its two copies count once) and the replay's — and never makes a post.
A relay that dies between publishing and marking its rows may put one answer on the wire twice under
its own event id: those are counted apart (``wire_repeats``), never as a second answer.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from huntaze_events import (
    REGISTRY,
    FanProfileUpdated,
    FanSegmentChanged,
    MassMessageCommandRefused,
    MassMessageMoveRequested,
    MassMessageScheduled,
    PostCommandRefused,
    PostMoveRequested,
    PostRequested,
    PostScheduled,
    make_envelope,
)
from huntaze_testkit import internal_headers
from huntaze_testkit.lab import Lab, Report, emit
from huntaze_testkit.social import XPeer

pytestmark = pytest.mark.timeout(300)

MOVES, MASS_MOVES, REQUESTS, REFUSED = 150, 100, 100, 10
POSTS, MASS = MOVES + REFUSED, MASS_MOVES + REFUSED
FANS = 3
PER_SECOND = 80  # per topic, both copies counted: a quarter is applied long before the last is sent


def _ids(rows: Iterable[Any]) -> dict[str, tuple[Any, ...]]:
    return {str(r[0]): tuple(r[1:]) for r in rows}


async def _rows(db: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with db.connect() as conn:
        return list(await conn.execute(text(sql), params))


async def _count(db: AsyncEngine, sql: str, **params: Any) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(text(sql), params)).scalar() or 0)


async def test_f25_calendar_commands_are_applied_once_through_sigkills_and_a_replay(
    fresh_lab: Lab, capsys: Any
) -> None:
    lab = fresh_lab
    creator, owner = uuid.uuid4(), uuid.uuid4()
    run = uuid.uuid4().hex[:8]
    now = datetime.now(UTC).replace(microsecond=0)
    first, moved_to, past = now + timedelta(days=2), now + timedelta(days=5), now - timedelta(hours=1)

    with XPeer(tokens={"f25-token": "725"}) as peer:
        settings = {"MARKETING_X_API_BASE_URL": peer.url}
        marketing_api = lab.service("marketing", role="api", **settings)
        marketing = lab.service("marketing", role="worker", **settings)
        inbox_api = lab.service("inbox", role="api")
        inbox = lab.service("inbox", role="worker")
        mdb = create_async_engine(lab.env["MARKETING_DATABASE_URL"])
        idb = create_async_engine(lab.env["INBOX_DATABASE_URL"])
        try:
            # -- the plan, through the services' own APIs ------------------------------------------------
            fans = [(uuid.uuid4(), f"f25_{run}_{i}") for i in range(FANS)]
            await asyncio.gather(
                lab.produce(
                    REGISTRY.for_model(FanProfileUpdated),
                    [
                        make_envelope(
                            FanProfileUpdated(
                                fan_id=f,
                                external_id=ext,
                                display_name=f"Fan {ext}",
                                first_message_at=None,
                                last_message_at=None,
                                message_count=0,
                            ),
                            producer="fans",
                            creator_id=creator,
                        )
                        for f, ext in fans
                    ],
                ),
                lab.produce(
                    REGISTRY.for_model(FanSegmentChanged),
                    [
                        make_envelope(
                            FanSegmentChanged(
                                fan_id=f, segment="whales", change="entered", segment_name="whales", at=now
                            ),
                            producer="fans",
                            creator_id=creator,
                        )
                        for f, _ in fans
                    ],
                ),
            )
            headers = internal_headers(creator, owner, role="owner")
            async with httpx.AsyncClient(base_url=marketing_api.url, timeout=30, headers=headers) as client:
                answer = await client.post(
                    "/v1/marketing/accounts",
                    json={
                        "network": "x",
                        "handle": f"f25_{run}",
                        "credentials": {"access_token": "f25-token", "user_id": "725"},
                    },
                )
                assert answer.status_code == 201, answer.text
                account = uuid.UUID(answer.json()["account_id"])

                async def new_post(i: int) -> uuid.UUID:
                    body = {
                        "account_id": str(account),
                        "caption": f"f25 {run} post {i}",
                        "publish_at": (first + timedelta(minutes=i)).isoformat(),
                    }
                    made = await client.post("/v1/marketing/posts", json=body)
                    assert made.status_code == 201, made.text
                    return uuid.UUID(made.json()["post_id"])

                posts: list[uuid.UUID] = []
                for start in range(0, POSTS, 20):
                    posts += await asyncio.gather(*(new_post(i) for i in range(start, min(start + 20, POSTS))))

            audience = {"segments": ["whales"]}
            async with httpx.AsyncClient(base_url=inbox_api.url, timeout=30, headers=headers) as client:
                deadline = time.monotonic() + 60
                while (
                    await client.post("/v1/inbox/mass-messages/preview", json={"audience": audience, "text": "hi"})
                ).json().get("recipients") != FANS:
                    assert time.monotonic() < deadline, "the audience never reached the inbox"
                    await asyncio.sleep(0.25)

                async def new_mass(i: int) -> uuid.UUID:
                    body = {
                        "audience": audience,
                        "text": f"f25 {run} mass {i}",
                        "send_at": (first + timedelta(hours=6, minutes=i)).isoformat(),
                    }
                    made = await client.post("/v1/inbox/mass-messages", json=body)
                    assert made.status_code == 201, made.text
                    return uuid.UUID(made.json()["mass_message_id"])

                masses: list[uuid.UUID] = []
                for start in range(0, MASS, 20):
                    masses += await asyncio.gather(*(new_mass(i) for i in range(start, min(start + 20, MASS))))

            # -- the commands ------------------------------------------------------------------------------
            def on(payload: Any) -> Any:
                return make_envelope(payload, producer="content", creator_id=creator)

            post_at: dict[uuid.UUID, datetime] = {}  # every post's expected publish_at (and its timer's)
            mass_at: dict[uuid.UUID, datetime] = {}
            post_moves, mass_moves, requests = [], [], []
            answered_by: dict[str, set[uuid.UUID]] = defaultdict(set)  # answer kind → its command ids
            for i, post in enumerate(posts):
                cmd = uuid.uuid4()
                if i < MOVES:
                    at = moved_to + timedelta(minutes=i)
                    answered_by["post.scheduled"].add(cmd)
                else:
                    at = past
                    answered_by["post.command_refused"].add(cmd)
                post_at[post] = at if i < MOVES else first + timedelta(minutes=i)
                post_moves.append(
                    on(PostMoveRequested(command_id=cmd, post_id=post, publish_at=at, requested_by=owner))
                )
            for i, mass in enumerate(masses):
                cmd = uuid.uuid4()
                if i < MASS_MOVES:
                    at = moved_to + timedelta(hours=6, minutes=i)
                    answered_by["massmessage.scheduled"].add(cmd)
                else:
                    at = past
                    answered_by["massmessage.command_refused"].add(cmd)
                mass_at[mass] = at if i < MASS_MOVES else first + timedelta(hours=6, minutes=i)
                mass_moves.append(
                    on(MassMessageMoveRequested(command_id=cmd, mass_message_id=mass, send_at=at, requested_by=owner))
                )
            requested_at: dict[uuid.UUID, datetime] = {}
            refused_requests: set[uuid.UUID] = set()
            for i in range(REQUESTS + REFUSED):
                cmd = uuid.uuid4()
                if i < REQUESTS:
                    at = moved_to + timedelta(days=1, minutes=i)
                    requested_at[cmd] = at
                    answered_by["post.scheduled"].add(cmd)
                else:
                    at = past
                    refused_requests.add(cmd)
                requests.append(
                    on(
                        PostRequested(
                            command_id=cmd,
                            account_id=account,
                            caption=f"f25 {run} imported {i}",
                            publish_at=at,
                            requested_by=owner,
                        )
                    )
                )
            streams = [
                (PostMoveRequested, post_moves),
                (PostRequested, requests),
                (MassMessageMoveRequested, mass_moves),
            ]
            replays = [(m, [e.model_copy(update={"event_id": uuid.uuid4()}) for e in items]) for m, items in streams]
            event_ids = {
                "marketing": {e.event_id for _, items in (*streams[:2], *replays[:2]) for e in items},
                "inbox": {e.event_id for _, items in (streams[2], replays[2]) for e in items},
            }

            async def announce(batches: list[tuple[Any, list[Any]]], copies: int) -> None:
                await asyncio.gather(
                    *(
                        lab.produce(REGISTRY.for_model(m), items, copies=copies, per_second=PER_SECOND)
                        for m, items in batches
                    )
                )

            # -- applied, killed a quarter of the way, restarted -----------------------------------------------
            async def marketing_applied() -> int:
                return await _count(
                    mdb,
                    "SELECT (SELECT count(*) FROM calendar_commands WHERE creator_id = :c)"
                    " + (SELECT count(*) FROM posts WHERE creator_id = :c AND command_id IS NOT NULL)",
                    c=creator,
                )

            async def inbox_applied() -> int:
                return await _count(idb, "SELECT count(*) FROM calendar_commands WHERE creator_id = :c", c=creator)

            async def kill_at_a_quarter(worker: Any, applied_now: Any, total: int) -> tuple[int, float]:
                deadline = time.monotonic() + 60
                while (at := await applied_now()) < total // 4:
                    assert time.monotonic() < deadline, (worker.name, at)
                    await asyncio.sleep(0.02)
                worker.kill(signal.SIGKILL)
                killed = time.monotonic()
                await asyncio.sleep(1)
                worker.start()
                await asyncio.to_thread(worker.wait_ready)
                return at, killed

            announcing = asyncio.create_task(announce(streams, copies=2))
            (m_killed_at, m_killed), (i_killed_at, i_killed) = await asyncio.gather(
                kill_at_a_quarter(marketing, marketing_applied, POSTS + REQUESTS),
                kill_at_a_quarter(inbox, inbox_applied, MASS),
            )
            await announcing
            await announce(replays, copies=1)

            # -- settled: every event processed (the replay too), the state as asked -------------------------
            async def state() -> dict[str, Any]:
                return {
                    "posts": _ids(
                        await _rows(
                            mdb,
                            "SELECT p.id, p.publish_at, p.revision, p.command_id, p.status, t.due_at, t.state "
                            "FROM posts p LEFT JOIN timers t ON t.kind = 'publish_post' AND t.key = p.id::text "
                            "WHERE p.creator_id = :c",
                            c=creator,
                        )
                    ),
                    "mass": _ids(
                        await _rows(
                            idb,
                            "SELECT m.id, m.send_at, m.revision, m.status, t.due_at, t.state FROM mass_messages m "
                            "LEFT JOIN timers t ON t.kind = 'mass_expand' AND t.key = m.id::text "
                            "WHERE m.creator_id = :c",
                            c=creator,
                        )
                    ),
                    "processed": {
                        svc: await _count(
                            db,
                            "SELECT count(DISTINCT event_id) FROM processed_events WHERE event_id = ANY(:ids)",
                            ids=list(event_ids[svc]),
                        )
                        for svc, db in (("marketing", mdb), ("inbox", idb))
                    },
                }

            def wrong(got: dict[str, Any]) -> dict[str, int]:
                """What is not as asked, by kind (an empty dict: everything is)."""
                out: Counter[str] = Counter()
                moved = set(posts[:MOVES])
                for post, at in post_at.items():
                    row = got["posts"].get(str(post))
                    revision = 2 if post in moved else 1
                    if row is None or row[:2] != (at, revision) or row[3:] != ("scheduled", at, "scheduled"):
                        out["posts"] += 1
                made = Counter(row[2] for row in got["posts"].values() if row[2] is not None)
                for cmd, at in requested_at.items():
                    rows = [r for r in got["posts"].values() if r[2] == cmd]
                    if made[cmd] != 1 or rows[0][:2] != (at, 1) or rows[0][3:] != ("scheduled", at, "scheduled"):
                        out["requested_posts"] += 1
                out["extra_posts"] = max(0, len(got["posts"]) - POSTS - REQUESTS)
                out["refused_request_posts"] = sum(made[cmd] for cmd in refused_requests)
                moved_mass = set(masses[:MASS_MOVES])
                for mass, at in mass_at.items():
                    row = got["mass"].get(str(mass))
                    revision = 2 if mass in moved_mass else 1
                    if row is None or row != (at, revision, "scheduled", at, "scheduled"):
                        out["mass"] += 1
                for svc, n in got["processed"].items():
                    out[f"unprocessed_{svc}"] = len(event_ids[svc]) - n
                return {k: v for k, v in out.items() if v}

            deadline = time.monotonic() + 60
            while problems := wrong(got := await state()):
                assert time.monotonic() < deadline, (problems, lab.log_tails())
                await asyncio.sleep(0.25)
            recovery = time.monotonic() - min(m_killed, i_killed)
            await asyncio.sleep(2)  # the last answers reach the relay; nothing may move anything back
            got = await state()
            problems = wrong(got)
        finally:
            await mdb.dispose()
            await idb.dispose()

    # -- the answers on the wire ------------------------------------------------------------------------------
    ours = set().union(*answered_by.values(), refused_requests)

    def command_of(record: Any) -> uuid.UUID | None:
        value = json.loads(record.value)
        if value["creator_id"] != str(creator) or not value["payload"].get("command_id"):
            return None
        return uuid.UUID(value["payload"]["command_id"])

    answers: dict[str, dict[uuid.UUID, set[str]]] = {}  # answer kind → command id → its distinct event ids
    wire_repeats = 0
    for model in (PostScheduled, PostCommandRefused, MassMessageScheduled, MassMessageCommandRefused):
        spec = REGISTRY.for_model(model)
        records = await lab.topic_records(spec.topic, where=lambda r: command_of(r) in ours)
        per: dict[uuid.UUID, set[str]] = defaultdict(set)
        for r in records:
            per[command_of(r)].add(json.loads(r.value)["event_id"])  # type: ignore[index]
        wire_repeats += len(records) - sum(len(v) for v in per.values())
        answers[spec.type] = per
    dlq = 0
    for model in (PostMoveRequested, PostRequested, MassMessageMoveRequested):
        dlq += len(
            await lab.topic_records(
                REGISTRY.for_model(model).dlq_topic,
                where=lambda r: r.value is not None and json.loads(r.value).get("creator_id") == str(creator),
            )
        )

    expected: dict[str, dict[uuid.UUID, int]] = {kind: dict.fromkeys(cmds, 1) for kind, cmds in answered_by.items()}
    expected["post.command_refused"].update(dict.fromkeys(refused_requests, 2))
    got_answers = {kind: {cmd: len(ids) for cmd, ids in per.items()} for kind, per in answers.items()}
    missing = sum(
        max(0, n - got_answers.get(kind, {}).get(cmd, 0)) for kind, cmds in expected.items() for cmd, n in cmds.items()
    )
    extra = sum(
        max(0, n - expected.get(kind, {}).get(cmd, 0)) for kind, cmds in got_answers.items() for cmd, n in cmds.items()
    )
    commands = MOVES + MASS_MOVES + REQUESTS + 3 * REFUSED
    report = Report(
        "F25",
        produced=3 * commands,
        effects=len(answers["post.scheduled"]) + len(answers["massmessage.scheduled"]),
        duplicates=extra + problems.get("extra_posts", 0) + problems.get("refused_request_posts", 0),
        lost=missing + sum(v for k, v in problems.items() if k not in ("extra_posts", "refused_request_posts")),
        dlq=dlq,
        recovery_s=recovery,
        extra={
            "killed_at_marketing": m_killed_at,
            "killed_at_inbox": i_killed_at,
            "answers": sum(sum(c.values()) for c in got_answers.values()),
            "expected_answers": sum(sum(c.values()) for c in expected.values()),
            "wire_repeats": wire_repeats,
            "wrong": ",".join(f"{k}:{v}" for k, v in problems.items()) or 0,
        },
    )
    emit(capsys, report)
    assert not problems and dlq == 0 and got_answers == expected, report.line()
    assert m_killed_at < POSTS + REQUESTS and i_killed_at < MASS, report.line()
