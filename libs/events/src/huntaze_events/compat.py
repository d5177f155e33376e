"""Contract snapshots and the backward-compatibility rule.

For every registered event, ``contracts/`` holds two committed files:

* ``<topic>.schema.json`` — the JSON Schema of the whole envelope, as last released;
* ``<topic>.golden.json`` — a golden sample the producer emits, which every consumer must accept.

A change to a published model is compatible when a consumer built against the committed schema
still reads what the new model produces and a producer built against it still satisfies the new
model: no field removed or renamed, no field retyped, no new required field. Anything else needs
a new major version (a new model registered under ``version=N+1``, on its own topic).

``python -m huntaze_events.compat check`` fails on drift or incompatibility;
``python -m huntaze_events.compat write`` refreshes snapshots, refusing incompatible changes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .registry import REGISTRY, EventSpec, Registry

CONTRACTS_DIR = Path(__file__).parent / "contracts"

_SIGNATURE_KEYS = (
    "type",
    "format",
    "enum",
    "const",
    "items",
    "anyOf",
    "oneOf",
    "allOf",
    "additionalProperties",
    "properties",
    "required",
)


def schema_of(spec: EventSpec) -> dict[str, Any]:
    return spec.envelope_model.model_json_schema(mode="validation")


def schema_path(spec: EventSpec, root: Path = CONTRACTS_DIR) -> Path:
    return root / f"{spec.topic}.schema.json"


def golden_path(spec: EventSpec, root: Path = CONTRACTS_DIR) -> Path:
    return root / f"{spec.topic}.golden.json"


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"unsupported $ref {ref}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        seen += 1
        if seen > 50:
            raise ValueError(f"recursive $ref {ref}")
    return node


def _signature(node: dict[str, Any], root: dict[str, Any]) -> Any:
    """What a field's schema means for a reader: its shape without titles, docs or defaults."""
    node = _resolve(node, root)
    out: dict[str, Any] = {}
    for key in _SIGNATURE_KEYS:
        if key not in node:
            continue
        value = node[key]
        if key == "properties":
            out[key] = {name: _signature(sub, root) for name, sub in sorted(value.items())}
        elif key in ("anyOf", "oneOf", "allOf"):
            out[key] = sorted((_signature(sub, root) for sub in value), key=json.dumps)
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _signature(value, root)
        elif key == "required":
            out[key] = sorted(value)
        else:
            out[key] = value
    return out


def _is_object(node: dict[str, Any]) -> bool:
    return node.get("type") == "object" and "properties" in node


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Every way ``new`` breaks readers or writers of ``old``; empty when compatible."""
    problems: list[str] = []
    _compare(old, new, old, new, "$", problems)
    return problems


def _compare(
    old: dict[str, Any],
    new: dict[str, Any],
    old_root: dict[str, Any],
    new_root: dict[str, Any],
    path: str,
    problems: list[str],
) -> None:
    old = _resolve(old, old_root)
    new = _resolve(new, new_root)
    if _is_object(old) and _is_object(new):
        old_props, new_props = old["properties"], new["properties"]
        for name, old_sub in old_props.items():
            if name not in new_props:
                problems.append(f"{path}.{name}: field removed or renamed")
            else:
                _compare(old_sub, new_props[name], old_root, new_root, f"{path}.{name}", problems)
        old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
        for name in sorted(new_required - old_required):
            what = "became required" if name in old_props else "new required field"
            problems.append(f"{path}.{name}: {what}")
        return
    if _signature(old, old_root) != _signature(new, new_root):
        problems.append(
            f"{path}: type changed from {json.dumps(_signature(old, old_root))} "
            f"to {json.dumps(_signature(new, new_root))}"
        )


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def check(registry: Registry = REGISTRY, root: Path = CONTRACTS_DIR) -> list[str]:
    """Problems between the code and the committed contracts (empty when all is well)."""
    problems: list[str] = []
    for spec in registry:
        spath, gpath = schema_path(spec, root), golden_path(spec, root)
        if not spath.exists():
            problems.append(f"{spec.name}: no committed schema ({spath.name}); run `make contracts`")
            continue
        committed, current = _load(spath), schema_of(spec)
        for problem in breaking_changes(committed, current):
            problems.append(
                f"{spec.name}: incompatible change {problem}; publish it as {spec.type}.v{spec.version + 1} instead"
            )
        if committed != current and not breaking_changes(committed, current):
            problems.append(f"{spec.name}: compatible change not snapshotted; run `make contracts`")
        if not gpath.exists():
            problems.append(f"{spec.name}: no golden sample ({gpath.name}); run `make contracts`")
            continue
        try:
            spec.envelope_model.model_validate_json(gpath.read_bytes())
        except ValueError as exc:
            problems.append(f"{spec.name}: the golden sample is rejected by the model: {exc}")
    known = {schema_path(s, root).name for s in registry} | {golden_path(s, root).name for s in registry}
    for stray in sorted(p.name for p in root.glob("*.json") if p.name not in known):
        problems.append(f"{stray}: contract file for an event that is no longer registered")
    return problems


def write(registry: Registry = REGISTRY, root: Path = CONTRACTS_DIR) -> list[str]:
    """Snapshot compatible changes and create missing golden samples; refuse breaking changes."""
    from .samples import samples

    root.mkdir(parents=True, exist_ok=True)
    sample_by_topic = samples()
    refused: list[str] = []
    for spec in registry:
        spath, gpath = schema_path(spec, root), golden_path(spec, root)
        current = schema_of(spec)
        if spath.exists():
            breaks = breaking_changes(_load(spath), current)
            if breaks:
                refused += [f"{spec.name}: {b}" for b in breaks]
                continue
        spath.write_text(_dump(current))
        if not gpath.exists():
            if spec.topic not in sample_by_topic:
                refused.append(f"{spec.name}: add a sample to huntaze_events/samples.py")
                continue
            gpath.write_text(_dump(json.loads(sample_by_topic[spec.topic].to_json())))
    return refused


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="huntaze-contracts", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["check", "write"])
    args = parser.parse_args(argv)
    problems = check() if args.command == "check" else write()
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{len(REGISTRY)} event contracts {'up to date' if args.command == 'check' else 'written'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
