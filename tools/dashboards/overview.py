"""overview.json: every service at once."""

from __future__ import annotations

from typing import Any

from .grafana import Layout, dashboard, datasource_variable, query_variable, row, stat, timeseries
from .shapes import ServiceShape
from .shared import process_panels


def overview(shapes: list[ServiceShape]) -> dict[str, Any]:
    s = 'service=~"$service"'
    layout = Layout()
    layout.add(
        stat(
            "Requests",
            f"sum(service:huntaze_http_requests:rate5m{{{s}}})",
            unit="reqps",
            width=4,
            description="HTTP requests per second, probes excluded (5-minute rate).",
        ),
        stat(
            "5xx ratio",
            f"sum(service:huntaze_http_errors:rate5m{{{s}}}) / sum(service:huntaze_http_requests:rate5m{{{s}}})",
            unit="percentunit",
            width=4,
            thresholds=[(None, "green"), (0.01, "orange"), (0.05, "red")],
        ),
        stat(
            "Consumer lag",
            f"sum(service_topic:huntaze_consumer_lag:sum{{{s}}})",
            width=4,
            thresholds=[(None, "green"), (1000, "orange"), (10000, "red")],
            description="Records not yet applied, every consumer group and topic.",
        ),
        stat(
            "Dead letters (24h)",
            f"sum(increase(huntaze_events_dead_lettered_total{{{s}}}[24h])) or vector(0)",
            width=4,
            thresholds=[(None, "green"), (1, "red")],
        ),
        stat(
            "Oldest outbox row",
            f"max(service:huntaze_outbox_oldest_unpublished_age_seconds:leader{{{s}}})",
            unit="s",
            width=4,
            thresholds=[(None, "green"), (10, "orange"), (60, "red")],
        ),
        stat(
            "Targets down",
            "count(up == 0) or vector(0)",
            width=4,
            thresholds=[(None, "green"), (1, "red")],
            description="Scrape targets Prometheus cannot reach (all jobs).",
        ),
    )
    layout.add(row("HTTP"))
    layout.add(
        timeseries(
            "Request rate by service", (f"service:huntaze_http_requests:rate5m{{{s}}}", "{{service}}"), unit="reqps"
        ),
        timeseries(
            "5xx ratio by service",
            (f"service:huntaze_http_error_ratio:rate5m{{{s}}}", "{{service}}"),
            unit="percentunit",
        ),
        timeseries(
            "Latency by service",
            (f"service:huntaze_http_request_duration_seconds:p50_5m{{{s}}}", "{{service}} p50"),
            (f"service:huntaze_http_request_duration_seconds:p99_5m{{{s}}}", "{{service}} p99"),
            unit="s",
        ),
    )
    layout.add(row("Events"))
    layout.add(
        timeseries(
            "Consumer lag by service and topic",
            (f"service_topic:huntaze_consumer_lag:sum{{{s}}}", "{{service}} · {{topic}}"),
            width=12,
            description="Log end offset minus committed offset, summed over partitions.",
        ),
        timeseries(
            "Events processed by service",
            (f"sum by (service) (rate(huntaze_events_processed_total{{{s}}}[$__rate_interval]))", "{{service}}"),
            unit="ops",
            width=12,
        ),
        timeseries(
            "Events failed by service (attempts)",
            (f"sum by (service) (rate(huntaze_events_failed_total{{{s}}}[$__rate_interval]))", "{{service}}"),
            unit="ops",
            description="Handler attempts that raised; each retry counts.",
        ),
        timeseries(
            "Events dead-lettered by service and reason",
            (
                f"sum by (service, reason) (increase(huntaze_events_dead_lettered_total{{{s}}}[$__rate_interval]))",
                "{{service}} · {{reason}}",
            ),
        ),
        timeseries(
            "Duplicates skipped by service",
            (f"sum by (service) (rate(huntaze_events_duplicate_total{{{s}}}[$__rate_interval]))", "{{service}}"),
            unit="ops",
            description="Redelivered events whose effects were already committed.",
        ),
    )
    layout.add(row("Outbox"))
    layout.add(
        timeseries(
            "Outbox backlog by service",
            (f"service:huntaze_outbox_backlog:leader{{{s}}}", "{{service}}"),
            description="Rows not yet published, as the relay leader last counted them.",
        ),
        timeseries(
            "Oldest unpublished row by service",
            (f"service:huntaze_outbox_oldest_unpublished_age_seconds:leader{{{s}}}", "{{service}}"),
            unit="s",
        ),
        timeseries(
            "Published and relay errors by service",
            (
                f"sum by (service) (rate(huntaze_outbox_published_total{{{s}}}[$__rate_interval]))",
                "{{service}} published",
            ),
            (
                f"sum by (service) (rate(huntaze_outbox_publish_errors_total{{{s}}}[$__rate_interval]))",
                "{{service}} errors",
            ),
            unit="ops",
        ),
    )
    layout.add(row("Timers and external calls"))
    layout.add(
        timeseries("Timers and calls due by service", (f"max by (service) (huntaze_timers_due{{{s}}})", "{{service}}")),
        timeseries(
            "Oldest due timer by service",
            (f"max by (service) (huntaze_timers_oldest_due_age_seconds{{{s}}})", "{{service}}"),
            unit="s",
            description="How late the oldest due, unfired timer or call is.",
        ),
        timeseries(
            "Buried timers and calls by service",
            (f"max by (service) (huntaze_timers_dead{{{s}}})", "{{service}}"),
            description="Timers and calls out of attempts (state dead), waiting for an operator.",
        ),
        timeseries(
            "Timers fired by service",
            (f"sum by (service) (rate(huntaze_timers_fired_total{{{s}}}[$__rate_interval]))", "{{service}}"),
            unit="ops",
        ),
        timeseries(
            "External calls by service and outcome",
            (
                f"sum by (service, outcome) (rate(huntaze_calls_total{{{s}}}[$__rate_interval]))",
                "{{service}} · {{outcome}}",
            ),
            unit="ops",
            width=16,
        ),
    )
    layout.add(row("Processes"))
    layout.add(*process_panels(s))
    names = ", ".join(shape.name for shape in shapes)
    return dashboard(
        "huntaze-overview",
        "Huntaze / Overview",
        f"Every service ({names}): HTTP, events, outbox, timers. Generated by tools/dashboards (make dashboards).",
        layout.panels,
        [
            datasource_variable(),
            query_variable("service", "Service", "label_values(huntaze_http_request_duration_seconds_count, service)"),
        ],
    )
