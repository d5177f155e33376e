"""The wall, on an app built by the chassis: no internal token, no route (probes excepted)."""

from __future__ import annotations

import urllib.request
import uuid
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic_settings import SettingsConfigDict

from huntaze_service import (
    Caller,
    CreatorId,
    CurrentCaller,
    Environment,
    Service,
    ServiceSettings,
    UserId,
    context,
    new_key_pair,
)
from huntaze_service.metrics import serve_metrics
from huntaze_testkit import internal_headers

SIGNING, PUBLIC = new_key_pair("wall")


class WallSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WALLTEST_", extra="ignore", frozen=True)
    service_name: str = "walltest"


router = APIRouter()


@router.get("/v1/walltest/me")
async def me(caller: CurrentCaller, creator: CreatorId, user: UserId) -> dict[str, Any]:
    ctx = context.current()
    assert ctx is not None
    return {
        "creator": str(creator),
        "user": str(user),
        "role": caller.role,
        "org": str(caller.org_id),
        "bound_creator": str(ctx.creator_id),
    }


@router.post("/v1/walltest/echo")
async def echo(body: dict[str, Any], creator: CreatorId) -> dict[str, Any]:
    return {"creator": str(creator), **body}


def client(keys: str = PUBLIC, *, wall: bool = True, **settings: Any) -> TestClient:
    """The app as ``serve`` builds it (the lifespan is not run: nothing connects)."""
    service = Service(
        WallSettings(environment=Environment.TEST, internal_token_keys=keys, **settings),
        title="wall test",
        routers=[router],
        uses_kafka=False,
        internal_wall=wall,
    )
    return TestClient(service.build_app(), raise_server_exceptions=False)


def test_no_token_no_route() -> None:
    answer = client().get("/v1/walltest/me")
    assert answer.status_code == 401
    assert answer.json() == {
        "detail": "missing X-Internal-Token (requests come through the gateway)",
        "code": "unauthorized",
    }
    assert answer.headers["x-correlation-id"]  # the wall stands inside the request context
    assert client().get("/v1/walltest/nowhere").status_code == 401  # not even a 404 to probe the routes
    assert client().get("/openapi.json").status_code == 401


def test_a_forged_creator_header_is_no_token() -> None:
    victim = str(uuid.uuid4())
    answer = client().get("/v1/walltest/me", headers={"X-Creator-Id": victim, "X-User-Id": victim})
    assert answer.status_code == 401
    posted = client().post("/v1/walltest/echo", json={"a": 1}, headers={"X-Creator-Id": victim})
    assert posted.status_code == 401


def test_a_token_of_another_key_or_garbage_is_refused() -> None:
    other, _ = new_key_pair("wall")  # the same kid, another key
    creator = uuid.uuid4()
    forged = client().get("/v1/walltest/me", headers=internal_headers(creator, signing_key=other))
    assert forged.status_code == 401 and forged.json()["detail"] == "invalid X-Internal-Token: bad signature"
    garbage = client().get("/v1/walltest/me", headers={"X-Internal-Token": "not.a.token"})
    assert garbage.status_code == 401 and garbage.json()["code"] == "unauthorized"


def test_a_valid_token_is_the_caller_the_route_sees() -> None:
    creator, user, org = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    headers = internal_headers(creator, user, role="analyst", org_id=org, signing_key=SIGNING)
    forged_creator = {"X-Creator-Id": str(uuid.uuid4())}  # ignored: only the token counts
    answer = client().get("/v1/walltest/me", headers={**headers, **forged_creator})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "creator": str(creator),
        "user": str(user),
        "role": "analyst",
        "org": str(org),
        "bound_creator": str(creator),
    }
    posted = client().post("/v1/walltest/echo", json={"a": 1}, headers=headers)
    assert posted.status_code == 200 and posted.json() == {"creator": str(creator), "a": 1}


def test_probes_and_metrics_need_no_token() -> None:
    app = client()
    assert app.get("/health").status_code == 200
    assert app.get("/ready").status_code == 503  # open, and honest: nothing was started here
    metrics = app.get("/metrics")
    assert metrics.status_code == 200 and "# HELP" in metrics.text


def test_without_keys_the_wall_stays_closed(capsys: pytest.CaptureFixture[str]) -> None:
    app = client("")  # the chassis' JSON logs go to stdout
    warned = [line for line in capsys.readouterr().out.splitlines() if '"logger": "huntaze.wall"' in line]
    assert warned and '"level": "WARNING"' in warned[0] and "HUNTAZE_INTERNAL_TOKEN_KEYS is not set" in warned[0]
    answer = app.get("/v1/walltest/me", headers=internal_headers(uuid.uuid4(), signing_key=SIGNING))
    assert answer.status_code == 401 and "HUNTAZE_INTERNAL_TOKEN_KEYS is not set" in answer.json()["detail"]
    assert app.get("/health").status_code == 200


def test_a_service_without_the_wall_has_no_caller() -> None:
    """The gateway's case (it authenticates callers itself): routes are reached, but nothing
    makes up a caller for them."""
    app = client(wall=False)
    answer = app.get("/v1/walltest/me", headers={"X-Creator-Id": str(uuid.uuid4())})
    assert answer.status_code == 401 and "no verified caller" in answer.json()["detail"]


def test_metrics_on_a_port_of_their_own_leave_the_http_port() -> None:
    app = client(metrics_port=1)
    assert app.get("/metrics").status_code == 404
    server = serve_metrics("walltest", "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/metrics"
        with urllib.request.urlopen(url, timeout=5) as answer:
            assert answer.status == 200 and b"# HELP" in answer.read()
        with urllib.request.urlopen(url, timeout=5) as answer:  # the first scrape is timed like a request
            page = answer.read().decode()
        assert 'huntaze_http_request_duration_seconds_count{method="GET",route="/metrics",service="walltest"' in page
    finally:
        server.shutdown()
        server.server_close()


def test_the_caller_is_a_plain_value() -> None:
    caller = Caller(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "owner")
    assert caller.request_id is None
    with pytest.raises(AttributeError):
        caller.role = "manager"  # type: ignore[misc]
