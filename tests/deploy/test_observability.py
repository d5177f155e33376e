"""Dashboards, alerts and the trace collector of deploy/observability, checked.

- The alert rules are valid (`promtool check rules`) and behave as their unit tests say
  (`promtool test rules`): every alert fires when it should and stays quiet in a look-alike case.
  promtool comes from Debian's prometheus package (tools/observability_tools.sh, run by
  tools/test.sh); without it these tests fail, they never skip.
- The Grafana dashboards are what tools/dashboards generates (`make dashboards`), follow
  Grafana's JSON model, and every query parses as PromQL.
- Every metric a dashboard or a rule queries exists: recording rules are defined in the rule file,
  and every other metric is a family that some running service lists on its /metrics (integration
  test: every service on the real Kafka and PostgreSQL, with a little traffic through the gateway).
- The OpenTelemetry Collector configuration receives what the services send (OTLP over HTTP on
  4318, gRPC on 4317) and its pipelines name only components it defines.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
OBSERVABILITY = ROOT / "deploy" / "observability"
RULES = OBSERVABILITY / "prometheus" / "alerts.yml"
RULE_TESTS = OBSERVABILITY / "prometheus" / "alerts_test.yml"
GRAFANA = OBSERVABILITY / "grafana"
COLLECTOR = OBSERVABILITY / "otel-collector.yaml"
README = ROOT / "README.md"

# Series Prometheus makes itself, not any service.
PROMETHEUS_OWN = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped"}
# Grafana's built-in variables, as a duration PromQL accepts, so a panel's query can be parsed.
GRAFANA_DURATIONS = re.compile(r"\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}")


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail(
            "promtool is missing: run tools/observability_tools.sh (Debian's prometheus package), "
            "as tools/test.sh does",
            pytrace=False,
        )
    return found


def run(*cmd: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def load_dashboards_tool() -> Any:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("tools.dashboards.__main__")


def rule_file() -> dict[str, Any]:
    return yaml.safe_load(RULES.read_text())


def rules() -> list[dict[str, Any]]:
    return [rule for group in rule_file()["groups"] for rule in group["rules"]]


def alerts() -> list[dict[str, Any]]:
    return [rule for rule in rules() if "alert" in rule]


def recorded() -> set[str]:
    return {rule["record"] for rule in rules() if "record" in rule}


def dashboards() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text()) for path in sorted(GRAFANA.glob("*.json"))}


# ---------------------------------------------------------------------------------------------
# PromQL: the metric names a query reads
# ---------------------------------------------------------------------------------------------


def parseable(expr: str) -> str:
    """A Grafana query as plain PromQL: its interval variables become a duration (other variables
    only occur inside label-matcher strings, which PromQL takes as they are)."""
    return GRAFANA_DURATIONS.sub("5m", expr)


def metric_names(expr: str) -> set[str]:
    """Every metric name the PromQL expression selects (by name or by a ``__name__`` matcher)."""
    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                names.add(node.name)
            for matcher in node.matchers.matchers:
                if matcher.name == "__name__":
                    if matcher.op != promql_parser.MatchOp.Equal:
                        raise ValueError(f"a metric name by regular expression cannot be checked: {expr}")
                    names.add(matcher.value)

    promql_parser.walk(promql_parser.parse(parseable(expr)), pre_visit=visit)
    return names


LABEL_VALUES = re.compile(r"^\s*label_values\((?P<selector>.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$")


def variable_queries(board: dict[str, Any]) -> Iterable[str]:
    """The PromQL inside the dashboard's query variables (``label_values(<selector>, label)``)."""
    for variable in board.get("templating", {}).get("list", []):
        if variable.get("type") != "query":
            continue
        query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
        match = LABEL_VALUES.match(query)
        if match is None:
            raise AssertionError(f"{board['uid']}: variable {variable['name']}: unexpected query {query!r}")
        yield match["selector"]


def panel_queries(board: dict[str, Any]) -> Iterable[tuple[str, str]]:
    """(panel title, expr) of every query of every panel, rows' nested panels included."""
    for item in board["panels"]:
        for nested in [item, *item.get("panels", [])]:
            for target in nested.get("targets", []):
                yield nested["title"], target["expr"]


def all_queries() -> dict[str, list[str]]:
    """Where each query comes from → its PromQL: every dashboard panel and variable, every rule."""
    queries: dict[str, list[str]] = {}
    for name, board in dashboards().items():
        for title, expr in panel_queries(board):
            queries.setdefault(f"{name}: {title}", []).append(expr)
        for expr in variable_queries(board):
            queries.setdefault(f"{name}: variables", []).append(expr)
    for rule in rules():
        queries.setdefault(f"alerts.yml: {rule.get('alert') or rule.get('record')}", []).append(rule["expr"])
    return queries


