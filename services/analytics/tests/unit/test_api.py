"""The HTTP routes on a fake unit of work: response shapes, tenant wall, and 4xx for bad input."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import analytics.api as api
import analytics.consumers as consumers
from analytics.schemas import RetentionOut, RevenueOut, SalesHoursOut, SummaryOut
from huntaze_service import InternalTokenVerifier, new_key_pair
from huntaze_service.http import install_error_handlers
from huntaze_service.runtime import runtime_of
from huntaze_service.wall import InternalWallMiddleware
from huntaze_testkit import internal_headers
from huntaze_testkit.fakes import Clock, FakeUnitOfWork, FakeWorker

from .events import CREATOR, subscription, transaction
from .fakes import FakeAnalyticsRepository

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)
LINES = {"subscriptions", "messages", "posts", "tips", "refunds", "chargebacks"}
FIGURES = {"from", "to", "gross_cents", "net_cents", "transactions", "paying_fans", "arppu_cents"}
SIGNING, PUBLIC = new_key_pair()  # the gateway's key pair, for these tests only


class FakeRuntime:
    def __init__(self, repo: FakeAnalyticsRepository) -> None:
        self.repo = repo

    def uow(self) -> FakeUnitOfWork[FakeAnalyticsRepository]:
        return FakeUnitOfWork(self.repo, producer="analytics", clock=Clock(NOW))


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    repo = FakeAnalyticsRepository()
    worker = FakeWorker(repo, producer="analytics", subscriptions=consumers.subscriptions())
    await worker.deliver(
        transaction("ann", "message", 2500, datetime(2026, 11, 2, 1, tzinfo=UTC), fee=500, name="Ann"),
        transaction("ann", "refund", -500, datetime(2026, 11, 2, 2, tzinfo=UTC), fee=-100),
        subscription("started", "ann", datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)),
    )
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(api.router)
    app.add_middleware(InternalWallMiddleware, verifier=InternalTokenVerifier(PUBLIC))
    app.dependency_overrides[runtime_of] = lambda: FakeRuntime(repo)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://analytics") as c:
        c.headers.update(internal_headers(CREATOR, signing_key=SIGNING))
        yield c


MODELS = {"revenue": RevenueOut, "summary": SummaryOut, "sales-hours": SalesHoursOut, "retention": RetentionOut}


async def get(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    answer = await client.get(f"/v1/analytics/{path}", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    MODELS[path].model_validate(body)  # the documented shape, exactly (extra="forbid")
    return body


async def test_revenue_shape(client: httpx.AsyncClient) -> None:
    body = await get(client, "revenue", **{"from": "2026-11-01", "to": "2026-11-03", "tz": "Asia/Kolkata"})
    assert set(body) == {"currency", "tz", "granularity", "from", "to", "buckets", "totals"}
    assert (body["currency"], body["tz"], body["granularity"]) == ("USD", "Asia/Kolkata", "day")
    assert body["from"] == "2026-11-01T00:00:00+05:30" and body["to"] == "2026-11-03T00:00:00+05:30"
    assert [b["start"] for b in body["buckets"]] == ["2026-11-01T00:00:00+05:30", "2026-11-02T00:00:00+05:30"]
    bucket = body["buckets"][1]
    assert set(bucket) == {"start", "gross_cents", "net_cents", "transactions", "by_source"}
    assert set(bucket["by_source"]) == LINES
    assert bucket["by_source"]["messages"] == {"gross_cents": 2500, "net_cents": 2000, "count": 1}
    assert bucket["by_source"]["refunds"] == {"gross_cents": -500, "net_cents": -400, "count": 1}
    assert body["totals"] == {
        "gross_cents": 2000,
        "net_cents": 1600,
        "transactions": 2,
        "by_source": bucket["by_source"],
    }


async def test_summary_sales_hours_and_retention_shapes(client: httpx.AsyncClient) -> None:
    summary = await get(client, "summary", tz="Europe/Paris", currency="usd")
    assert set(summary) == {"currency", "tz", "as_of", "periods", "top_fans"}
    assert summary["currency"] == "USD" and summary["as_of"] == "2026-11-02T10:00:00+01:00"
    assert set(summary["periods"]) == {"today", "last_7_days", "last_30_days"}
    today = summary["periods"]["today"]
    assert set(today) == FIGURES | {"previous"} and set(today["previous"]) == FIGURES
    assert (today["net_cents"], today["paying_fans"], today["arppu_cents"]) == (1600, 1, 1600)
    assert summary["top_fans"] == [
        {
            "fan_id": summary["top_fans"][0]["fan_id"],
            "display_name": "Ann",
            "external_id": "ann",
            "net_cents": 1600,
            "gross_cents": 2000,
            "transactions": 2,
        }
    ]
    hours = await get(client, "sales-hours", tz="UTC", days=7)
    assert set(hours) == {"currency", "tz", "days", "from", "to", "cells"} and len(hours["cells"]) == 168
    assert hours["cells"][1] == {"weekday": 0, "hour": 1, "gross_cents": 2500, "net_cents": 2000, "count": 1}
    retention = await get(client, "retention")
    assert set(retention) == {"tz", "as_of", "cohorts", "churn"}
    assert retention["cohorts"] == [{"cohort": "2026-09", "subscribers": 1, "retained": [1.0, 1.0]}]
    assert retention["churn"][0] == {"month": "2026-09", "active_at_start": 1, "expired": 0, "rate": 0.0}


@pytest.mark.parametrize(
    ("path", "params", "detail"),
    [
        ("revenue", {"tz": "Mars/Olympus"}, "unknown time zone"),
        ("revenue", {"from": "2026-11-02", "to": "2026-11-02"}, "before"),
        ("revenue", {"from": "2016-01-01", "granularity": "hour"}, "more than 2000 buckets"),
        ("revenue", {"from": "last tuesday"}, "ISO 8601"),
        ("revenue", {"granularity": "minute"}, "granularity"),
        ("revenue", {"currency": "dollars"}, "currency"),
        ("summary", {"tz": "Nowhere/City"}, "unknown time zone"),
        ("sales-hours", {"days": "0"}, "days"),
        ("sales-hours", {"days": "many"}, "days"),
        ("sales-hours", {"tz": ""}, "tz"),
        ("retention", {"tz": "Europe/Atlantis"}, "unknown time zone"),
    ],
)
async def test_bad_input_is_a_422_with_a_message(
    client: httpx.AsyncClient, path: str, params: dict, detail: str
) -> None:
    answer = await client.get(f"/v1/analytics/{path}", params=params)
    assert answer.status_code == 422, answer.text
    assert detail in answer.json()["detail"] and answer.json()["code"] == "validation_error"


async def test_no_tenant_no_report(client: httpx.AsyncClient) -> None:
    forged, _ = new_key_pair()
    for path in ("revenue", "summary", "sales-hours", "retention"):
        for headers in (
            {"X-Internal-Token": "", "X-Creator-Id": str(CREATOR)},  # a bare header is not a tenant
            internal_headers(CREATOR, signing_key=forged),
        ):
            answer = await client.get(f"/v1/analytics/{path}", headers=headers)
            assert answer.status_code == 401 and answer.json()["code"] == "unauthorized"


async def test_another_creator_sees_nothing(client: httpx.AsyncClient) -> None:
    client.headers.update(internal_headers(uuid.uuid4(), signing_key=SIGNING))
    body = await get(client, "summary")
    assert body["periods"]["last_30_days"]["transactions"] == 0 and body["top_fans"] == []
