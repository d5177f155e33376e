"""Prometheus operator: a PodMonitor for every service pod (api and worker: both serve ``/metrics``)
on its HTTP port, another for the pods whose metrics have a port of their own (the gateway's: its
HTTP port is the public one), and a PrometheusRule carrying deploy/observability/prometheus/alerts.yml.

A PodMonitor rather than a ServiceMonitor: workers have no Service, and a ServiceMonitor would add
a ``service`` target label that clashes with the chassis' own ``service`` label.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .model import HTTP_PORT_NAME, METRICS_PORT_NAME, PART_OF, Platform

Obj = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "deploy" / "observability" / "prometheus" / "alerts.yml"


def pod_monitor(name: str, port: str, services: list[str], operator: str) -> Obj:
    expressions = [{"key": "app.kubernetes.io/component", "operator": "In", "values": ["api", "worker"]}]
    if services:
        expressions.append({"key": "app.kubernetes.io/name", "operator": operator, "values": services})
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": PART_OF}},
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/part-of": PART_OF}, "matchExpressions": expressions},
            "podMetricsEndpoints": [{"port": port, "path": "/metrics", "interval": "15s", "honorLabels": True}],
        },
    }


def pod_monitors(platform: Platform) -> list[Obj]:
    own_port = sorted(s.name for s in platform.services.values() if s.metrics_port)
    monitors = [pod_monitor(PART_OF, HTTP_PORT_NAME, own_port, "NotIn")]
    if own_port:
        monitors.append(pod_monitor(f"{PART_OF}-{METRICS_PORT_NAME}", METRICS_PORT_NAME, own_port, "In"))
    return monitors


def prometheus_rule() -> Obj:
    if not ALERTS.exists():
        raise SystemExit(f"{ALERTS.relative_to(ROOT)} is missing: the PrometheusRule embeds its groups")
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": PART_OF, "labels": {"app.kubernetes.io/part-of": PART_OF}},
        "spec": {"groups": groups},
    }


def objects(platform: Platform) -> dict[str, list[Obj]]:
    return {"podmonitor.yaml": pod_monitors(platform), "prometheusrule.yaml": [prometheus_rule()]}