def exported_names(exposition: str) -> set[str]:
    """The sample names a /metrics page can carry, from its ``# TYPE`` lines: those are there for
    every registered metric family, before any labelled sample was observed."""
    names: set[str] = set()
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "summary": ("", "_sum", "_count", "_created"),
        "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
    }
    for line in exposition.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[:2] == ["#", "TYPE"]:
            family, kind = parts[2], parts[3]
            if kind == "counter":
                base = family.removesuffix("_total")
                names.update({family, base + "_total", base + "_created"})
            else:
                names.add(family)
                names.update(family + suffix for suffix in suffixes.get(kind, ()))
    return names


def missing_metrics(queries: dict[str, list[str]], exported: set[str], records: set[str]) -> dict[str, set[str]]:
    """Where → the metric names its queries read that no service exports (recording rules must be
    among ``records``, Prometheus' own series are left out)."""
    missing: dict[str, set[str]] = {}
    for where, exprs in queries.items():
        for expr in exprs:
            for name in metric_names(expr):
                known = name in records if ":" in name else (name in exported or name in PROMETHEUS_OWN)
                if not known:
                    missing.setdefault(where, set()).add(name)
    return missing


# ---------------------------------------------------------------------------------------------
# Alert rules
# ---------------------------------------------------------------------------------------------


