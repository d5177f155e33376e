"""A real PostgreSQL deadlock between a request and a worker (the ``sandbox`` database): the
request is the victim, :class:`huntaze_service.conflicts.ConflictRetryMiddleware` runs it again,
and both sides' effects land exactly once — the F16 cancel-versus-timer case in miniature."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from huntaze_service.conflicts import ConflictRetryMiddleware
from huntaze_service.db import libpq_url
from huntaze_service.http import install_error_handlers


@pytest.fixture
async def dsn(infra: Any) -> AsyncIterator[str]:
    url = libpq_url(infra.url("sandbox"))
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("DROP TABLE IF EXISTS conflict_rows")
        await conn.execute("CREATE TABLE conflict_rows (id INT PRIMARY KEY, n INT NOT NULL)")
        await conn.execute("INSERT INTO conflict_rows VALUES (1, 0), (2, 0)")
    yield url


async def test_the_request_that_loses_a_deadlock_runs_again_and_both_sides_apply_once(dsn: str) -> None:
    worker_holds_2, request_waits = asyncio.Event(), asyncio.Event()
    attempts: list[int] = []
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/cancel")
    async def cancel(body: dict[str, int]) -> dict[str, int]:
        """Locks row 1 then row 2 — the worker takes them in the other order."""
        attempts.append(body["by"])
        async with await psycopg.AsyncConnection.connect(dsn) as conn, conn.transaction():
            await conn.execute("UPDATE conflict_rows SET n = n + %s WHERE id = 1", (body["by"],))
            await worker_holds_2.wait()
            request_waits.set()  # it waits first, so PostgreSQL's deadlock check aborts it
            await conn.execute("UPDATE conflict_rows SET n = n + %s WHERE id = 2", (body["by"],))
        return {"attempts": len(attempts)}

    app.add_middleware(ConflictRetryMiddleware, service="sandbox")

    async def worker() -> None:
        async with await psycopg.AsyncConnection.connect(dsn) as conn, conn.transaction():
            await conn.execute("UPDATE conflict_rows SET n = n + 100 WHERE id = 2")
            worker_holds_2.set()
            await request_waits.wait()
            await asyncio.sleep(0.3)
            await conn.execute("UPDATE conflict_rows SET n = n + 100 WHERE id = 1")

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        response, _ = await asyncio.wait_for(
            asyncio.gather(client.post("/cancel", json={"by": 1}), worker()), timeout=30
        )
    assert response.status_code == 200, response.text
    assert response.json() == {"attempts": 2}
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        rows = dict(await (await conn.execute("SELECT id, n FROM conflict_rows")).fetchall())
    assert rows == {1: 101, 2: 101}
