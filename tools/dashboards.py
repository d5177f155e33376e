"""Grafana dashboards of Huntaze, generated from the services the platform finds.

`make dashboards` (python tools/dashboards.py) writes deploy/observability/grafana/:
- overview.json — every service: HTTP rate, 5xx ratio and latency; consumer lag; events processed,
  failed and dead-lettered; the outbox; timers and external calls; the processes;
- <service>.json — one per service (found through its "huntaze.services" entry point, like the
  event catalog), with the sections its definition calls for: its HTTP routes, its consumers
  (one per subscription), its outbox relay, its timers and external calls by kind.
`python tools/dashboards.py --check` exits 1 when a file is stale or missing, or names a service
that no longer exists (a test runs it).

Only the chassis' metrics (libs/service/src/huntaze_service/metrics.py), prometheus_client's process
metrics, `up` and the recording rules of deploy/observability/prometheus/alerts.yml are queried;
tests/deploy/test_observability.py checks each metric against what the services really export.
Grafana's dashboard JSON model, schema 39; the Prometheus data source is the `datasource` variable.
Standard library only (plus the platform's own service discovery).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "deploy" / "observability" / "grafana"
SCHEMA_VERSION = 39
DS = {"type": "prometheus", "uid": "${datasource}"}
PROBES = 'route!~"/health|/ready|/metrics"'
WIDTH = 24


# ---------------------------------------------------------------------------------------------
# What a service has, as its definition says (no connection is made)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceShape:
    name: str
    summary: str = ""
    routes: tuple[str, ...] = ()
    consumers: tuple[tuple[str, str], ...] = ()  # (consumer label "service.subscription", topic)
    timers: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()
    uses_kafka: bool = True

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(sorted({topic for _, topic in self.consumers}))


def discover_shapes() -> list[ServiceShape]:
    """Every service found through its entry point, built as the docs see it (offline adapters)."""
    from huntaze_service import discover

    shapes = []
    for name, definition in discover().items():
        service = definition.documented()
        subs = service.subscriptions
        routes = sorted({getattr(route, "path", "") for router in service.routers for route in router.routes} - {""})
        shapes.append(
            ServiceShape(
                name=name,
                summary=definition.summary,
                routes=tuple(routes),
                consumers=tuple((f"{name}.{s.name}", s.spec.topic) for s in subs),
                timers=tuple(sorted(subs.timers)),
                calls=tuple(sorted(subs.calls)),
                uses_kafka=service.uses_kafka,
            )
        )
    return shapes


# ---------------------------------------------------------------------------------------------
# The JSON model: small builders
# ---------------------------------------------------------------------------------------------


def target(expr: str, legend: str = "", ref: str = "A", instant: bool = False) -> dict[str, Any]:
    return {
        "datasource": DS,
        "expr": expr,
        "legendFormat": legend or "__auto",
        "range": not instant,
        "instant": instant,
        "refId": ref,
    }


def panel(
    kind: str,
    title: str,
    targets: list[dict[str, Any]],
    *,
    unit: str = "short",
    description: str = "",
    width: int = 8,
    height: int = 8,
    **extra: Any,
) -> dict[str, Any]:
    """A panel of any type; its place in the grid is set by :class:`Layout`."""
    for i, t in enumerate(targets):
        t["refId"] = chr(ord("A") + i)
    body: dict[str, Any] = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "gridPos": {"h": height, "w": width, "x": 0, "y": 0},
    }
    body.update(extra)
    return body


def timeseries(
    title: str,
    *queries: tuple[str, str],
    unit: str = "short",
    description: str = "",
    width: int = 8,
    stack: bool = False,
    min_zero: bool = True,
) -> dict[str, Any]:
    """A time series panel; ``queries`` are (expr, legend) pairs."""
    p = panel(
        "timeseries",
        title,
        [target(e, legend) for e, legend in queries],
        unit=unit,
        description=description,
        width=width,
        options={
            "legend": {
                "displayMode": "table",
                "placement": "bottom",
                "showLegend": True,
                "calcs": ["lastNotNull", "max"],
            },
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
    )
    custom: dict[str, Any] = {
        "drawStyle": "line",
        "lineWidth": 1,
        "fillOpacity": 10,
        "showPoints": "never",
        "spanNulls": False,
    }
    if stack:
        custom["stacking"] = {"mode": "normal", "group": "A"}
    p["fieldConfig"]["defaults"]["custom"] = custom
    if min_zero:
        p["fieldConfig"]["defaults"]["min"] = 0
    return p


def stat(
    title: str,
    expr: str,
    *,
    unit: str = "short",
    description: str = "",
    width: int = 4,
    thresholds: list[tuple[float | None, str]] | None = None,
    legend: str = "",
) -> dict[str, Any]:
    """A single-value panel; ``thresholds`` are (from value, colour) steps, the first from None."""
    steps = thresholds or [(None, "green")]
    p = panel(
        "stat",
        title,
        [target(expr, legend, instant=True)],
        unit=unit,
        description=description,
        width=width,
        height=4,
        options={
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "colorMode": "background",
            "graphMode": "none",
            "justifyMode": "auto",
            "orientation": "auto",
            "textMode": "auto",
        },
    )
    p["fieldConfig"]["defaults"]["thresholds"] = {
        "mode": "absolute",
        "steps": [{"color": colour, "value": value} for value, colour in steps],
    }
    return p


def row(title: str) -> dict[str, Any]:
    return {
        "type": "row",
        "title": title,
        "collapsed": False,
        "panels": [],
        "gridPos": {"h": 1, "w": WIDTH, "x": 0, "y": 0},
    }


@dataclass
class Layout:
    """Places panels left to right, wrapping at 24 columns; a row starts a new line."""

    panels: list[dict[str, Any]] = field(default_factory=list)
    x: int = 0
    y: int = 0
    line_height: int = 0

    def add(self, *items: dict[str, Any]) -> None:
        for item in items:
            pos = item["gridPos"]
            if item["type"] == "row" or self.x + pos["w"] > WIDTH:
                self.y += self.line_height
                self.x, self.line_height = 0, 0
            pos["x"], pos["y"] = self.x, self.y
            item["id"] = len(self.panels) + 1
            self.panels.append(item)
            if item["type"] == "row":
                self.y += pos["h"]
            else:
                self.x += pos["w"]
                self.line_height = max(self.line_height, pos["h"])


def datasource_variable() -> dict[str, Any]:
    return {
        "name": "datasource",
        "label": "Data source",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "hide": 0,
        "refresh": 1,
        "regex": "",
        "options": [],
    }


def query_variable(name: str, label: str, query: str, *, multi: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DS,
        "definition": query,
        "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2,
        "regex": "",
        "sort": 1,
        "multi": multi,
        "includeAll": multi,
        "allValue": ".*" if multi else None,
        "current": {},
        "hide": 0,
        "options": [],
    }


def constant_variable(name: str, value: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "constant",
        "query": value,
        "hide": 2,
        "current": {"text": value, "value": value},
        "options": [],
    }


def dashboard(
    uid: str, title: str, description: str, panels: list[dict[str, Any]], variables: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": ["huntaze"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "refresh": "30s",
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {},
        "weekStart": "",
        "links": [
            {
                "title": "Huntaze",
                "type": "dashboards",
                "tags": ["huntaze"],
                "asDropdown": True,
                "includeVars": False,
                "keepTime": True,
                "targetBlank": False,
                "icon": "external link",
                "tooltip": "",
                "url": "",
            }
        ],
        "annotations": {
            "list": [
                {
                    "builtIn": 1,
                    "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                    "enable": True,
                    "hide": True,
                    "iconColor": "rgba(0, 211, 255, 1)",
                    "name": "Annotations & Alerts",
                    "type": "dashboard",
                }
            ]
        },
        "templating": {"list": variables},
        "panels": panels,
    }


# ---------------------------------------------------------------------------------------------
# Sections shared by both kinds of dashboard (S = the label selector of the service(s) shown)
# ---------------------------------------------------------------------------------------------


def of_service(expr: str, sel: str) -> str:
    """``expr`` (a process metric, which has no ``service`` label) on the processes of the selected
    service(s), labelled with it: every process serves /metrics, so its scrapes are in the chassis'
    HTTP histogram with the service label."""
    return (
        f"{expr} * on (instance, job) group_left (service) "
        f'group by (instance, job, service) (huntaze_http_request_duration_seconds_count{{{sel}, route="/metrics"}})'
    )


def process_panels(sel: str) -> list[dict[str, Any]]:
    return [
        timeseries(
            "Resident memory per process",
            (of_service("process_resident_memory_bytes", sel), "{{service}} {{instance}}"),
            unit="bytes",
        ),
        timeseries(
            "CPU per process",
            (of_service("rate(process_cpu_seconds_total[$__rate_interval])", sel), "{{service}} {{instance}}"),
            unit="percentunit",
        ),
        timeseries(
            "Open file descriptors per process", (of_service("process_open_fds", sel), "{{service}} {{instance}}")
        ),
    ]


# ---------------------------------------------------------------------------------------------
# The overview
# ---------------------------------------------------------------------------------------------


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
        f"Every service ({names}): HTTP, events, outbox, timers. Generated by tools/dashboards.py.",
        layout.panels,
        [
            datasource_variable(),
            query_variable("service", "Service", "label_values(huntaze_http_request_duration_seconds_count, service)"),
        ],
    )


# ---------------------------------------------------------------------------------------------
# One dashboard per service
# ---------------------------------------------------------------------------------------------


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
        f"{shape.name}: {shape.summary or 'a Huntaze service'}. Generated by tools/dashboards.py.",
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


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def render(shapes: list[ServiceShape]) -> dict[str, str]:
    """File name → content of every dashboard."""
    files = {"overview.json": overview(shapes)}
    for shape in shapes:
        if f"{shape.name}.json" in files:
            raise ValueError(f"a service may not be called {shape.name!r}: its dashboard would replace another")
        files[f"{shape.name}.json"] = service_dashboard(shape)
    return {name: json.dumps(body, indent=2, ensure_ascii=False) + "\n" for name, body in files.items()}


def stale(files: dict[str, str], out: Path = OUT) -> list[str]:
    """What `make dashboards` would change (empty when everything is current)."""
    found = {p.name for p in out.glob("*.json")} if out.is_dir() else set()
    problems = [f"{name}: missing" for name in sorted(set(files) - found)]
    problems += [
        f"{name}: out of date" for name in sorted(found & set(files)) if (out / name).read_text() != files[name]
    ]
    problems += [f"{name}: no such service any more" for name in sorted(found - set(files))]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a dashboard file is stale")
    args = parser.parse_args(argv)
    files = render(discover_shapes())
    if args.check:
        problems = stale(files)
        if problems:
            print("Grafana dashboards are stale (run `make dashboards`):\n  " + "\n  ".join(problems), file=sys.stderr)
            return 1
        print(f"{len(files)} dashboards up to date in {OUT.relative_to(ROOT)}")
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name in stale(files):
        if name.endswith("no such service any more"):
            (OUT / name.split(":")[0]).unlink()
    for name, content in files.items():
        path = OUT / name
        if not path.exists() or path.read_text() != content:
            path.write_text(content)
    print(f"wrote {len(files)} dashboards to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
