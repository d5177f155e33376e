"""Vendors the CRD schemas that kubeconform validates deploy/k8s against: deploy/k8s/schemas/.

    .venv/bin/python tools/k8s_schemas.py     # (re)writes deploy/k8s/schemas/ and its SOURCES.md

Run by a maintainer when an operator version changes (not by `make test`: the tests read the
vendored files and need no network). Sources, all from package registries:

- CloudNativePG, KEDA, Prometheus operator: their Go modules (the Go module proxy), whose trees
  hold the CRD YAML (config/crd/..., example/prometheus-operator-crd/...);
- Strimzi: its `io.strimzi:api` model and the `io.strimzi:crd-generator` it is built with (Maven
  Central), run exactly as Strimzi's own build runs it to write its CRDs (needs Java >= 21).

Each CRD version's openAPIV3Schema becomes a JSON schema the way kubeconform's
openapi2jsonschema.py does it with DENY_ROOT_ADDITIONAL_PROPERTIES (strict): every object that
lists its properties refuses others, the root included, unless the CRD says
x-kubernetes-preserve-unknown-fields; int-or-string becomes a oneOf; nullable allows null;
apiVersion and kind are pinned. Descriptions are dropped (the files stay small).
Files: deploy/k8s/schemas/<group>/<kind>_<version>.json (kubeconform's
`{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "deploy" / "k8s" / "schemas"
CACHE = ROOT / ".cache"

GO_SOURCES = {
    # module, version, CRD files inside the module, kinds wanted
    "CloudNativePG": (
        "github.com/cloudnative-pg/cloudnative-pg",
        "v1.27.1",
        ["config/crd/bases/postgresql.cnpg.io_clusters.yaml"],
    ),
    "KEDA": (
        "github.com/kedacore/keda/v2",
        "v2.18.3",
        ["config/crd/bases/keda.sh_scaledobjects.yaml", "config/crd/bases/keda.sh_triggerauthentications.yaml"],
    ),
    "Prometheus operator": (
        "github.com/prometheus-operator/prometheus-operator",
        "v0.85.0",
        [
            "example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml",
            "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml",
            "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml",
        ],
    ),
}
STRIMZI_VERSION = "1.2.0"
STRIMZI_CRDS = {
    "Kafka": "io.strimzi.api.kafka.model.kafka.Kafka",
    "KafkaNodePool": "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
    "KafkaTopic": "io.strimzi.api.kafka.model.topic.KafkaTopic",
    "KafkaUser": "io.strimzi.api.kafka.model.user.KafkaUser",
}
STRIMZI_API_VERSION = "v1"


# --- sources ---------------------------------------------------------------------------------
def go_module_dir(module: str, version: str) -> Path:
    env = os.environ | {
        "GOPATH": str(CACHE / "go"),
        "GOMODCACHE": str(CACHE / "go" / "mod"),
        "GOFLAGS": "-modcacherw",
        "GOTOOLCHAIN": "local",
        "GOPROXY": os.environ.get("GOPROXY", "https://proxy.golang.org"),
    }
    out = subprocess.run(
        ["go", "mod", "download", "-json", f"{module}@{version}"], env=env, check=True, capture_output=True, text=True
    )
    info = json.loads(out.stdout)
    if "Error" in info:
        raise SystemExit(f"go mod download {module}@{version}: {info['Error']}")
    return Path(info["Dir"])


def java_21() -> str:
    """A java >= 21 (the crd-generator's class files): JAVA_HOME, or a JDK under /usr/lib/jvm."""
    candidates = [os.environ.get("JAVA_HOME", "")] + sorted(glob.glob("/usr/lib/jvm/*"), reverse=True)
    for home in candidates:
        java = Path(home) / "bin" / "java"
        if not java.exists():
            continue
        version = subprocess.run([str(java), "-version"], capture_output=True, text=True).stderr
        major = version.split('"')[1].split(".")[0] if '"' in version else "0"
        if major.isdigit() and int(major) >= 21:
            return str(java)
    raise SystemExit("the Strimzi crd-generator needs Java >= 21: set JAVA_HOME")


def strimzi_crds(work: Path) -> list[Path]:
    pom = work / "pom.xml"
    pom.write_text(f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>huntaze</groupId><artifactId>strimzi-crds</artifactId><version>0</version>
  <dependencies>
    <dependency><groupId>io.strimzi</groupId><artifactId>api</artifactId><version>{STRIMZI_VERSION}</version></dependency>
    <dependency><groupId>io.strimzi</groupId><artifactId>crd-generator</artifactId><version>{STRIMZI_VERSION}</version></dependency>
  </dependencies>
</project>
""")
    subprocess.run(
        ["mvn", "-q", "-B", "-f", str(pom), "dependency:copy-dependencies", f"-DoutputDirectory={work / 'lib'}"],
        check=True,
    )
    outputs = {kind: work / f"{kind}.yaml" for kind in STRIMZI_CRDS}
    # the arguments of Strimzi's own build (api/pom.xml, execution generate-crd-co-install-v1)
    subprocess.run(
        [
            java_21(),
            "-cp",
            str(work / "lib" / "*"),
            "io.strimzi.crdgenerator.CrdGenerator",
            "--label",
            "app:strimzi",
            "--label",
            "strimzi.io/crd-install:true",
            "--target-kube",
            "1.16+",
            "--crd-api-version",
            "v1",
            "--api-versions",
            STRIMZI_API_VERSION,
            "--storage-version",
            STRIMZI_API_VERSION,
            "--yaml",
            *[f"{cls}={outputs[kind]}" for kind, cls in STRIMZI_CRDS.items()],
        ],
        check=True,
    )
    return list(outputs.values())


# --- conversion ------------------------------------------------------------------------------
def strict(node: Any, root: bool = False) -> Any:
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("x-kubernetes-int-or-string") or node.get("format") == "int-or-string":
        return {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    out = {k: strict(v) for k, v in node.items() if k != "description" or not isinstance(v, str)}
    if "properties" in out and isinstance(out["properties"], dict):
        out["properties"] = {k: strict(v) for k, v in node["properties"].items()}
        if "additionalProperties" not in out and not node.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
    return out


def schemas_of(crd: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """File name → JSON schema, for every served version of a CRD."""
    spec = crd["spec"]
    group, kind = spec["group"], spec["names"]["kind"]
    out = {}
    for version in spec["versions"]:
        if not version.get("served", True):
            continue
        schema = strict(version["schema"]["openAPIV3Schema"], root=True)
        props = schema.setdefault("properties", {})
        props["apiVersion"] = {"type": "string", "enum": [f"{group}/{version['name']}"]}
        props["kind"] = {"type": "string", "enum": [kind]}
        schema["additionalProperties"] = False  # DENY_ROOT_ADDITIONAL_PROPERTIES
        schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind", "metadata"})
        out[f"{group}/{kind.lower()}_{version['name']}.json"] = schema
    return out


def main() -> int:
    sources: list[tuple[str, str, str, list[str]]] = []
    crd_files: list[Path] = []
    for name, (module, version, files) in GO_SOURCES.items():
        directory = go_module_dir(module, version)
        crd_files += [directory / f for f in files]
        sources.append((name, f"Go module `{module}@{version}`", version, files))
    with tempfile.TemporaryDirectory() as tmp:
        strimzi = strimzi_crds(Path(tmp))
        sources.append(
            (
                "Strimzi",
                f"Maven Central `io.strimzi:api:{STRIMZI_VERSION}` run through `io.strimzi:crd-generator:{STRIMZI_VERSION}`",
                STRIMZI_VERSION,
                [f"{k} ({c}, API {STRIMZI_API_VERSION})" for k, c in STRIMZI_CRDS.items()],
            )
        )
        written: dict[str, dict[str, Any]] = {}
        for path in [*crd_files, *strimzi]:
            for doc in yaml.safe_load_all(path.read_text()):
                if doc and doc.get("kind") == "CustomResourceDefinition":
                    written |= schemas_of(doc)
    for group_dir in OUT.iterdir() if OUT.exists() else []:
        if group_dir.is_dir():
            shutil.rmtree(group_dir)
    for rel, schema in sorted(written.items()):
        path = OUT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
    lines = [
        "# deploy/k8s/schemas — CRD schemas for kubeconform",
        "",
        "Written by `tools/k8s_schemas.py` (do not edit): each CRD version's `openAPIV3Schema`, converted",
        "to a strict JSON schema (unknown fields refused at every level, the root included, except where",
        "the CRD preserves unknown fields). `tests/deploy` validates every rendered object against these",
        "and the Kubernetes schemas of the `kubernetes-validate` PyPI package.",
        "",
        "| operator | source | version | CRDs |",
        "|---|---|---|---|",
        *[f"| {n} | {src} | {v} | {', '.join(f'`{f}`' for f in files)} |" for n, src, v, files in sources],
        "",
        "Schemas:",
        "",
        *[f"- `{rel}`" for rel in sorted(written)],
        "",
    ]
    (OUT / "SOURCES.md").write_text("\n".join(lines))
    print(f"wrote {len(written)} schemas to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
