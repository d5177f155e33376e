"""F21: 200 posts due within the same seconds on an X account (a local X API peer that counts what it
accepts; 20 of them answered slowly), the marketing worker SIGKILLed while some slow requests are in
flight — after the peer took them, before the worker recorded the outcome — then restarted.

Afterwards every post is ``published`` and is on the peer exactly once: an attempt whose outcome was
lost is looked up on the network (``reconcile``) before any new attempt, never posted twice.
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_testkit import internal_headers
from huntaze_testkit.lab import Lab, Report, emit
from huntaze_testkit.social import XPeer

pytestmark = pytest.mark.timeout(600)

POSTS = 200
SLOW = 20


async def test_f21_each_post_is_on_the_network_once_through_a_sigkill(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    creator, owner = uuid.uuid4(), uuid.uuid4()
    run = uuid.uuid4().hex[:8]
    with XPeer(tokens={"f21-token": "777"}) as peer:
        settings = {"MARKETING_X_API_BASE_URL": peer.url, "MARKETING_NETWORK_TIMEOUT_S": "6"}
        api = lab.service("marketing", role="api", **settings)
        worker = lab.service("marketing", role="worker", **settings)
        db = create_async_engine(lab.env["MARKETING_DATABASE_URL"])

        async def scalar(sql: str) -> int:
            async with db.connect() as conn:
                return int((await conn.execute(text(sql), {"c": creator})).scalar() or 0)

        try:
            headers = internal_headers(creator, owner, role="owner")
            async with httpx.AsyncClient(base_url=api.url, timeout=30, headers=headers) as client:
                account = await client.post(
                    "/v1/marketing/accounts",
                    json={
                        "network": "x",
                        "handle": f"f21_{run}",
                        "credentials": {"access_token": "f21-token", "user_id": "777"},
                    },
                )
                assert account.status_code == 201, account.text
                at = datetime.now(UTC) + timedelta(seconds=4)
                for i in range(POSTS):
                    caption = f"f21 {run} post {i}" + (" [slow]" if i % (POSTS // SLOW) == 0 else "")
                    body = {
                        "account_id": account.json()["account_id"],
                        "caption": caption,
                        "publish_at": at.isoformat(),
                    }
                    answer = await client.post("/v1/marketing/posts", json=body)
                    assert answer.status_code == 201, answer.text

            def slow_in_flight() -> int:
                asked = sum(1 for r in list(peer.server.requests) if "[slow]" in str((r["body"] or {}).get("text", "")))
                return asked - len(peer.by_text("[slow]"))

            deadline = time.monotonic() + 60
            while slow_in_flight() < 3:
                assert time.monotonic() < deadline, (len(peer.tweets), slow_in_flight())
                await asyncio.sleep(0.02)
            killed_at = len(peer.tweets)
            worker.kill(signal.SIGKILL)  # the peer finishes those requests: posted, never recorded
            restarted = time.monotonic()
            await asyncio.sleep(1)
            worker.start()
            worker.wait_ready()

            deadline = time.monotonic() + 240
            while (settled := await scalar(
                "SELECT count(*) FROM posts WHERE creator_id = :c AND status IN ('published', 'failed')"
            )) < POSTS:  # fmt: skip
                assert time.monotonic() < deadline, settled
                await asyncio.sleep(0.25)
            recovery = time.monotonic() - restarted
            await asyncio.sleep(2)
            published = await scalar("SELECT count(*) FROM posts WHERE creator_id = :c AND status = 'published'")
            reconciled = await scalar(
                "SELECT count(*) FROM outbox WHERE event_type = 'post.published.v1' "
                "AND convert_from(value, 'UTF8')::jsonb -> 'payload' ->> 'reconciled' = 'true' "
                "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = CAST(:c AS text)"
            )
            async with db.connect() as conn:
                errors = sorted(
                    {str(r[0]) for r in await conn.execute(text("SELECT error FROM posts WHERE creator_id = :c AND status = 'failed'"), {"c": creator})}
                )
            events = await scalar(
                "SELECT count(*) FROM outbox WHERE event_type = 'post.published.v1' "
                "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = CAST(:c AS text)"
            )
        finally:
            await db.dispose()
        on_peer = Counter(t["text"] for t in peer.by_text(f"f21 {run} "))

    report = Report(
        "F21",
        produced=POSTS,
        effects=sum(on_peer.values()),
        duplicates=sum(n - 1 for n in on_peer.values() if n > 1),
        lost=POSTS - len(on_peer),
        dlq=0,
        recovery_s=recovery,
        extra={
            "killed_at_posted": killed_at,
            "published": published,
            "reconciled": reconciled,
            "post_published_events": events,
            "errors": errors,
        },
    )
    emit(capsys, report)
    assert len(on_peer) == POSTS and set(on_peer.values()) == {1}, report.line()
    assert published == events == POSTS and reconciled >= 1, report.line()
