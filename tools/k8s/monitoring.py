"""Prometheus operator: one PodMonitor for every service pod (api and worker: both serve
``/metrics``), and a PrometheusRule carrying deploy/observability/prometheus/alerts.yml.

A PodMonitor rather than a ServiceMonitor: workers have no Service, and a ServiceMonitor would add
a ``service`` target label that clashes with the chassis' own ``service`` label.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .model import HTTP_PORT_NAME, PART_OF

Obj = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "deploy" / "observability" / "prometheus" / "alerts.yml"


def pod_monitor() -> Obj:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": {"name": PART_OF, "labels": {"app.kubernetes.io/part-of": PART_OF}},
        "spec": {
            "selector": {
                "matchLabels": {"app.kubernetes.io/part-of": PART_OF},
                "matchExpressions": [
                    {"key": "app.kubernetes.io/component", "operator": "In", "values": ["api", "worker"]}
                ],
            },
            "podMetricsEndpoints": [
                {"port": HTTP_PORT_NAME, "path": "/metrics", "interval": "15s", "honorLabels": True}
            ],
        },
    }


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


def objects() -> dict[str, list[Obj]]:
    return {"podmonitor.yaml": [pod_monitor()], "prometheusrule.yaml": [prometheus_rule()]}
