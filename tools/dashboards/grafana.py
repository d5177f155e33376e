"""Grafana's dashboard JSON model (schema 39): targets, panels, rows, layout, variables, the
dashboard itself. The Prometheus data source is the `datasource` variable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 39
DS = {"type": "prometheus", "uid": "${datasource}"}
PROBES = 'route!~"/health|/ready|/metrics"'
WIDTH = 24


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
