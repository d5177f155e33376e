"""Wires the gateway: the one place that chooses adapters."""

from __future__ import annotations

from pathlib import Path

import httpx
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from huntaze_service import Runtime, Service, ServiceDefinition

from . import api
from .adapters.repository import SqlGatewayRepository
from .config import GatewaySettings
from .security import TokenCodec


def build(settings: GatewaySettings | None = None) -> Service:
    settings = settings or GatewaySettings()

    async def start(runtime: Runtime) -> None:
        assert settings.jwt_secret is not None
        runtime.state["tokens"] = TokenCodec(
            settings.jwt_secret.get_secret_value(),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_s=settings.jwt_ttl_s,
        )
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.upstream_timeout_s, connect=settings.upstream_connect_timeout_s),
            limits=httpx.Limits(
                max_connections=settings.upstream_max_connections,
                max_keepalive_connections=settings.upstream_max_connections,
                keepalive_expiry=settings.upstream_keepalive_s,
            ),
        )
        HTTPXClientInstrumentor.instrument_client(client, tracer_provider=runtime.tracer_provider)
        runtime.state["upstream"] = client

    async def stop(runtime: Runtime) -> None:
        client = runtime.state.pop("upstream", None)
        if client is not None:
            await client.aclose()

    return Service(
        settings,
        title="Huntaze API",
        routers=[api.auth_router, api.proxy_router],
        repository=SqlGatewayRepository,
        on_startup=[start],
        on_shutdown=[stop],
        uses_kafka=False,
    )


definition = ServiceDefinition(
    name="gateway",
    settings=GatewaySettings,
    build=build,
    migrations=Path(__file__).parent / "migrations",
    summary="the one HTTP entry point: identity, tokens, routing",
)
