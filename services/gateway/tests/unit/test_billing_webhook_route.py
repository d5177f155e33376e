"""The public Stripe webhook route against a real local HTTP peer playing billing: the raw body byte
for byte and ``Stripe-Signature`` as is reach it with the visitor token (never a JWT), its answer comes
back (a 400 included: Stripe must see it), a flood from one address is refused, an unreachable billing
is a 503 Stripe retries. (The 1 MiB cap is the chassis' body limit: tests/integration.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import httpx
import pytest
from fastapi import FastAPI

from gateway.api import billing_webhook
from gateway.throttle import Throttle
from huntaze_service import INTERNAL_TOKEN_HEADER, InternalTokenSigner, new_key_pair
from huntaze_service.http import install_error_handlers
from huntaze_service.internal_token import VISITOR, InternalTokenVerifier
from huntaze_testkit import LocalHTTPServer

RAW = b'{"id": "evt_1",  "type":"invoice.paid"}\n'  # odd spacing: must arrive exactly so


def billing_peer(status: int) -> LocalHTTPServer:
    return LocalHTTPServer(lambda m, p, h, b: (status, {"received": status == 200}), raw=True)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def app_for(
    billing_url: str, session: aiohttp.ClientSession, signing: str, webhook_rate: str = "100/minute"
) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(billing_webhook.router)
    throttle = Throttle(
        "memory://", per_account="1/minute", per_address="1/minute", signup_per_address="1/minute",
        webhook_per_address=webhook_rate,
    )  # fmt: skip
    app.state.runtime = SimpleNamespace(
        settings=SimpleNamespace(upstreams=lambda: {"billing": billing_url}),
        state={"throttle": throttle, "internal_tokens": InternalTokenSigner(signing), "upstream": session},
    )
    return app


async def post(app: FastAPI, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        return await client.post(billing_webhook.PATH, content=RAW, headers=headers or {})


async def test_the_raw_body_and_the_signature_reach_billing_with_the_visitor_token(session: Any) -> None:
    signing, public = new_key_pair()
    with billing_peer(200) as peer:
        app = app_for(peer.url, session, signing)
        answer = await post(app, {"Stripe-Signature": "t=1,v1=abc", "content-type": "application/json"})
        assert answer.status_code == 200 and answer.json() == {"received": True}
        [seen] = peer.requests
    assert seen["path"] == billing_webhook.PATH and seen["raw"] == RAW
    assert seen["headers"]["stripe-signature"] == "t=1,v1=abc" and "authorization" not in seen["headers"]
    caller = InternalTokenVerifier(public).verify(seen["headers"][INTERNAL_TOKEN_HEADER.lower()])
    assert caller.role == VISITOR


async def test_billing_refusals_pass_through_and_an_absent_billing_is_a_503(session: Any) -> None:
    signing, _ = new_key_pair()
    with billing_peer(400) as peer:
        answer = await post(app_for(peer.url, session, signing))  # no signature: billing's 400 to say
        assert answer.status_code == 400
        assert "stripe-signature" not in peer.requests[0]["headers"]
    gone = await post(app_for("http://127.0.0.1:9", session, signing))
    assert gone.status_code == 503 and gone.headers["retry-after"] == "2"


async def test_a_flood_from_one_address_is_refused_before_billing_is_called(session: Any) -> None:
    signing, _ = new_key_pair()
    with billing_peer(200) as peer:
        app = app_for(peer.url, session, signing, webhook_rate="2/minute")
        assert [(await post(app)).status_code for _ in range(3)] == [200, 200, 429]
        assert len(peer.requests) == 2