def test_rules_pass_promtool_check() -> None:
    checked = run(promtool(), "check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout


def test_rules_pass_their_unit_tests() -> None:
    tested = run(promtool(), "test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_alert_is_unit_tested_firing_and_quiet() -> None:
    cases = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    fires: set[str] = set()
    quiet: set[str] = set()
    for case in cases:
        for check in case.get("alert_rule_test", []):
            (fires if check.get("exp_alerts") else quiet).add(check["alertname"])
    names = {alert["alert"] for alert in alerts()}
    assert names - fires == set(), "alerts never shown firing in alerts_test.yml"
    assert names - quiet == set(), "alerts never shown quiet in alerts_test.yml"
    assert (fires | quiet) - names == set(), "alerts_test.yml tests alerts that do not exist"


def test_every_alert_says_how_bad_what_and_where_its_runbook_is() -> None:
    for alert in alerts():
        name = alert["alert"]
        assert name.startswith("Huntaze"), name
        assert alert["labels"]["severity"] in {"critical", "warning"}, name
        annotations = alert["annotations"]
        assert annotations["summary"].strip() and annotations["description"].strip(), name
        assert annotations["runbook_url"] == f"README.md#alert-{name.lower()}", name


def test_every_runbook_anchor_is_in_the_readme() -> None:
    """The README's "Dashboards and alerts" section carries one anchor per alert."""
    readme = README.read_text()
    absent = [a["alert"] for a in alerts() if f'id="alert-{a["alert"].lower()}"' not in readme]
    assert absent == [], f'README.md has no runbook entry (<a id="alert-…">) for {absent}'


def test_alerts_carry_the_chassis_service_label() -> None:
    """Alerts on the services' own metrics keep the label ``service`` (routing, silences): every
    firing expectation of the unit tests shows it."""
    cases = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    for case in cases:
        for check in case.get("alert_rule_test", []):
            if check["alertname"] == "HuntazeTargetDown":
                continue  # `up` carries the scrape target's labels only
            for expected in check.get("exp_alerts") or []:
                assert "service" in expected["exp_labels"], check["alertname"]


# ---------------------------------------------------------------------------------------------
# Dashboards
# ---------------------------------------------------------------------------------------------


def test_dashboards_are_up_to_date() -> None:
    checked = run(sys.executable, "-m", "tools.dashboards", "--check")
    assert checked.returncode == 0, checked.stderr + "\n(run `make dashboards`)"


def test_stale_dashboards_are_reported(tmp_path: Path) -> None:
    tool = load_dashboards_tool()
    shape = tool.ServiceShape(name="ledger", routes=("/v1/ledger",), consumers=(("ledger.sales", "sale.made.v1"),))
    files = tool.render([shape])
    assert sorted(files) == ["ledger.json", "overview.json"]
    assert tool.stale(files, tmp_path) == ["ledger.json: missing", "overview.json: missing"]
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    (tmp_path / "gone.json").write_text("{}")
    (tmp_path / "ledger.json").write_text(files["ledger.json"].replace("ledger.sales", "ledger.other"))
    assert tool.stale(files, tmp_path) == ["ledger.json: out of date", "gone.json: no such service any more"]


def test_there_is_an_overview_and_one_dashboard_per_service() -> None:
    from huntaze_service import discover

    assert set(dashboards()) == {"overview.json"} | {f"{name}.json" for name in discover()}


def test_dashboards_follow_grafanas_json_model() -> None:
    uids = set()
    for name, board in dashboards().items():
        assert board["schemaVersion"] == 39, name
        assert board["uid"] not in uids and len(board["uid"]) <= 40, name
        uids.add(board["uid"])
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
        assert "service" in variables, name
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"
        cells: set[tuple[int, int]] = set()
        for p in board["panels"]:
            assert p["type"] in {"row", "timeseries", "stat"}, (name, p["title"])
            pos = p["gridPos"]
            assert 0 <= pos["x"] and pos["x"] + pos["w"] <= 24, (name, p["title"])
            for x in range(pos["x"], pos["x"] + pos["w"]):
                for y in range(pos["y"], pos["y"] + pos["h"]):
                    assert (x, y) not in cells, f"{name}: {p['title']} overlaps another panel"
                    cells.add((x, y))
            if p["type"] != "row":
                assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, (name, p["title"])
                assert p["targets"], (name, p["title"])
                for target in p["targets"]:
                    assert target["datasource"] == p["datasource"]


def test_every_query_is_valid_promql() -> None:
    for where, exprs in all_queries().items():
        for expr in exprs:
            try:
                promql_parser.parse(parseable(expr))
            except ValueError as exc:
                pytest.fail(f"{where}: {expr}\n{exc}")


def test_every_recording_rule_queried_is_defined() -> None:
    used = {name for exprs in all_queries().values() for expr in exprs for name in metric_names(expr) if ":" in name}
    assert used - recorded() == set()
    assert recorded() - used == set(), "recording rules no dashboard or alert reads"


# ---------------------------------------------------------------------------------------------
# The metric-existence check itself (the real one runs on the live services, below)
# ---------------------------------------------------------------------------------------------

EXPOSITION = """\
# HELP huntaze_events_processed_total Events whose effects were committed by a consumer
# TYPE huntaze_events_processed_total counter
# HELP huntaze_http_request_duration_seconds HTTP request latency
# TYPE huntaze_http_request_duration_seconds histogram
huntaze_http_request_duration_seconds_bucket{le="0.1",method="GET",route="/ready",service="fans",status="200"} 1.0
# HELP huntaze_outbox_backlog Outbox rows not yet published
# TYPE huntaze_outbox_backlog gauge
"""


def test_metric_names_are_read_from_promql() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le) (rate(huntaze_http_request_duration_seconds_bucket{service="$service"}'
        "[$__rate_interval]))) / on() group_left sum(service:x:rate5m offset 5m) "
        'or absent({__name__="huntaze_outbox_backlog"}) and up'
    )
    assert metric_names(expr) == {
        "huntaze_http_request_duration_seconds_bucket",
        "service:x:rate5m",
        "huntaze_outbox_backlog",
        "up",
    }


def test_families_without_samples_count_and_suffixes_follow_the_type() -> None:
    names = exported_names(EXPOSITION)
    assert "huntaze_events_processed_total" in names  # a counter with no sample yet
    assert {"huntaze_http_request_duration_seconds_bucket", "huntaze_http_request_duration_seconds_count"} <= names
    assert "huntaze_outbox_backlog" in names
    assert "huntaze_outbox_backlog_count" not in names  # a gauge has no _count
    assert "huntaze_events_processed_bucket" not in names


def test_a_made_up_metric_is_caught() -> None:
    exported = exported_names(EXPOSITION)
    good = {"board: ok": ['sum(rate(huntaze_events_processed_total{service="x"}[5m])) and up']}
    assert missing_metrics(good, exported, set()) == {}
    bad = {
        "board: typo": ["rate(huntaze_event_processed_total[5m])"],
        "board: wrong suffix": ["huntaze_outbox_backlog_count"],
        "board: unknown rule": ["service:huntaze_nothing:rate5m"],
    }
    assert missing_metrics(bad, exported, {"service:huntaze_http_requests:rate5m"}) == {
        "board: typo": {"huntaze_event_processed_total"},
        "board: wrong suffix": {"huntaze_outbox_backlog_count"},
        "board: unknown rule": {"service:huntaze_nothing:rate5m"},
    }
    # and in a real dashboard: one made-up metric among the real ones is found
    queries = all_queries()
    first = next(iter(queries))
    queries[first] = [*queries[first], "sum(rate(huntaze_made_up_total[5m]))"]
    everything = {n for exprs in all_queries().values() for e in exprs for n in metric_names(e)}
    assert missing_metrics(queries, everything, recorded()) == {first: {"huntaze_made_up_total"}}


@pytest.mark.integration
async def test_every_metric_queried_is_exported_by_a_service(platform: Any, gateway: Any) -> None:
    """Every service runs (role all) on the real Kafka and PostgreSQL; a fan message goes through
    the gateway to the inbox, the ai and the fans, so labelled samples exist too; then every
    service's /metrics is scraped."""
    from huntaze_testkit import Api, eventually

    api = await Api.sign_up(gateway, "Obs")
    posted = await api.post(
        "/v1/inbox/messages",
        json={"fan": {"external_id": "of_obs", "display_name": "obs"}, "text": "hello, what do you sell?"},
    )
    assert posted.status_code in (200, 201, 202), posted.text
    assert (await api.get("/v1/fans/this-is-not-a-uuid")).status_code in (404, 422)

    def scrape(name: str) -> str:
        with urllib.request.urlopen(platform.services[name].metrics_url, timeout=10) as answer:  # gateway: own port
            return answer.read().decode()

    def consumed() -> bool:
        return 'huntaze_events_processed_total{consumer="fans.fan_activity"' in scrape("fans")

    await eventually(consumed, timeout=30)
    pages = {name: scrape(name) for name in platform.services}
    exported = set().union(*(exported_names(page) for page in pages.values()))
    assert {name for name, page in pages.items() if "huntaze_http_request_duration_seconds_bucket{" in page} == set(
        pages
    ), "every service times its HTTP requests"
    missing = missing_metrics(all_queries(), exported, recorded())
    assert missing == {}, "queried, but no service exports it:\n" + "\n".join(
        f"  {where}: {', '.join(sorted(names))}" for where, names in sorted(missing.items())
    )


# ---------------------------------------------------------------------------------------------
# OpenTelemetry Collector
# ---------------------------------------------------------------------------------------------


def collector() -> dict[str, Any]:
    return yaml.safe_load(COLLECTOR.read_text())


def test_collector_receives_otlp_on_grpc_4317_and_http_4318() -> None:
    protocols = collector()["receivers"]["otlp"]["protocols"]
    assert protocols["grpc"]["endpoint"] == "0.0.0.0:4317"
    assert protocols["http"]["endpoint"] == "0.0.0.0:4318"
    assert "traces_url_path" not in protocols["http"], "the services post to the default /v1/traces"


def test_services_export_what_the_collector_receives() -> None:
    """The chassis' exporter speaks OTLP over HTTP to <endpoint>/v1/traces: the http receiver."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    from huntaze_service.telemetry import build_tracer_provider

    provider = build_tracer_provider("inbox", "http://otel-collector:4318")
    exporters = [getattr(p, "span_exporter", None) for p in provider._active_span_processor._span_processors]
    assert len(exporters) == 1 and isinstance(exporters[0], OTLPSpanExporter)
    assert exporters[0]._endpoint == "http://otel-collector:4318/v1/traces"
    provider.shutdown()


def test_collector_pipelines_use_only_defined_components() -> None:
    config = collector()
    pipelines = config["service"]["pipelines"]
    assert set(pipelines) == {"traces"}, "the services export traces only"
    for name, pipeline in pipelines.items():
        for kind in ("receivers", "processors", "exporters"):
            for component in pipeline.get(kind, []):
                assert component in (config.get(kind) or {}), f"pipeline {name}: {kind[:-1]} {component} undefined"
        processors = pipeline["processors"]
        assert processors[0] == "memory_limiter" and processors[-1] == "batch", processors
        assert set(pipeline["exporters"]) == {"otlp", "debug"}
    used = {c for p in pipelines.values() for kind in ("receivers", "processors", "exporters") for c in p.get(kind, [])}
    defined = {c for kind in ("receivers", "processors", "exporters") for c in (config.get(kind) or {})}
    assert defined - used == set(), "components defined but in no pipeline"
    assert config["exporters"]["otlp"]["endpoint"] == "${env:TRACES_BACKEND}"
    assert config["processors"]["memory_limiter"]["check_interval"]
