"""A request whose transaction lost a deadlock runs again (huntaze_service.conflicts), with its body
replayed; never twice after something of it committed; a clear 503 when it cannot be replayed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg.errors import DeadlockDetected, SerializationFailure, UniqueViolation
from sqlalchemy.exc import OperationalError

from huntaze_service.conflicts import ConflictRetryMiddleware, is_conflict, note_commit, replaying_conflicts
from huntaze_service.http import BodyLimitMiddleware, install_error_handlers
from huntaze_service.metrics import metrics


def app_failing(failures: list[BaseException], *, commits_first: bool = False) -> tuple[FastAPI, list[Any]]:
    """A route that raises the given errors one per call, then echoes the body it read."""
    app = FastAPI()
    install_error_handlers(app)
    calls: list[Any] = []

    @app.post("/things")
    async def things(body: dict[str, Any]) -> dict[str, Any]:
        calls.append(body)
        if commits_first:
            note_commit()
        if failures:
            raise failures.pop(0)
        return {"echo": body, "calls": len(calls)}

    app.add_middleware(ConflictRetryMiddleware, service="unit")
    app.add_middleware(BodyLimitMiddleware, max_bytes=1024)
    return app, calls


def retries() -> float:
    return metrics().http_conflict_retries.labels("unit")._value.get()  # type: ignore[no-any-return]


def test_a_deadlocked_request_runs_again_with_its_body() -> None:
    app, calls = app_failing([DeadlockDetected("deadlock detected"), SerializationFailure("could not serialize")])
    before = retries()
    response = TestClient(app).post("/things", json={"n": 1, "text": "é" * 100})
    assert response.status_code == 200, response.text
    assert response.json() == {"echo": {"n": 1, "text": "é" * 100}, "calls": 3}
    assert calls == [{"n": 1, "text": "é" * 100}] * 3
    assert retries() == before + 2


def test_a_conflict_through_sqlalchemy_is_replayed_too() -> None:
    wrapped = OperationalError("UPDATE …", {}, DeadlockDetected("deadlock detected"))
    assert is_conflict(wrapped)
    app, calls = app_failing([wrapped])
    response = TestClient(app).post("/things", json={"n": 2})
    assert response.status_code == 200 and len(calls) == 2


def test_a_request_that_keeps_losing_gets_a_503_saying_nothing_was_saved() -> None:
    app, calls = app_failing([DeadlockDetected("deadlock detected") for _ in range(10)])
    response = TestClient(app, raise_server_exceptions=False).post("/things", json={"n": 3})
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert response.json()["code"] == "conflict_retry" and "nothing was saved" in response.json()["detail"]
    assert len(calls) == 4


def test_a_request_that_already_committed_is_not_run_twice() -> None:
    app, calls = app_failing([DeadlockDetected("deadlock detected")], commits_first=True)
    response = TestClient(app, raise_server_exceptions=False).post("/things", json={"n": 4})
    assert response.status_code == 503 and "reload before retrying" in response.json()["detail"]
    assert len(calls) == 1


@pytest.mark.parametrize("error", [UniqueViolation("duplicate key"), RuntimeError("bug")])
def test_other_errors_are_not_replayed(error: BaseException) -> None:
    app, calls = app_failing([error])
    response = TestClient(app, raise_server_exceptions=False).post("/things", json={"n": 5})
    assert response.status_code == 500 and response.json()["code"] == "internal"
    assert len(calls) == 1


def test_the_body_limit_still_holds_for_a_replayed_route() -> None:
    app, calls = app_failing([DeadlockDetected("deadlock detected")])
    response = TestClient(app).post("/things", json={"text": "x" * 2000})
    assert response.status_code == 413 and calls == []


async def test_a_worker_transaction_that_loses_a_conflict_runs_again_uncounted() -> None:
    failures: list[BaseException] = [DeadlockDetected("deadlock detected")] * 3
    runs: list[int] = []

    async def work() -> str:
        runs.append(1)
        if failures:
            raise failures.pop()
        return "committed"

    assert await replaying_conflicts(work, "unit") == "committed" and len(runs) == 4


async def test_a_worker_transaction_gives_up_after_its_replays_and_other_errors_pass_at_once() -> None:
    runs: list[int] = []

    async def always() -> None:
        runs.append(1)
        raise DeadlockDetected("deadlock detected")

    with pytest.raises(DeadlockDetected):
        await replaying_conflicts(always, "unit", attempts=3)
    assert len(runs) == 3

    async def bug() -> None:
        runs.append(1)
        raise ValueError("bad payload")

    with pytest.raises(ValueError, match="bad payload"):
        await replaying_conflicts(bug, "unit")
    assert len(runs) == 4
