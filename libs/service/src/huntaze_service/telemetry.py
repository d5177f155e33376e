"""OpenTelemetry tracing: one TracerProvider per service runtime, W3C trace context everywhere.

The trace of a fan's message: gateway HTTP span → its httpx client span → inbox HTTP span → the
outbox row (the envelope's ``traceparent``) → the relay's PRODUCER span → the Kafka headers → the
ai CONSUMER span → its outbox row → … → the inbox and fans CONSUMER spans. One trace id.

Spans are always created (they carry the ids that travel in events); they are exported over OTLP
only when ``<SERVICE>_OTEL_EXPORTER_OTLP_ENDPOINT`` is set, or to the exporter a test passes in.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()


def build_tracer_provider(
    service: str, otlp_endpoint: str | None = None, exporter: SpanExporter | None = None
) -> TracerProvider:
    """The service's provider; ``exports(provider)`` tells whether its spans go anywhere."""
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        provider.huntaze_exports = True  # type: ignore[attr-defined]
    elif otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = otlp_endpoint.rstrip("/")
        if not endpoint.endswith("/v1/traces"):
            endpoint += "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        provider.huntaze_exports = True  # type: ignore[attr-defined]
    return provider


def exports(provider: TracerProvider) -> bool:
    """Whether spans of this provider are exported. When they are not, the chassis skips its
    per-event consumer and relay spans (the costly ones) and events simply carry their cause's
    trace context; HTTP spans are kept, so a request still starts a trace."""
    return bool(getattr(provider, "huntaze_exports", False))


def context_from(traceparent: str | None, tracestate: str | None = None) -> Context:
    """The remote parent described by a W3C traceparent (an empty context when there is none)."""
    carrier = {}
    if traceparent:
        carrier["traceparent"] = traceparent
        if tracestate:
            carrier["tracestate"] = tracestate
    return _PROPAGATOR.extract(carrier)


def carrier_of(span_or_context: trace.Span | Context | None = None) -> tuple[str | None, str | None]:
    """(traceparent, tracestate) of a span, a context, or the current span."""
    if isinstance(span_or_context, trace.Span):
        ctx: Context | None = trace.set_span_in_context(span_or_context)
    else:
        ctx = span_or_context
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=ctx)
    return carrier.get("traceparent"), carrier.get("tracestate")


def trace_ids() -> dict[str, str]:
    """trace_id/span_id of the current span, for log records."""
    span = trace.get_current_span()
    sc = span.get_span_context()
    if not sc.is_valid:
        return {}
    return {"trace_id": format(sc.trace_id, "032x"), "span_id": format(sc.span_id, "016x")}
