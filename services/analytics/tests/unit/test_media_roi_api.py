"""GET /v1/analytics/media on a fake unit of work: the response's shape, pages, the tenant wall, and
422 for bad parameters."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

import analytics.consumers as consumers
import analytics.media_api as media_api
from huntaze_service import InternalTokenVerifier, new_key_pair
from huntaze_service.http import install_error_handlers
from huntaze_service.runtime import runtime_of
from huntaze_service.wall import InternalWallMiddleware
from huntaze_testkit import internal_headers
from huntaze_testkit.fakes import Clock, FakeUnitOfWork, FakeWorker

from .events import CREATOR
from .fakes import FakeAnalyticsRepository
from .media_events import offered, refunded, segment, sold, uploaded

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)
SIGNING, PUBLIC = new_key_pair()
BEACH, GYM = uuid.UUID(int=21), uuid.UUID(int=22)
WINDOW = {"from": "2026-11-01", "to": "2026-11-03"}


class FakeRuntime:
    def __init__(self, repo: FakeAnalyticsRepository) -> None:
        self.repo = repo

    def uow(self) -> FakeUnitOfWork[FakeAnalyticsRepository]:
        return FakeUnitOfWork(self.repo, producer="analytics", clock=Clock(NOW))


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    repo = FakeAnalyticsRepository()
    worker = FakeWorker(repo, producer="analytics", subscriptions=consumers.subscriptions())
    offer = offered("ann", [BEACH], 1500, NOW - timedelta(hours=1))
    sale, unlock = sold(offer, NOW)
    await worker.deliver(
        segment("ann", "whales", "entered", NOW - timedelta(days=2)),
        uploaded(BEACH, "Beach", tags=("summer",)),
        offer,
        offered("bob", [GYM], 900, NOW - timedelta(hours=1)),
        sale,
        unlock,
    )
    await worker.deliver(refunded(offer, 500, NOW + timedelta(minutes=1)))
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(media_api.router)
    app.add_middleware(InternalWallMiddleware, verifier=InternalTokenVerifier(PUBLIC))
    app.dependency_overrides[runtime_of] = lambda: FakeRuntime(repo)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://analytics") as c:
        c.headers.update(internal_headers(CREATOR, signing_key=SIGNING))
        yield c


async def test_the_report_per_item_with_its_breakdowns(client: httpx.AsyncClient) -> None:
    answer = await client.get("/v1/analytics/media", params=WINDOW)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["from"], body["to"], body["currency"]) == ("2026-11-01T00:00:00Z", "2026-11-03T00:00:00Z", None)
    assert body["totals"] == [
        {"currency": "USD", "offers": 2, "unlocks": 1, "unlock_rate": 0.5, "gross_cents": 1000, "net_cents": 800}
    ]
    beach, gym = body["items"]
    assert beach == {
        "media_id": str(BEACH),
        "currency": "USD",
        "known": True,
        "title": "Beach",
        "kind": "photo",
        "tags": ["summer"],
        "deleted": False,
        "offers": 1,
        "unlocks": 1,
        "unlock_rate": 1.0,
        "gross_cents": 1000,
        "net_cents": 800,
        "gross_per_offer_cents": 1000,
        "net_per_offer_cents": 800,
        "bundle_offers": 0,
        "by_segment": [
            {
                "segment": "whales",
                "name": "Whales",
                "offers": 1,
                "unlocks": 1,
                "unlock_rate": 1.0,
                "gross_cents": 1000,
                "net_cents": 800,
            },
        ],  # fmt: skip
        "by_price": [
            {
                "price_cents": 1500,
                "bundle_of": 1,
                "offers": 1,
                "unlocks": 1,
                "unlock_rate": 1.0,
                "gross_cents": 1000,
                "net_cents": 800,
                "gross_per_offer_cents": 1000,
                "net_per_offer_cents": 800,
            },
        ],  # fmt: skip
    }
    assert (gym["known"], gym["title"], gym["offers"], gym["unlock_rate"], gym["net_cents"]) == (False, None, 1, 0.0, 0)
    assert gym["by_segment"][0]["segment"] is None and body["next_cursor"] is None
    assert "split" in body["split_rule"]


async def test_pages_follow_the_cursor(client: httpx.AsyncClient) -> None:
    first = (await client.get("/v1/analytics/media", params={**WINDOW, "limit": 1})).json()
    assert [i["media_id"] for i in first["items"]] == [str(BEACH)] and first["next_cursor"]
    second = (
        await client.get("/v1/analytics/media", params={**WINDOW, "limit": 1, "cursor": first["next_cursor"]})
    ).json()
    assert [i["media_id"] for i in second["items"]] == [str(GYM)] and second["next_cursor"] is None
    assert second["totals"] == first["totals"]


async def test_a_currency_filters_and_another_creator_sees_nothing(client: httpx.AsyncClient) -> None:
    eur = (await client.get("/v1/analytics/media", params={**WINDOW, "currency": "eur"})).json()
    assert (eur["currency"], eur["items"], eur["totals"]) == ("EUR", [], [])
    other = await client.get(
        "/v1/analytics/media", params=WINDOW, headers=internal_headers(uuid.uuid4(), signing_key=SIGNING)
    )
    assert other.status_code == 200 and other.json()["items"] == [] and other.json()["totals"] == []
    assert (await client.get("/v1/analytics/media", params=WINDOW, headers={"x-internal-token": ""})).status_code in (
        401,
        403,
    )


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-11-03", "to": "2026-11-01"},
        {"from": "2026-11-01", "to": "2026-11-01"},
        {"from": "2025-01-01", "to": "2026-11-01"},
        {"from": "yesterday", "to": "2026-11-01"},
        {**WINDOW, "currency": "US"},
        {**WINDOW, "currency": "US1"},
        {**WINDOW, "limit": 0},
        {**WINDOW, "limit": 201},
        {**WINDOW, "limit": "ten"},
        {**WINDOW, "cursor": "not-a-cursor"},
        {**WINDOW, "cursor": "WyIxIiwiMiJd"},  # a valid cursor of another list
        {**WINDOW, "tz": "Mars/Olympus"},
    ],
)
async def test_bad_parameters_are_422(client: httpx.AsyncClient, params: dict[str, object]) -> None:
    answer = await client.get("/v1/analytics/media", params=params)
    assert answer.status_code == 422, (params, answer.text)
