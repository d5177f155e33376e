"""Shared test harness.

Integration tests (any test under an ``integration/`` folder) run on the real Kafka broker and the
real PostgreSQL that ``make test`` starts (tools/test.sh exports their addresses). If they are
missing, the tests fail with a message saying so: they never skip.

Fixtures:
- ``infra``: the addresses of Kafka and the databases;
- ``platform``: every service running as its own process, on test ports, with their logs in
  .data/<profile>/logs/services; a test may SIGKILL and restart any of them;
- ``event_tap``: a plain aiokafka consumer collecting the records of the event topics.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from huntaze_service import discover
from huntaze_testkit import EventTap, Platform, ServiceProcess, webhook_receiver

ROOT = Path(__file__).resolve().parent
DEFINITIONS = discover()  # every service, found through its "huntaze.services" entry point
SERVICES = sorted(DEFINITIONS)
TEST_PORT_OFFSET = int(os.environ.get("HUNTAZE_TEST_PORT_OFFSET", "10000"))  # per infra profile (tools/infra.py)
TEST_PORTS = {name: TEST_PORT_OFFSET + d.default_port for name, d in DEFINITIONS.items()}
TEST_METRICS_PORTS = {"gateway": TEST_PORT_OFFSET + 9100}  # its /metrics are off its public port
TEST_LOGDIR = Path(os.environ.get("HUNTAZE_TEST_LOGDIR") or ROOT / ".data" / "test" / "logs")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.integration)


# ---------------------------------------------------------------------------------------------
# Infrastructure
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Infra:
    kafka: str
    database_urls: dict[str, str]
    env: dict[str, str]

    def url(self, name: str) -> str:
        return self.database_urls[name]


@pytest.fixture(scope="session")
def infra() -> Infra:
    required = ["KAFKA_BOOTSTRAP_SERVERS"] + [f"{s.upper()}_DATABASE_URL" for s in SERVICES + ["sandbox"]]
    missing = [name for name in required if not os.environ.get(name)]
    if missing:
        pytest.fail(
            "integration tests need the real Kafka and PostgreSQL: run them with `make test` "
            f"(missing {', '.join(missing)})",
            pytrace=False,
        )
    kafka = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    host, port = kafka.split(",")[0].rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
    except OSError as exc:
        pytest.fail(f"Kafka is not reachable at {kafka}: {exc}", pytrace=False)
    urls = {s: os.environ[f"{s.upper()}_DATABASE_URL"] for s in SERVICES + ["sandbox"]}
    return Infra(kafka=kafka, database_urls=urls, env=dict(os.environ))


# ---------------------------------------------------------------------------------------------
# Services as processes
# ---------------------------------------------------------------------------------------------


def service_env(infra: Infra, **extra: str) -> dict[str, str]:
    env = dict(infra.env)
    for name, port in TEST_PORTS.items():
        env[f"{name.upper()}_HTTP_PORT"] = str(port)
        if name != "gateway":
            env[f"GATEWAY_ROUTES__{name.upper()}"] = f"http://127.0.0.1:{port}"
    for name, port in TEST_METRICS_PORTS.items():
        env[f"{name.upper()}_METRICS_PORT"] = str(port)
    env.setdefault("GATEWAY_JWT_SECRET", "test-secret-" + uuid.uuid4().hex)
    # every test signs up from 127.0.0.1: the per-address limits would throttle the suite itself (the
    # per-account limit, the one against password guessing, stays at its default and is tested)
    env.setdefault("GATEWAY_SIGNUP_RATE_PER_ADDRESS", "100000/minute")
    env.setdefault("GATEWAY_LOGIN_RATE_PER_ADDRESS", "100000/minute")
    env.setdefault("GATEWAY_CORS_ORIGINS", '["https://app.huntaze.test"]')
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("FANS_MAX_IMPORT_BYTES", str(4 * 1024 * 1024))  # so a test can exceed it cheaply
    # new organisations start on the agency plan here, so that tests of other features are not capped by
    # the free plan (1 creator, 2 seats, 100 AI texts…); billing's tests assert it and move them explicitly
    env.setdefault("BILLING_DEFAULT_PLAN", "agency")
    env.setdefault("BILLING_GRACE_PERIOD_S", "3")  # a failed payment's grace: 3 s, not 7 days
    env.setdefault("AI_PRICING_FIRST_REVIEW_S", "15")  # a creator's first pricing review: 15 s, not 5 minutes
    env.setdefault("AI_ANOMALY_FIRST_CHECK_S", "20")  # a creator's first anomaly check: 20 s, not 10 minutes
    env.setdefault("INBOX_UNANSWERED_AFTER_S", "15")  # a fan unanswered for 15 s alerts those on shift, not 15 min
    env.setdefault("ANALYTICS_ATTRIBUTION_SETTLE_S", "1")  # a sale's attribution waits 1 s, not a minute
    env.setdefault("ANALYTICS_WEEKLY_FIRST_S", "5")  # a creator's first weekly summary: 5 s after revenue, not 1 h
    # webhooks: the suite's receiver (huntaze_testkit.webhook_receiver) is plain http on 127.0.0.1, the one
    # private target allowed; retries on a compressed clock (0.5 s doubling to 2 s, given up after 60 s, an
    # endpoint disabled after 20 s of failures: production waits 30 s doubling to 1 h, for a day)
    env.setdefault("NOTIFICATIONS_WEBHOOK_ALLOW_HTTP", "true")
    env.setdefault("NOTIFICATIONS_WEBHOOK_PRIVATE_TARGETS", json.dumps([f"127.0.0.1:{webhook_receiver.suite_port()}"]))
    env.setdefault("NOTIFICATIONS_WEBHOOK_FIRST_RETRY_S", "0.5")
    env.setdefault("NOTIFICATIONS_WEBHOOK_MAX_RETRY_S", "2")
    env.setdefault("NOTIFICATIONS_WEBHOOK_RETRY_FOR_S", "60")
    env.setdefault("NOTIFICATIONS_WEBHOOK_DISABLE_AFTER_S", "20")
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def platform(infra: Infra) -> Iterator[Platform]:
    from huntaze_testkit.social import InstagramPeer, RedditPeer, TikTokPeer, XPeer

    x_peer, reddit_peer = XPeer(tokens={"x-token-mia": "4242"}), RedditPeer(tokens={"reddit-token-mia": "mia"})
    instagram_peer = InstagramPeer(tokens={"ig-token-mia": "17841400000000042"})
    tiktok_peer = TikTokPeer(tokens={"tiktok-token-mia": "open-id-mia"})
    social = {"x": x_peer, "reddit": reddit_peer, "instagram": instagram_peer, "tiktok": tiktok_peer}
    for peer in social.values():
        peer.__enter__()
    env = service_env(
        infra,
        MARKETING_X_API_BASE_URL=x_peer.url,
        MARKETING_MEDIA_FETCH_ORIGINS=x_peer.media_fetch_origins,
        MARKETING_REDDIT_API_BASE_URL=reddit_peer.url,
        MARKETING_INSTAGRAM_API_BASE_URL=f"{instagram_peer.url}/v21.0",
        MARKETING_TIKTOK_API_BASE_URL=tiktok_peer.url,
    )
    logdir = TEST_LOGDIR
    logdir.mkdir(parents=True, exist_ok=True)
    platform = Platform(env, peers=dict(social))
    for name in SERVICES:
        platform.services[name] = ServiceProcess(
            name, TEST_PORTS[name], env, logdir, metrics_port=TEST_METRICS_PORTS.get(name)
        )
    try:
        for proc in platform.services.values():
            proc.start()
        for proc in platform.services.values():
            proc.wait_ready()
        yield platform
    finally:
        for proc in platform.services.values():
            proc.stop()
        for peer in social.values():
            peer.__exit__(None, None, None)


# ---------------------------------------------------------------------------------------------
# Reading the event streams like an analyst would: a plain aiokafka consumer
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
async def event_tap(infra: Infra) -> AsyncIterator[EventTap]:
    from huntaze_events import REGISTRY

    topics = [s.topic for s in REGISTRY] + [s.dlq_topic for s in REGISTRY]
    tap = EventTap(infra.kafka, topics)
    await tap.start()
    yield tap
    await tap.stop()


@pytest.fixture
async def gateway(platform: Platform) -> AsyncIterator[Any]:
    """An HTTP client on the gateway, as the frontend would hold one."""
    import httpx

    async with httpx.AsyncClient(base_url=platform.gateway, timeout=30) as client:
        yield client
