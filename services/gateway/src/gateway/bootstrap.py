"""Wires the gateway: the one place that chooses adapters."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from opentelemetry.instrumentation.aiohttp_client import create_trace_config

from huntaze_service import InternalTokenSigner, Runtime, Service, ServiceDefinition, Subscriptions

from . import public_api
from .adapters.repository import SqlGatewayRepository
from .api import ROUTERS
from .api.access import AccessCache
from .api.deps import PlanLimitRefused, plan_limit_answer
from .config import GatewaySettings
from .handlers import billing
from .routing import BODY_LIMITS
from .security import TokenCodec
from .throttle import Throttle


class GatewayService(Service):
    """The gateway's app: a service's, plus CORS for the frontend's origins (outermost), and the
    public API's one document at /openapi.json and /docs when they are on."""

    def build_app(self) -> FastAPI:
        app = super().build_app()
        settings = self.settings
        assert isinstance(settings, GatewaySettings)
        public_api.install(app)  # the gateway's own routes and every service's (GATEWAY_DOCS_ENABLED)
        app.add_exception_handler(PlanLimitRefused, plan_limit_answer)  # 402 with the limit and the plan
        if settings.cors_origins:
            app.add_middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_credentials=settings.cors_allow_credentials,
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=["authorization", "content-type", "idempotency-key", "x-creator-id", "x-organization-id"],
                expose_headers=["retry-after", "location", "x-correlation-id"],
                max_age=600,
            )
        return app


def build(settings: GatewaySettings | None = None) -> Service:
    settings = settings or GatewaySettings()

    async def start(runtime: Runtime) -> None:
        runtime.state["tokens"] = TokenCodec(
            settings.jwt_keys(), issuer=settings.jwt_issuer, audience=settings.jwt_audience, ttl_s=settings.jwt_ttl_s
        )
        assert settings.internal_signing_key is not None
        runtime.state["internal_tokens"] = InternalTokenSigner(settings.internal_signing_key.get_secret_value())
        runtime.state["access_cache"] = AccessCache(settings.access_cache_s)
        runtime.state["throttle"] = Throttle(
            settings.rate_limit_storage,
            per_account=settings.login_rate_per_account,
            per_address=settings.login_rate_per_address,
            signup_per_address=settings.signup_rate_per_address,
            webhook_per_address=settings.webhook_rate_per_address,
        )
        # aiohttp rather than httpx for the hot path: profiled under load, httpx spent more than half
        # of the gateway's time in its connection pool's bookkeeping (per request, over every pooled
        # connection); aiohttp's pool and C parser cost a fraction of that.
        runtime.state["upstream"] = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=settings.upstream_max_connections, keepalive_timeout=settings.upstream_keepalive_s
            ),
            timeout=aiohttp.ClientTimeout(
                total=settings.upstream_timeout_s, connect=settings.upstream_connect_timeout_s
            ),
            trace_configs=[create_trace_config(tracer_provider=runtime.tracer_provider)],
            skip_auto_headers=("User-Agent",),
        )

    async def stop(runtime: Runtime) -> None:
        client = runtime.state.pop("upstream", None)
        if client is not None:
            await client.close()

    subscriptions = Subscriptions()
    billing.subscribe(subscriptions)  # entitlement.changed → the plan's limits (a worker's duty)

    return GatewayService(
        settings,
        title="Huntaze API",
        routers=ROUTERS,
        repository=SqlGatewayRepository,
        subscriptions=subscriptions,
        on_startup=[start],
        on_shutdown=[stop],
        # it produces (shift.scheduled, shift.cancelled, organization.updated): a producer and the outbox
        # relay run in every process; it consumes entitlement.changed (the plan's limits) in its worker
        # role (make run / tests: role all; Kubernetes: the gateway-worker deployment)
        uses_kafka=True,
        # sign-in, tokens and forwarding do not need Kafka; its events wait in the outbox: a Kafka
        # outage shows as "degraded" in /ready and leaves the entry point up
        kafka_gates_readiness=False,
        internal_wall=False,  # the public entry point: it checks bearer tokens and signs internal ones
        untraced_paths=("/l/", "/v1/calendar.ics"),  # a span per click cost a third of /l/ (B9); .ics: a token in its URL
        body_limits=BODY_LIMITS,
        api_docs=bool(settings.docs_enabled),
    )


definition = ServiceDefinition(
    name="gateway",
    settings=GatewaySettings,
    build=build,
    migrations=Path(__file__).parent / "migrations",
    summary="the one HTTP entry point: identity, organisations and roles, tokens, keys, routing",
)
