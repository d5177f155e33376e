"""Renders the overlays with kustomize and validates every object with kubeconform, offline.

    .venv/bin/python -m tools.k8s.validate        # both overlays; exit 1 on the first failure

Schemas: the Kubernetes ones of the pinned version from the `kubernetes-validate` PyPI package
(its "local-strict" flavour: unknown fields refused; its files point at one shared definitions file
by absolute reference, so each kind used is written standalone — with just the definitions it
reaches — into .cache/k8s-schemas/), and the vendored CRD schemas of deploy/k8s/schemas/. No
default (remote) location is given to kubeconform, and no -ignore-missing-schemas: an object
without a schema fails. The binaries are the pinned ones tools/k8s_tools.sh installs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("local", "production")
BIN = ROOT / ".cache" / "go" / "bin"
KUSTOMIZE = BIN / "kustomize"
KUBECONFORM = BIN / "kubeconform"
KUBERNETES_VERSION = "1.33.0"
CRD_SCHEMAS = K8S / "schemas"
SCHEMA_CACHE = ROOT / ".cache" / "k8s-schemas"
_REF = re.compile(r"^(?:/api/_definitions\.json)?#/\$defs/(.+)$")


class ValidationError(Exception):
    pass


def require_tools() -> None:
    missing = [str(p.relative_to(ROOT)) for p in (KUSTOMIZE, KUBECONFORM) if not p.exists()]
    if missing:
        raise ValidationError(f"missing {', '.join(missing)}: run tools/k8s_tools.sh (make test does)")


def kustomize_build(directory: Path) -> str:
    require_tools()
    run = subprocess.run([str(KUSTOMIZE), "build", str(directory)], capture_output=True, text=True)
    if run.returncode != 0:
        raise ValidationError(f"kustomize build {directory}: {run.stderr.strip()}")
    return run.stdout


def render(overlay: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(kustomize_build(K8S / "overlays" / overlay)) if d]


# --- Kubernetes schemas ----------------------------------------------------------------------
def _package_dir() -> Path:
    import kubernetes_validate

    flavour = (
        Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"v{KUBERNETES_VERSION}-local-strict"
    )
    if not flavour.is_dir():
        raise ValidationError(f"kubernetes-validate has no schemas for Kubernetes {KUBERNETES_VERSION}")
    return flavour


def kind_file(api_version: str, kind: str) -> str:
    """kubeconform's ``{{.ResourceKind}}{{.KindSuffix}}.json`` (``deployment-apps-v1.json``)."""
    group, _, version = api_version.rpartition("/")
    suffix = f"-{group.split('.')[0]}-{version}" if group else f"-{version}"
    return f"{kind.lower()}{suffix}.json"


def kubernetes_schemas(kinds: set[tuple[str, str]]) -> Path:
    """A directory holding a standalone schema for each (apiVersion, kind) Kubernetes knows; kinds it
    does not know get no file (and fail validation unless a CRD schema covers them)."""
    source = _package_dir()
    from kubernetes_validate.version import __version__ as package_version

    # keyed by the package's version too: an upgrade never reuses files made from the previous one
    target = SCHEMA_CACHE / f"kubernetes-validate-{package_version}" / f"v{KUBERNETES_VERSION}-standalone-strict"
    target.mkdir(parents=True, exist_ok=True)
    definitions: dict[str, Any] | None = None
    for api_version, kind in sorted(kinds):
        name = kind_file(api_version, kind)
        if (target / name).exists() or not (source / name).exists():
            continue
        if definitions is None:
            definitions = json.loads((source / "_definitions.json").read_text())["$defs"]
        partial = target / f".{name}.{os.getpid()}"
        partial.write_text(json.dumps(_standalone(json.loads((source / name).read_text()), definitions)))
        partial.replace(target / name)  # atomic: a concurrent run never reads half a file
    return target


def _standalone(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """Rewrites ``/api/_definitions.json#/$defs/X`` to ``#/definitions/X`` and embeds the X it reaches."""
    needed: dict[str, Any] = {}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                match = _REF.match(value) if key == "$ref" and isinstance(value, str) else None
                if match:
                    name = match.group(1)
                    out[key] = f"#/definitions/{name}"
                    if name not in needed:
                        needed[name] = None
                        needed[name] = walk(definitions[name])
                else:
                    out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    body = walk(schema)
    body["definitions"] = needed  # draft 4, the one kubeconform compiles with
    body.pop("$id", None)
    return body


# --- kubeconform -----------------------------------------------------------------------------
def kubeconform(documents: list[dict[str, Any]], work: Path) -> str:
    """Validates the documents strictly; returns kubeconform's summary, raises with its report."""
    require_tools()
    kinds = {(d.get("apiVersion", ""), d.get("kind", "")) for d in documents}
    k8s = kubernetes_schemas(kinds)
    manifest = work / "rendered.yaml"
    manifest.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    run = subprocess.run(
        [
            str(KUBECONFORM),
            "-strict",
            "-summary",
            "-output",
            "text",
            "-schema-location",
            f"{k8s}/{{{{.ResourceKind}}}}{{{{.KindSuffix}}}}.json",
            "-schema-location",
            f"{CRD_SCHEMAS}/{{{{.Group}}}}/{{{{.ResourceKind}}}}_{{{{.ResourceAPIVersion}}}}.json",
            str(manifest),
        ],
        capture_output=True,
        text=True,
    )
    report = (run.stdout + run.stderr).strip()
    if run.returncode != 0:
        raise ValidationError(report)
    return report


def main() -> int:
    import tempfile

    for overlay in OVERLAYS:
        with tempfile.TemporaryDirectory() as tmp:
            try:
                print(f"{overlay}: {kubeconform(render(overlay), Path(tmp))}")
            except ValidationError as exc:
                print(f"{overlay}: {exc}", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
