"""The event catalog, generated from the code: the registry (libs/events) and each service's
subscription list.

`make docs` (python tools/catalog.py) writes:
- docs/asyncapi/<service>.json — each service's AsyncAPI 3.0 document (FastStream's generator);
- docs/asyncapi/catalog.json — all of them merged: one channel per topic with its payload schema,
  its producer and its consumer groups;
- the event table of README.md;
- docs/openapi.json — the one OpenAPI document of the public API (tools/openapi.py), and the
  services' part of it into the gateway package (services/gateway/src/gateway/openapi.json), which
  the gateway serves merged with its own routes.
A contract test fails when any of them is not what this computes.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs" / "asyncapi"
OPENAPI = ROOT / "docs" / "openapi.json"
GATEWAY_OPENAPI = ROOT / "services" / "gateway" / "src" / "gateway" / "openapi.json"
START, END = "<!-- catalog:start -->", "<!-- catalog:end -->"


def service_subscriptions() -> dict[str, Any]:
    """Each service's subscriptions, as its bootstrap builds them with local settings and default
    (offline) adapters — for every service found through its "huntaze.services" entry point, so a
    new service is in the catalog and the contract tests without being listed anywhere."""
    from huntaze_events import REGISTRY
    from huntaze_service import discover

    producers = {spec.producer for spec in REGISTRY}
    found = {name: definition.documented().subscriptions for name, definition in discover().items()}
    return {name: subs for name, subs in found.items() if len(subs) or name in producers}


def table() -> str:
    from huntaze_events import REGISTRY

    subs = service_subscriptions()
    lines = [
        "| event | version | topic | key | producer | consumers (subscription) | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for spec in REGISTRY:
        consumers = sorted(
            f"{service} (`{service}.{s.name}`)" for service, ss in subs.items() for s in ss if s.spec is spec
        )
        lines.append(
            f"| `{spec.type}` | {spec.version} | `{spec.topic}` | `{spec.key}` | {spec.producer} "
            f"| {', '.join(consumers) or '— (analysts)'} | {spec.summary} |"
        )
    return "\n".join(lines)


def asyncapi_documents() -> dict[str, str]:
    """File name → content of every AsyncAPI document."""
    from huntaze_service.asyncapi import merge, service_document

    per_service = {name: service_document(name, subs) for name, subs in service_subscriptions().items()}
    files = {f"{name}.json": _dump(doc) for name, doc in per_service.items()}
    files["catalog.json"] = _dump(merge(per_service))
    return files


def _dump(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def readme_table() -> str:
    text = README.read_text()
    match = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    return match.group(1).strip() if match else ""


def stale() -> list[str]:
    """What `make docs` would change (empty when everything is current)."""
    problems = []
    if readme_table() != table():
        problems.append("README.md event catalog")
    for name, content in asyncapi_documents().items():
        path = DOCS / name
        if not path.exists() or path.read_text() != content:
            problems.append(str(path.relative_to(ROOT)))
    openapi = _openapi()
    for path, content in ((OPENAPI, openapi.content()), (GATEWAY_OPENAPI, openapi.services_content())):
        if not path.exists() or path.read_text() != content:
            problems.append(str(path.relative_to(ROOT)))
    known = set(asyncapi_documents())
    problems += [str(p.relative_to(ROOT)) for p in DOCS.glob("*.json") if p.name not in known]
    return problems


def write() -> None:
    text = README.read_text()
    README.write_text(
        re.sub(re.escape(START) + r".*?" + re.escape(END), f"{START}\n{table()}\n{END}", text, flags=re.S)
    )
    DOCS.mkdir(parents=True, exist_ok=True)
    documents = asyncapi_documents()
    for stray in DOCS.glob("*.json"):
        if stray.name not in documents:
            stray.unlink()
    for name, content in documents.items():
        (DOCS / name).write_text(content)
    openapi = _openapi()
    OPENAPI.write_text(openapi.content())
    GATEWAY_OPENAPI.write_text(openapi.services_content())


def _openapi() -> Any:
    """tools/openapi.py, loaded by path (tools/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("huntaze_openapi", ROOT / "tools" / "openapi.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    write()
    print(
        f"wrote README catalog, {len(asyncapi_documents())} AsyncAPI documents in docs/asyncapi/, docs/openapi.json "
        f"and {GATEWAY_OPENAPI.relative_to(ROOT)}"
    )
    sys.exit(0)
