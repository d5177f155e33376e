"""``GET /v1/ai/insights`` and ``/v1/ai/insights/weeks`` on fakes: the latest written week, a week by its
start, a week being written (404 that says so), none yet (404), another creator's week (404), bad
parameters (422)."""

from __future__ import annotations

import typing
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import httpx
import pytest
from fastapi import FastAPI

from ai.insights import api
from ai.insights.store import InsightRecord
from huntaze_service import CreatorId
from huntaze_service.http import install_error_handlers
from huntaze_service.runtime import runtime_of
from huntaze_testkit.fakes import FakeUnitOfWork

from .insights_fakes import FakeInsightsRepository
from .test_insight_template import facts

CREATOR, OTHER = uuid.UUID(int=42), uuid.UUID(int=43)
NOW = datetime(2026, 11, 23, 3, tzinfo=UTC)


class FakeRuntime:
    def __init__(self, repo: FakeInsightsRepository) -> None:
        self.repo = repo

    def uow(self) -> typing.Any:
        return FakeUnitOfWork(self.repo, producer="ai")


@pytest.fixture
async def client() -> AsyncIterator[tuple[httpx.AsyncClient, FakeInsightsRepository]]:
    repo = FakeInsightsRepository()
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(api.router)
    app.dependency_overrides[runtime_of] = lambda: FakeRuntime(repo)
    app.dependency_overrides[typing.get_args(CreatorId)[1].dependency] = lambda: CREATOR
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ai") as http:
        yield http, repo


async def test_the_latest_week_a_week_by_start_and_the_weeks(
    client: tuple[httpx.AsyncClient, FakeInsightsRepository],
) -> None:
    http, repo = client
    none = await http.get("/v1/ai/insights?period=week")
    assert none.status_code == 404 and none.json()["detail"].startswith("no weekly review yet")

    earlier, latest, pending = (facts(creator_id=CREATOR, period_start=date(2026, 11, d), period_end=date(2026, 11, d + 6))
                                for d in (2, 9, 16))  # fmt: skip
    for week in (earlier, latest, pending):
        await repo.add_insight_facts(week, NOW)
    await repo.add_insight_facts(
        facts(creator_id=OTHER, period_start=date(2026, 11, 23), period_end=date(2026, 11, 29)), NOW
    )
    for week, source in ((earlier, "offline"), (latest, "template")):
        fallback = "ungrounded" if source == "template" else None
        refused = ("23%",) if source == "template" else ()
        record = InsightRecord(f"Review of {week.period_start}", source, source != "template", fallback, refused,  # type: ignore[arg-type]
                               "openai", "gpt-x")  # fmt: skip
        await repo.save_insight(CREATOR, week.period_start, record, NOW)

    body = (await http.get("/v1/ai/insights?period=week")).json()
    assert (body["period_start"], body["period_end"], body["text"]) == (
        "2026-11-09",
        "2026-11-15",
        "Review of 2026-11-09",
    )
    assert (body["source"], body["grounded"], body["fallback"], body["refused_numbers"]) == (
        "template",
        False,
        "ungrounded",
        ["23%"],
    )
    assert body["facts"]["revenue_cents"] == 123456 and body["written_at"].startswith("2026-11-23T03:00")
    by_start = (await http.get("/v1/ai/insights?start=2026-11-02")).json()
    assert by_start["source"] == "offline" and by_start["grounded"] is True and by_start["fallback"] is None

    being = await http.get("/v1/ai/insights?start=2026-11-16")
    assert being.status_code == 404 and "being written" in being.json()["detail"]
    theirs = await http.get("/v1/ai/insights?start=2026-11-23")
    assert theirs.status_code == 404 and "no weekly review for the week starting 2026-11-23" in theirs.json()["detail"]

    # a text stored under a looser rule than today's is checked again on the way out: the template
    repo.insights[(CREATOR, date(2026, 11, 2))].record = InsightRecord("Up 99% this week.", "model", True, None, (),
                                                                       "openai", "gpt-x")  # fmt: skip
    rechecked = (await http.get("/v1/ai/insights?start=2026-11-02")).json()
    assert (rechecked["source"], rechecked["fallback"], rechecked["refused_numbers"]) == (
        "template",
        "ungrounded",
        ["99%"],
    )
    assert rechecked["text"].startswith("Your week, 2 Nov to 8 Nov 2026.")

    weeks = (await http.get("/v1/ai/insights/weeks?limit=2")).json()
    assert weeks == {"period": "week", "items": [
        {"period_start": "2026-11-16", "period_end": "2026-11-22", "written": False, "source": None},
        {"period_start": "2026-11-09", "period_end": "2026-11-15", "written": True, "source": "template"},
    ]}  # fmt: skip


@pytest.mark.parametrize(
    "query",
    ["insights?period=month", "insights?period=", "insights?start=2026-02-30", "insights?start=last-week",
     "insights/weeks?limit=0", "insights/weeks?period=year"],
)  # fmt: skip
async def test_bad_parameters_answer_422(client: tuple[httpx.AsyncClient, FakeInsightsRepository], query: str) -> None:
    http, _ = client
    answer = await http.get(f"/v1/ai/{query}")
    assert answer.status_code == 422 and answer.json()["code"] == "validation_error", answer.text
