"""Grafana dashboards of Huntaze, generated from the services the platform finds.

`make dashboards` (python -m tools.dashboards) writes deploy/observability/grafana/:
- overview.json — every service: HTTP rate, 5xx ratio and latency; consumer lag; events processed,
  failed and dead-lettered; the outbox; timers and external calls; the processes;
- <service>.json — one per service (found through its "huntaze.services" entry point, like the
  event catalog), with the sections its definition calls for: its HTTP routes, its consumers
  (one per subscription), its outbox relay, its timers and external calls by kind.
`python -m tools.dashboards --check` exits 1 when a file is stale or missing, or names a service
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
from pathlib import Path

from .overview import overview
from .service import service_dashboard
from .shapes import ServiceShape, discover_shapes

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "deploy" / "observability" / "grafana"


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
