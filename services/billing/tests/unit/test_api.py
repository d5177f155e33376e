"""The billing routes on fakes: plans, checkout, portal, subscription, and the Stripe webhook's
verification (bad, missing or stale signatures refused with 400 and nothing stored; replays 200)."""

from __future__ import annotations

import time
import typing
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from billing import api, webhook_api
from billing.accounts import Account
from billing.config import BillingSettings
from huntaze_service import OrgId, VisitorCaller
from huntaze_service.http import install_error_handlers
from huntaze_service.runtime import runtime_of
from huntaze_testkit import stripe_events as se
from huntaze_testkit.fakes import FakeUnitOfWork

from .fakes import FakeBillingRepository, FakeStripe

ORG = uuid.UUID(int=7)
SECRET = "whsec_unit_test"


class FakeRuntime:
    def __init__(self, repo: FakeBillingRepository, stripe: FakeStripe) -> None:
        self.repo = repo
        self.settings = BillingSettings(stripe_webhook_secret=SecretStr(SECRET))
        self.state = {api.STRIPE: stripe}
        self.timers: dict = {}

    def uow(self) -> typing.Any:
        return FakeUnitOfWork(self.repo, producer="billing", timers=self.timers)


class Client(typing.NamedTuple):
    http: httpx.AsyncClient
    repo: FakeBillingRepository
    stripe: FakeStripe
    runtime: FakeRuntime


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    repo, stripe = FakeBillingRepository(), FakeStripe()
    runtime = FakeRuntime(repo, stripe)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(webhook_api.router)
    app.dependency_overrides[runtime_of] = lambda: runtime
    app.dependency_overrides[typing.get_args(OrgId)[1].dependency] = lambda: ORG
    app.dependency_overrides[typing.get_args(VisitorCaller)[1].dependency] = lambda: None
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://billing") as http:
        yield Client(http, repo, stripe, runtime)


async def test_plans_are_listed_cheapest_first_with_their_prices_in_cents(client: Client) -> None:
    answer = await client.http.get("/v1/billing/plans")
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [(p["code"], p["intervals"], p["amount_monthly_cents"]) for p in items] == [
        ("free", [], 0), ("pro", ["month", "year"], 4900), ("agency", ["month", "year"], 29900)
    ]  # fmt: skip
    assert items[2]["metered_ai_drafts"] and items[2]["limits"]["creators"] == 25


async def test_checkout_creates_one_customer_and_a_session_for_the_organisation(client: Client) -> None:
    client.repo.accounts[ORG] = Account(org_id=ORG, name="Acme")
    first = await client.http.post("/v1/billing/checkout", json={"plan": "pro", "interval": "year"})
    again = await client.http.post("/v1/billing/checkout", json={"plan": "agency"})
    assert (first.status_code, again.status_code) == (200, 200), first.text
    assert first.json()["url"].startswith("https://checkout.stripe.test/")
    assert client.repo.accounts[ORG].stripe_customer_id == "cus_1"
    assert [(c.customer_id, c.org_id, c.price_id) for c in client.stripe.checkouts] == [
        ("cus_1", str(ORG), "price_huntaze_pro_yearly"), ("cus_1", str(ORG), "price_huntaze_agency_monthly")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"plan": "free", "interval": "month"}, 422, "not_sold"),
        ({"plan": "gold", "interval": "month"}, 422, "unknown_plan"),
        ({"plan": "pro", "interval": "week"}, 422, None),
        ({"plan": "Pro!"}, 422, None),
    ],
)
async def test_checkout_refuses_bad_plans_clearly(client: Client, body: dict, status: int, code: str | None) -> None:
    client.repo.accounts[ORG] = Account(org_id=ORG)
    answer = await client.http.post("/v1/billing/checkout", json=body)
    assert answer.status_code == status, answer.text
    if code:
        assert answer.json()["code"] == code
    assert client.stripe.checkouts == []


async def test_checkout_refuses_a_subscribed_or_unknown_organisation_and_reports_stripe_down(client: Client) -> None:
    assert (await client.http.post("/v1/billing/checkout", json={"plan": "pro"})).status_code == 409
    client.repo.accounts[ORG] = Account(org_id=ORG, sub_plan="pro", status="active", plan="pro")
    assert (await client.http.post("/v1/billing/checkout", json={"plan": "agency"})).status_code == 409
    client.repo.accounts[ORG] = Account(org_id=ORG)
    client.stripe.down = True
    assert (await client.http.post("/v1/billing/checkout", json={"plan": "pro"})).status_code == 503


