"""The wall between the gateway and the services, on the real processes: a request straight to a
service's port is answered only with the gateway's internal token; a header naming a creator is
nothing without it. The probes stay open, and the gateway's metrics are off its public port."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from huntaze_service import Caller, InternalTokenSigner, discover, new_key_pair
from huntaze_testkit import Platform, internal_headers

WALLED = [name for name in sorted(discover()) if name != "gateway"]


def a_get_route(name: str) -> str:
    """A GET route of the service without path parameters (its API as documented)."""
    for router in discover()[name].documented().routers:
        for route in router.routes:
            if isinstance(route, APIRoute) and "GET" in route.methods and "{" not in route.path:
                return route.path
    raise AssertionError(f"{name} has no GET route without parameters")


@pytest.mark.parametrize("name", WALLED)
async def test_a_service_answers_only_the_gateways_token(platform: Platform, name: str) -> None:
    service = platform.services[name]
    path = a_get_route(name)
    creator, user = uuid.uuid4(), uuid.uuid4()
    forged_headers = {"X-Creator-Id": str(creator), "X-User-Id": str(user)}
    other_key, _ = new_key_pair()
    expired = InternalTokenSigner(platform.env["GATEWAY_INTERNAL_SIGNING_KEY"]).sign(
        Caller(user, creator, uuid.uuid4(), "owner"), now=time.time() - 3600
    )
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
        bare = await client.get(path, headers=forged_headers)
        assert bare.status_code == 401, (path, bare.text)
        assert bare.json()["code"] == "unauthorized" and "X-Internal-Token" in bare.json()["detail"]

        foreign = await client.get(path, headers={**forged_headers, **internal_headers(creator, signing_key=other_key)})
        assert foreign.status_code == 401, (path, foreign.text)

        late = await client.get(path, headers={"X-Internal-Token": expired})
        assert late.status_code == 401 and "expired" in late.json()["detail"], late.text

        valid = await client.get(path, headers=internal_headers(creator, user))
        assert valid.status_code != 401 and valid.status_code < 500, (path, valid.status_code, valid.text)

        assert (await client.get("/health")).json() == {"status": "ok"}
        assert (await client.get("/ready")).status_code == 200
        assert (await client.get("/metrics")).status_code == 200
        assert (await client.get("/openapi.json")).status_code == 401  # nothing else without a token


async def test_the_gateways_metrics_are_off_its_public_port(platform: Platform) -> None:
    gateway: Any = platform.services["gateway"]
    assert gateway.metrics_port and gateway.metrics_port != gateway.port
    async with httpx.AsyncClient(timeout=10) as client:
        assert (await client.get(f"{gateway.url}/metrics")).status_code == 404
        assert (await client.get(f"{gateway.url}/health")).status_code == 200
        page = await client.get(gateway.metrics_url)
        assert page.status_code == 200 and "# HELP" in page.text
        assert 'service="gateway"' in (await client.get(gateway.metrics_url)).text  # the scrapes are timed
