"""<service>.json: one service, with the sections its definition calls for."""

from __future__ import annotations

from typing import Any

from .grafana import (
    PROBES,
    Layout,
    constant_variable,
    dashboard,
    datasource_variable,
    query_variable,
    row,
    stat,
    timeseries,
)
from .shapes import ServiceShape
from .shared import process_panels


def service_dashboard(shape: ServiceShape) -> dict[str, Any]:
    s = 'service="$service"'
    si = 'service="$service", instance=~"$instance"'
    layout = Layout()
    layout.add(
        stat("Requests", f"service:huntaze_http_requests:rate5m{{{s}}}", unit="reqps"),
        stat(
            "5xx ratio",
            f"service:huntaze_http_error_ratio:rate5m{{{s}}}",
            unit="percentunit",
            thresholds=[(None, "green"), (0.01, "orange"), (0.05, "red")],
        ),
        stat(
            "p99 latency",
            f"service:huntaze_http_request_duration_seconds:p99_5m{{{s}}}",
            unit="s",
            thresholds=[(None, "green"), (1, "orange"), (2.5, "red")],
        ),
        stat(
            "Processes",
            f'count(group by (instance) (huntaze_http_request_duration_seconds_count{{{s}, route="/metrics"}}))',
            description="Processes of this service that Prometheus scrapes (api and worker roles).",
        ),
    )
    if shape.uses_kafka:
        layout.add(
            stat(
                "Consumer lag",
                f"sum(service_topic:huntaze_consumer_lag:sum{{{s}}}) or vector(0)",
                thresholds=[(None, "green"), (1000, "orange"), (10000, "red")],
            ),
            stat(
                "Oldest outbox row",
                f"service:huntaze_outbox_oldest_unpublished_age_seconds:leader{{{s}}}",
                unit="s",
                thresholds=[(None, "green"), (10, "orange"), (60, "red")],
            ),
        )
    http = f"{si}, {PROBES}"
    routes = ", ".join(shape.routes) or "none"
    layout.add(row("HTTP routes"))
    layout.add(
        timeseries(
            "Requests by route",
            (
                f"sum by (method, route) (rate(huntaze_http_request_duration_seconds_count{{{http}}}[$__rate_interval]))",
                "{{method}} {{route}}",
            ),
            unit="reqps",
            width=12,
            description=f"Routes: {routes}.",
        ),
        timeseries(
            "Responses by status",
            (
                f"sum by (status) (rate(huntaze_http_request_duration_seconds_count{{{http}}}[$__rate_interval]))",
                "{{status}}",
            ),
            unit="reqps",
            width=12,
            stack=True,
        ),
        timeseries(
            "p50 latency by route",
            (
                f"histogram_quantile(0.5, sum by (method, route, le) (rate(huntaze_http_request_duration_seconds_bucket{{{http}}}[$__rate_interval])))",
                "{{method}} {{route}}",
            ),
            unit="s",
        ),
        timeseries(
            "p99 latency by route",
            (
                f"histogram_quantile(0.99, sum by (method, route, le) (rate(huntaze_http_request_duration_seconds_bucket{{{http}}}[$__rate_interval])))",
                "{{method}} {{route}}",
            ),
            unit="s",
        ),
        timeseries(
            "Errors by route (4xx and 5xx)",
            (
                f'sum by (method, route, status) (rate(huntaze_http_request_duration_seconds_count{{{http}, status=~"4..|5.."}}[$__rate_interval]))',
                "{{status}} {{method}} {{route}}",
            ),
            unit="reqps",
        ),
    )
    if shape.consumers:
        consumers = ", ".join(f"{c} ← {t}" for c, t in shape.consumers)
        layout.add(row("Consumers"))
        layout.add(
            timeseries(
                "Events processed by consumer",
                (
                    f"sum by (consumer, topic) (rate(huntaze_events_processed_total{{{si}}}[$__rate_interval]))",
                    "{{consumer}} ← {{topic}}",
                ),
                unit="ops",
                width=12,
                description=f"Subscriptions: {consumers}.",
            ),
            timeseries(
                "Consumer lag by topic",
                (f"service_topic:huntaze_consumer_lag:sum{{{s}}}", "{{topic}}"),
                (f"max by (topic, partition) (huntaze_consumer_lag{{{si}}})", "{{topic}} [{{partition}}]"),
                width=12,
                description="Per topic, and per partition as the worker that holds it reports it.",
            ),
            timeseries(
                "Handler duration by consumer",
                (
                    f"histogram_quantile(0.5, sum by (consumer, le) (rate(huntaze_handler_duration_seconds_bucket{{{si}}}[$__rate_interval])))",
                    "{{consumer}} p50",
                ),
                (
                    f"histogram_quantile(0.99, sum by (consumer, le) (rate(huntaze_handler_duration_seconds_bucket{{{si}}}[$__rate_interval])))",
                    "{{consumer}} p99",
                ),
                unit="s",
                description="One batch: decode, idempotency record, effects, commit.",
            ),
            timeseries(
                "Batch size by consumer",
                (
                    f"sum by (consumer) (rate(huntaze_consumer_batch_size_sum{{{si}}}[$__rate_interval])) / sum by (consumer) (rate(huntaze_consumer_batch_size_count{{{si}}}[$__rate_interval]))",
                    "{{consumer}} mean",
                ),
                (
                    f"histogram_quantile(0.99, sum by (consumer, le) (rate(huntaze_consumer_batch_size_bucket{{{si}}}[$__rate_interval])))",
                    "{{consumer}} p99",
                ),
            ),
            timeseries(
                "Duplicates skipped by consumer",
                (f"sum by (consumer) (rate(huntaze_events_duplicate_total{{{si}}}[$__rate_interval]))", "{{consumer}}"),
                unit="ops",
            ),
            timeseries(
                "Failed attempts by consumer and error",
                (
                    f"sum by (consumer, error) (rate(huntaze_events_failed_total{{{si}}}[$__rate_interval]))",
                    "{{consumer}} · {{error}}",
                ),
                unit="ops",
                width=12,
            ),
            timeseries(
                "Dead-lettered by consumer and reason",
                (
                    f"sum by (consumer, reason) (increase(huntaze_events_dead_lettered_total{{{si}}}[$__rate_interval]))",
                    "{{consumer}} · {{reason}}",
                ),
                width=12,
            ),
        )
    if shape.uses_kafka:
        layout.add(row("Outbox relay"))
        layout.add(
            timeseries(
                "Outbox backlog and oldest row",
                (f"service:huntaze_outbox_backlog:leader{{{s}}}", "backlog (rows)"),
                (f"service:huntaze_outbox_oldest_unpublished_age_seconds:leader{{{s}}}", "oldest (s)"),
            ),
            timeseries(
                "Published and relay errors",
                (f"sum(rate(huntaze_outbox_published_total{{{si}}}[$__rate_interval]))", "published"),
                (f"sum(rate(huntaze_outbox_publish_errors_total{{{si}}}[$__rate_interval]))", "failed batches"),
                unit="ops",
            ),
            timeseries(
                "Relay batch duration",
                (
                    f"histogram_quantile(0.5, sum by (le) (rate(huntaze_relay_batch_duration_seconds_bucket{{{si}}}[$__rate_interval])))",
                    "p50",
                ),
                (
                    f"histogram_quantile(0.99, sum by (le) (rate(huntaze_relay_batch_duration_seconds_bucket{{{si}}}[$__rate_interval])))",
                    "p99",
                ),
                unit="s",
            ),
            timeseries(
                "Relay leader",
                (f"huntaze_outbox_relay_leader{{{si}}}", "{{instance}}"),
                width=24,
                description="1 on the one process that publishes the outbox; the others stand by.",
            ),
        )
    if shape.timers or shape.calls:
        kinds = ", ".join([*(f"timer {k}" for k in shape.timers), *(f"call {k}" for k in shape.calls)])
        layout.add(row("Timers and external calls"))
        layout.add(
            timeseries(
                "Due, buried, oldest due",
                (f"max(huntaze_timers_due{{{s}}})", "due"),
                (f"max(huntaze_timers_dead{{{s}}})", "buried (dead)"),
                (f"max(huntaze_timers_oldest_due_age_seconds{{{s}}})", "oldest due (s)"),
                description=f"Kinds: {kinds}.",
            ),
            timeseries(
                "Fired, failed and buried by kind",
                (f"sum by (kind) (rate(huntaze_timers_fired_total{{{si}}}[$__rate_interval]))", "{{kind}} fired"),
                (f"sum by (kind) (rate(huntaze_timers_failed_total{{{si}}}[$__rate_interval]))", "{{kind}} failed"),
                (
                    f"sum by (kind) (rate(huntaze_timers_dead_lettered_total{{{si}}}[$__rate_interval]))",
                    "{{kind}} buried",
                ),
                unit="ops",
            ),
            timeseries(
                "Timer lateness by kind (p99)",
                (
                    f"histogram_quantile(0.99, sum by (kind, le) (rate(huntaze_timer_lateness_seconds_bucket{{{si}}}[$__rate_interval])))",
                    "{{kind}}",
                ),
                unit="s",
                description="From a timer's due time to its handler's start.",
            ),
        )
        if shape.calls:
            layout.add(
                timeseries(
                    "External calls by kind and outcome",
                    (
                        f"sum by (kind, outcome) (rate(huntaze_calls_total{{{si}}}[$__rate_interval]))",
                        "{{kind}} · {{outcome}}",
                    ),
                    unit="ops",
                    width=12,
                ),
                timeseries(
                    "External call duration by kind",
                    (
                        f"histogram_quantile(0.5, sum by (kind, le) (rate(huntaze_call_duration_seconds_bucket{{{si}}}[$__rate_interval])))",
                        "{{kind}} p50",
                    ),
                    (
                        f"histogram_quantile(0.99, sum by (kind, le) (rate(huntaze_call_duration_seconds_bucket{{{si}}}[$__rate_interval])))",
                        "{{kind}} p99",
                    ),
                    unit="s",
                    width=12,
                    description="Time the remote peer took to answer.",
                ),
            )
    layout.add(row("Processes"))
    layout.add(*process_panels(si))
    return dashboard(
        f"huntaze-{shape.name}",
        f"Huntaze / {shape.name}",
        f"{shape.name}: {shape.summary or 'a Huntaze service'}. Generated by tools/dashboards (make dashboards).",
        layout.panels,
        [
            datasource_variable(),
            constant_variable("service", shape.name),
            query_variable(
                "instance",
                "Process",
                f'label_values(huntaze_http_request_duration_seconds_count{{service="{shape.name}"}}, instance)',
            ),
        ],
    )