async def test_portal_needs_a_customer(client: Client) -> None:
    client.repo.accounts[ORG] = Account(org_id=ORG)
    assert (await client.http.post("/v1/billing/portal")).status_code == 409
    client.repo.accounts[ORG] = replace(client.repo.accounts[ORG], stripe_customer_id="cus_9")
    answer = await client.http.post("/v1/billing/portal")
    assert answer.status_code == 200 and answer.json()["url"].endswith("/cus_9")


async def test_subscription_shows_the_plan_and_this_months_usage(client: Client) -> None:
    client.repo.accounts[ORG] = Account(
        org_id=ORG, creator_ids=(uuid.uuid4(), uuid.uuid4()), seats=3, sub_plan="pro", status="active", plan="pro",
        interval="month",
    )  # fmt: skip
    period = FakeUnitOfWork(client.repo, producer="billing").now().strftime("%Y-%m")
    client.repo.counters[(ORG, "ai_drafts", period)] = 12
    body = (await client.http.get("/v1/billing/subscription")).json()
    assert (body["plan"], body["status"], body["interval"], body["period"]) == ("pro", "active", "month", period)
    assert body["usage"] == {
        "ai_drafts": {"used": 12, "limit": 5000}, "mass_messages": {"used": 0, "limit": 60},
        "creators": {"used": 2, "limit": 3}, "seats": {"used": 3, "limit": 5},
    }  # fmt: skip


async def test_an_unknown_organisation_is_on_the_free_plan(client: Client) -> None:
    body = (await client.http.get("/v1/billing/subscription")).json()
    assert (body["plan"], body["status"], body["usage"]["ai_drafts"]) == ("free", "free", {"used": 0, "limit": 100})


# the webhook ------------------------------------------------------------------------------------------


async def _post(client: Client, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await client.http.post("/v1/billing/webhooks/stripe", content=body, headers=headers)


async def test_a_signed_event_is_stored_once_and_its_replay_changes_nothing(client: Client) -> None:
    body, headers = se.signed(se.customer_deleted("cus_1"), SECRET)
    first = await _post(client, body, headers)
    replay = await _post(client, body, headers)
    assert (first.status_code, first.json()["duplicate"]) == (200, False)
    assert (replay.status_code, replay.json()["duplicate"]) == (200, True)
    [stored] = client.repo.events.values()
    assert stored.body == body.decode() and stored.processed_at is None  # processed later, by the worker
    assert [kind for kind, _ in client.runtime.timers] == ["stripe_event"]


@pytest.mark.parametrize("case", ["bad_signature", "other_secret", "missing", "stale", "tampered", "not_json"])
async def test_unverified_webhooks_are_refused_and_nothing_is_stored(client: Client, case: str) -> None:
    event = se.customer_deleted("cus_1")
    body, headers = se.signed(event, SECRET)
    if case == "bad_signature":
        headers["Stripe-Signature"] = headers["Stripe-Signature"][:-4] + "0000"
    elif case == "other_secret":
        body, headers = se.signed(event, "whsec_attacker")
    elif case == "missing":
        del headers["Stripe-Signature"]
    elif case == "stale":
        body, headers = se.signed(event, SECRET, timestamp=int(time.time()) - 301)
    elif case == "tampered":
        body = body.replace(b"cus_1", b"cus_2")
    else:
        body = b"not json"
        headers["Stripe-Signature"] = se.sign(body, SECRET)
    answer = await _post(client, body, headers)
    assert answer.status_code == 400, answer.text
    assert client.repo.events == {}


async def test_without_a_webhook_secret_nothing_is_accepted(client: Client) -> None:
    client.runtime.settings = BillingSettings(stripe_webhook_secret=None)  # whatever the environment says
    body, headers = se.signed(se.customer_deleted("cus_1"), SECRET)
    answer = await _post(client, body, headers)
    assert answer.status_code == 503 and answer.json()["code"] == "not_configured"
    assert client.repo.events == {}
