"""Prometheus metrics of the chassis. One set per process, labelled by service."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server


@dataclass(frozen=True)
class ChassisMetrics:
    events_processed: Counter
    events_duplicate: Counter
    events_failed: Counter
    events_dead_lettered: Counter
    handler_seconds: Histogram
    batch_size: Histogram
    outbox_published: Counter
    outbox_publish_errors: Counter
    outbox_backlog: Gauge
    outbox_oldest_age_seconds: Gauge
    relay_batch_seconds: Histogram
    relay_leader: Gauge
    http_request_seconds: Histogram
    http_conflict_retries: Counter
    consumer_lag: Gauge
    timers_due: Gauge
    timers_fired: Counter
    timer_lateness: Histogram
    timers_failed: Counter
    timers_dead: Counter
    timers_dead_now: Gauge
    timers_oldest_due_age: Gauge
    calls: Counter
    call_seconds: Histogram


@cache
def metrics() -> ChassisMetrics:
    """Created on first use (never at import), then shared by every runtime in the process."""
    return ChassisMetrics(
        events_processed=Counter(
            "huntaze_events_processed_total",
            "Events whose effects were committed by a consumer",
            ["service", "consumer", "topic"],
        ),
        events_duplicate=Counter(
            "huntaze_events_duplicate_total",
            "Redelivered events skipped because their effects were already committed",
            ["service", "consumer", "topic"],
        ),
        events_failed=Counter(
            "huntaze_events_failed_total",
            "Handler attempts that raised (each retry counts)",
            ["service", "consumer", "topic", "error"],
        ),
        events_dead_lettered=Counter(
            "huntaze_events_dead_lettered_total",
            "Messages sent to a dead-letter topic",
            ["service", "consumer", "topic", "reason"],
        ),
        handler_seconds=Histogram(
            "huntaze_handler_duration_seconds",
            "Time to apply one batch (decode, idempotency record, effects, commit)",
            ["service", "consumer"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        ),
        batch_size=Histogram(
            "huntaze_consumer_batch_size",
            "Records per consumed batch",
            ["service", "consumer"],
            buckets=(1, 2, 5, 10, 25, 50, 100, 200, 500, 1000),
        ),
        outbox_published=Counter("huntaze_outbox_published_total", "Outbox rows published to Kafka", ["service"]),
        outbox_publish_errors=Counter(
            "huntaze_outbox_publish_errors_total", "Relay batches that failed to publish", ["service"]
        ),
        outbox_backlog=Gauge("huntaze_outbox_backlog", "Outbox rows not yet published", ["service"]),
        outbox_oldest_age_seconds=Gauge(
            "huntaze_outbox_oldest_unpublished_age_seconds",
            "Age of the oldest unpublished outbox row (0 when empty)",
            ["service"],
        ),
        relay_batch_seconds=Histogram(
            "huntaze_relay_batch_duration_seconds",
            "Time to claim, publish and mark one relay batch",
            ["service"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        ),
        relay_leader=Gauge(
            "huntaze_outbox_relay_leader",
            "1 when this process's relay publishes the outbox (one per service)",
            ["service"],
        ),
        http_request_seconds=Histogram(
            "huntaze_http_request_duration_seconds",
            "HTTP request latency",
            ["service", "method", "route", "status"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        ),
        http_conflict_retries=Counter(
            "huntaze_http_conflict_retries_total",
            "Requests run again because their transaction lost a deadlock or serialization conflict",
            ["service"],
        ),
        consumer_lag=Gauge(
            "huntaze_consumer_lag",
            "Records not yet processed: log end offset minus committed offset",
            ["service", "consumer", "topic", "partition"],
        ),
        timers_due=Gauge("huntaze_timers_due", "Timers and calls due and not fired yet", ["service"]),
        timers_fired=Counter("huntaze_timers_fired_total", "Timers fired (effects committed)", ["service", "kind"]),
        timer_lateness=Histogram(
            "huntaze_timer_lateness_seconds",
            "From a timer's due time to its handler's start",
            ["service", "kind"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
        ),
        timers_failed=Counter(
            "huntaze_timers_failed_total",
            "Timer firings that raised (each attempt counts)",
            ["service", "kind", "error"],
        ),
        timers_dead=Counter(
            "huntaze_timers_dead_lettered_total",
            "Timers and calls buried (state dead) after their attempts",
            ["service", "kind"],
        ),
        timers_dead_now=Gauge("huntaze_timers_dead", "Buried timers and calls waiting for an operator", ["service"]),
        timers_oldest_due_age=Gauge(
            "huntaze_timers_oldest_due_age_seconds", "Age of the oldest due, unfired timer (0 when none)", ["service"]
        ),
        calls=Counter(
            "huntaze_calls_total",
            "External call attempts by outcome (done, retry, refused, exhausted, reconciled, lease_lost)",
            ["service", "kind", "outcome"],
        ),
        call_seconds=Histogram(
            "huntaze_call_duration_seconds",
            "Time a remote peer took to answer an external call",
            ["service", "kind"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        ),
    )


def serve_metrics(service: str, host: str, port: int) -> Any:
    """Serves ``/metrics`` on a port of its own (a daemon thread; ``metrics_port`` set: the
    gateway's public port carries no metrics). Each scrape is timed as a ``GET /metrics`` request,
    as the HTTP port's route would be: the dashboards count instances and join the process metrics
    on that sample."""
    server, _ = start_http_server(port, addr=host, registry=_TimedScrape(service))  # type: ignore[arg-type]
    return server


class _TimedScrape:
    """The process registry, timing each collection as a ``GET /metrics``."""

    def __init__(self, service: str) -> None:
        self.service = service

    def collect(self) -> Iterator[Any]:
        started = time.perf_counter()
        yield from REGISTRY.collect()
        metrics().http_request_seconds.labels(self.service, "GET", "/metrics", "200").observe(
            time.perf_counter() - started
        )

    def restricted_registry(self, names: Any) -> Any:
        return REGISTRY.restricted_registry(names)
