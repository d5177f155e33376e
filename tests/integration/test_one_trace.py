"""One fan message, one trace: spans of the gateway, inbox, ai and fans share one trace id.

The four services run in this process (each with its own TracerProvider and service name) so that
their spans land in one in-memory exporter; the subprocess platform is paused meanwhile so that
it does not take partitions from the in-process consumers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from huntaze_testkit import Api, Platform, eventually


def ports() -> dict[str, int]:
    from huntaze_service import discover

    return {name: 10100 + d.default_port for name, d in discover().items()}


PORTS = ports()


@pytest.fixture
async def traced_platform(platform: Platform, infra: Any) -> AsyncIterator[tuple[str, InMemorySpanExporter]]:
    from huntaze_service import discover

    for proc in platform.services.values():
        proc.stop()
    exporter = InMemorySpanExporter()
    routes = {name: f"http://127.0.0.1:{port}" for name, port in PORTS.items() if name != "gateway"}
    services = []
    for name, definition in discover().items():
        extra: dict[str, Any] = {"routes": routes} if name == "gateway" else {}
        services.append(definition.build(definition.settings(http_port=PORTS[name], log_level="WARNING", **extra)))
    servers = []
    for service in services:
        service.span_exporter = exporter
        config = uvicorn.Config(
            service.build_app(), host="127.0.0.1", port=service.settings.http_port, log_config=None, lifespan="on"
        )
        servers.append(uvicorn.Server(config))
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    try:
        await eventually(lambda: all(s.started for s in servers), timeout=60)
        yield f"http://127.0.0.1:{PORTS['gateway']}", exporter
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        for name in platform.services:
            platform.restart(name)


def service_of(span: Any) -> str:
    return str(span.resource.attributes["service.name"])


async def test_one_trace_id_covers_gateway_inbox_ai_and_fans(
    traced_platform: tuple[str, InMemorySpanExporter],
) -> None:
    url, exporter = traced_platform
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        api = await Api.sign_up(client, "Tess")
        exporter.clear()
        posted = await api.post(
            "/v1/inbox/messages",
            json={"fan": {"external_id": "of_trace", "display_name": "Theo"}, "text": "are you online tonight?"},
        )
        assert posted.status_code == 202, posted.text

    def root() -> Any:
        for span in exporter.get_finished_spans():
            if service_of(span) == "gateway" and span.kind is SpanKind.SERVER and span.parent is None:
                return span
        return None

    gateway_span = await eventually(root, timeout=10)
    trace_id = gateway_span.context.trace_id

    def trace_spans() -> list[Any] | None:
        spans = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
        names = {(service_of(s), s.name) for s in spans}
        wanted = {
            ("ai", "message.received.v1 process"),
            ("fans", "message.received.v1 process"),
            ("inbox", "reply.drafted.v1 process"),
        }
        return spans if wanted <= names else None

    spans = await eventually(trace_spans, timeout=30)
    assert {service_of(s) for s in spans} >= {"gateway", "inbox", "ai", "fans"}

    by_id = {s.context.span_id: s for s in spans}

    def ancestry(span: Any) -> list[str]:
        chain = []
        while span is not None:
            chain.append(f"{service_of(span)}:{span.name}")
            span = by_id.get(span.parent.span_id) if span.parent else None
        return chain

    drafted_in_inbox = next(
        s for s in spans if s.name == "reply.drafted.v1 process" and service_of(s) == "inbox"
    )  # billing meters reply.drafted too, with its own consumer span in the same trace
    chain = ancestry(drafted_in_inbox)
    # inbox consumer ← ai relay publish ← ai consumer ← inbox relay publish ← … ← gateway request
    assert chain[0] == "inbox:reply.drafted.v1 process"
    assert "ai:reply.drafted.v1 publish" in chain and "ai:message.received.v1 process" in chain
    metered = [s for s in spans if s.name == "reply.drafted.v1 process" and service_of(s) == "billing"]
    assert metered and all(ancestry(s)[1] == "ai:reply.drafted.v1 publish" for s in metered)
    assert "inbox:message.received.v1 publish" in chain
    assert chain[-1].startswith("gateway:")
    fans_span = next(s for s in spans if service_of(s) == "fans")
    assert by_id[fans_span.parent.span_id].name == "message.received.v1 publish"
