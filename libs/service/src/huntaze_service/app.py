"""A service definition (settings, routes, subscriptions, repositories) and its ASGI app.

``Service`` is what a service's ``bootstrap.build`` returns; ``service.build_app()`` is the ASGI app
whose lifespan starts and stops the :class:`~huntaze_service.runtime.Runtime`.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace.export import SpanExporter

from .conflicts import ConflictRetryMiddleware
from .http import BodyLimitMiddleware, RequestContextMiddleware, install_error_handlers, install_probes
from .logs import configure_logging
from .runtime import Runtime
from .settings import ServiceSettings
from .subscriptions import Subscriptions
from .telemetry import build_tracer_provider
from .wall import InternalWallMiddleware, verifier_of

log = logging.getLogger("huntaze.app")

Hook = Callable[[Runtime[Any]], Awaitable[None]]


class Service:
    """A service: settings, HTTP routers, what its workers do, its repositories, startup hooks."""

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        title: str,
        routers: Sequence[APIRouter] = (),
        subscriptions: Subscriptions | None = None,
        repository: Callable[[Any], Any] | None = None,
        on_startup: Sequence[Hook] = (),
        on_shutdown: Sequence[Hook] = (),
        uses_kafka: bool = True,
        kafka_gates_readiness: bool = True,
        span_exporter: SpanExporter | None = None,
        body_limits: Mapping[str, int] | None = None,
        internal_wall: bool = True,
        api_docs: bool = True,
        untraced_paths: Sequence[str] = (),
    ) -> None:
        self.settings = settings
        self.title = title
        self.routers = list(routers)
        self.subscriptions = subscriptions if subscriptions is not None else Subscriptions()
        self.repository = repository
        self.on_startup = list(on_startup)
        self.on_shutdown = list(on_shutdown)
        self.uses_kafka = uses_kafka
        self.kafka_gates_readiness = kafka_gates_readiness
        self.body_limits = dict(body_limits or {})
        """Path prefix → largest request body, for batch and upload routes (default: max_request_bytes)."""
        self.internal_wall = internal_wall
        """Every route but the probes requires the gateway's internal token (:mod:`.wall`); only the
        gateway, the public entry point, turns it off."""
        self.untraced_paths = tuple(untraced_paths)
        """Path prefixes served without a server span (like the probes): a hot public route whose
        tracing would cost more than the work it does (the tracking-link redirect)."""
        self.api_docs = api_docs
        """Whether the app serves its OpenAPI document (``/openapi.json``) and ``/docs``."""
        self.span_exporter = span_exporter
        """Tests pass an in-memory exporter; otherwise OTLP when configured, else no export."""
        self.freeze_heap_after_start = False
        """Set by ``serve`` (one service per process): see :func:`freeze_startup_heap`."""

    def runtime(self, provider: Any = None) -> Runtime[Any]:
        return Runtime(
            self.settings,
            self.subscriptions,
            repository=self.repository,
            uses_kafka=self.uses_kafka,
            kafka_gates_readiness=self.kafka_gates_readiness,
            tracer_provider=provider,
        )

    def build_app(self) -> FastAPI:
        settings = self.settings
        configure_logging(settings.service_name, settings.log_level, settings.log_json)
        provider = build_tracer_provider(
            settings.service_name, settings.otel_exporter_otlp_endpoint, exporter=self.span_exporter
        )
        runtime = self.runtime(provider)

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            await runtime.start()
            try:
                for hook in self.on_startup:
                    await hook(runtime)
                if self.freeze_heap_after_start:
                    freeze_startup_heap()
                yield
            finally:
                try:
                    await runtime.stop()  # the workers finish first, with the clients the hooks close
                finally:
                    for hook in self.on_shutdown:
                        await hook(runtime)

        no_docs: dict[str, Any] = {} if self.api_docs else {"openapi_url": None, "docs_url": None, "redoc_url": None}
        app = FastAPI(title=self.title, lifespan=lifespan, version="1", **no_docs)
        app.state.runtime = runtime
        install_error_handlers(app)
        install_probes(app, runtime.readiness, metrics_route=settings.metrics_port is None)
        if settings.role.serves_http_api:
            for router in self.routers:
                app.include_router(router)
        # outermost last: context and timing → the wall → the body limit → conflict replays → the routes
        app.add_middleware(ConflictRetryMiddleware, service=settings.service_name)
        app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes, limits=self.body_limits)
        if self.internal_wall:
            app.add_middleware(
                InternalWallMiddleware, verifier=verifier_of(settings.internal_token_keys, settings.service_name)
            )
        app.add_middleware(RequestContextMiddleware, service=settings.service_name)
        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=provider,
            excluded_urls=",".join(("/health", "/ready", "/metrics", *(f"//[^/]+{p}" for p in self.untraced_paths))),
            exclude_spans=["receive", "send"],
        )
        return app


def freeze_startup_heap() -> None:
    """Moves everything allocated during startup (modules, classes, pydantic and SQLAlchemy
    metadata, routes: ~160,000 objects) to the collector's permanent generation.

    Those objects live as long as the process, yet every full (generation-2) collection walked
    them all: measured in a consumer under load, that was a 100–200 ms pause every few seconds,
    which every event arriving during it waits out (it set B3's p99). After the freeze a full
    collection only walks what was allocated since."""
    gc.collect()
    gc.freeze()
    log.debug("froze %d startup objects out of the collector's reach", gc.get_freeze_count())
