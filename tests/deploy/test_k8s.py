"""deploy/k8s: generated from the code and current; each overlay renders with kustomize; every rendered
object validates strictly (kubeconform) against the pinned Kubernetes schemas and the vendored CRD
schemas; and a policy over the rendered objects checks what schemas cannot.

No infrastructure needed. kustomize and kubeconform are the pinned binaries tools/k8s_tools.sh
installs (make test runs it first); when they are missing these tests fail, they never skip.
The expectations are computed here from the services and the registry, not from tools/k8s.
"""

from __future__ import annotations

import copy
import logging
import shutil
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from huntaze_events import REGISTRY  # noqa: E402
from huntaze_service import discover  # noqa: E402
from huntaze_streams.dlq import LEDGER_TOPIC  # noqa: E402
from tools.k8s import __main__ as generator  # noqa: E402
from tools.k8s import validate  # noqa: E402

OVERLAYS = validate.OVERLAYS
DLQ = ".dlq"
INTERNET_EGRESS = {
    "ai": "OpenAI / Azure OpenAI",
    "inbox": "the connector's webhook",
    "marketing": "the social networks' APIs",
    "content": "the media vault's S3 store",
    "billing": "Stripe's API",
    "notifications": "the creators' own webhook endpoints (public addresses only: url_guard)",
}
"""Services allowed HTTPS to the internet: a reviewed list (a new one fails here until added)."""

Obj = dict[str, Any]


# --- what the code says ------------------------------------------------------------------------
def _services() -> dict[str, Any]:
    logging.getLogger("gateway.config").setLevel(logging.ERROR)
    return {name: d for name, d in discover().items()}


SERVICES = _services()
DOCUMENTED = {name: d.documented() for name, d in SERVICES.items()}


def consumed(name: str) -> set[str]:
    return {s.spec.topic for s in DOCUMENTED[name].subscriptions}


def produced(name: str) -> set[str]:
    return {spec.topic for spec in REGISTRY if spec.producer == name}


def has_worker(name: str) -> bool:
    subs = DOCUMENTED[name].subscriptions
    return bool(len(subs) or subs.timers or subs.calls)


def partitions(topic: str) -> int:
    return REGISTRY.for_topic(topic.removesuffix(DLQ)).partitions


def deployments_expected() -> set[str]:
    return {f"{n}-api" for n in SERVICES} | {f"{n}-worker" for n in SERVICES if has_worker(n)}


# --- rendering ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Obj]]:
    return {overlay: validate.render(overlay) for overlay in OVERLAYS}


def of(docs: list[Obj], kind: str) -> dict[str, Obj]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def test_pinned_tools_are_installed() -> None:
    assert validate.KUSTOMIZE.exists() and validate.KUBECONFORM.exists(), (
        "kustomize/kubeconform missing: run tools/k8s_tools.sh (make test does)"
    )


def test_generated_files_are_current() -> None:
    assert generator.stale() == [], "deploy/k8s is stale: run `make k8s`"


def test_check_names_stale_and_stray_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_dir = tmp_path / "k8s"
    shutil.copytree(generator.K8S, copy_dir, ignore=shutil.ignore_patterns("schemas"))
    monkeypatch.setattr(generator, "K8S", copy_dir)
    monkeypatch.setattr(generator, "README", copy_dir / "README.md")
    (copy_dir / "base" / "services" / "fans" / "api.yaml").write_text("# edited by hand\n")
    (copy_dir / "base" / "stray.yaml").write_text("{}\n")
    problems = generator.stale()
    assert "deploy/k8s/base/services/fans/api.yaml" in problems
    assert any("base/stray.yaml" in p for p in problems)
    assert generator.main(["--check"]) == 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    docs = rendered[overlay]
    assert docs and all(d["metadata"].get("namespace") == "huntaze" for d in docs if d["kind"] != "Namespace")
    names = [(d["kind"], d["metadata"]["name"]) for d in docs]
    assert len(names) == len(set(names)), "an object is rendered twice"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_validates_strictly(overlay: str, rendered: dict[str, list[Obj]], tmp_path: Path) -> None:
    summary = validate.kubeconform(rendered[overlay], tmp_path)
    count = len(rendered[overlay])
    assert f"Valid: {count}, Invalid: 0, Errors: 0, Skipped: 0" in summary, summary


@pytest.mark.parametrize(
    "case",
    [
        ("unknown container field", "'livenesProbes' not allowed"),
        ("wrong type in a CRD", "got string, want integer"),
        ("unknown field in a CRD", "'maxReplicas' not allowed"),
        ("unknown kind", "could not find schema for Widget"),
        ("unknown field at a CRD's root", "'specs' not allowed"),
    ],
)
def test_validation_bites(case: tuple[str, str], rendered: dict[str, list[Obj]], tmp_path: Path) -> None:
    breakage, message = case
    docs = copy.deepcopy(rendered["production"])
    if breakage == "unknown container field":
        next(iter(of(docs, "Deployment").values()))["spec"]["template"]["spec"]["containers"][0]["livenesProbes"] = {}
    elif breakage == "wrong type in a CRD":
        next(iter(of(docs, "KafkaTopic").values()))["spec"]["partitions"] = "six"
    elif breakage == "unknown field in a CRD":
        next(iter(of(docs, "ScaledObject").values()))["spec"]["maxReplicas"] = 3
    elif breakage == "unknown kind":
        docs.append({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})
    else:
        next(iter(of(docs, "Cluster").values()))["specs"] = {}
    with pytest.raises(validate.ValidationError, match=message):
        validate.kubeconform(docs, tmp_path)


# --- the policy ----------------------------------------------------------------------------------
def pod_specs(docs: list[Obj]) -> dict[str, Obj]:
    return {name: d["spec"]["template"]["spec"] for name, d in of(docs, "Deployment").items()}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_deployments_are_one_per_role(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    assert set(of(rendered[overlay], "Deployment")) == deployments_expected()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_probed_limited_and_locked_down(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    for name, pod in pod_specs(rendered[overlay]).items():
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        assert pod["serviceAccountName"] == name.rsplit("-", 1)[0], name
        for c in pod.get("initContainers", []) + pod["containers"]:
            where = f"{name}/{c['name']}"
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"].get(bound, {})), f"{where}: {bound}"
            sc = c["securityContext"]
            assert sc["runAsNonRoot"] is True and sc["runAsUser"] != 0, where
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"]["drop"] == ["ALL"] and "add" not in sc["capabilities"], where
            assert {"name": "tmp", "mountPath": "/tmp"} in c["volumeMounts"], where
        for c in pod["containers"]:
            assert c["livenessProbe"]["httpGet"]["path"] == "/health", name
            assert c["readinessProbe"]["httpGet"]["path"] == "/ready", name
            assert c["startupProbe"]["httpGet"]["path"] == "/health", name
            role = name.rsplit("-", 1)[1]
            assert c["args"] == [name.rsplit("-", 1)[0], "serve", "--role", role], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_termination_outlasts_the_chassis_shutdown(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    for name, pod in pod_specs(rendered[overlay]).items():
        settings = SERVICES[name.rsplit("-", 1)[0]].settings
        grace = float(settings.model_fields["shutdown_grace_s"].default)
        app = pod["containers"][0]
        pre_stop = app["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert pre_stop > 0, name
        assert pod["terminationGracePeriodSeconds"] > pre_stop + grace, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_settings_database_and_kafka_wiring(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    docs = rendered[overlay]
    maps, clusters, users = of(docs, "ConfigMap"), of(docs, "Cluster"), of(docs, "KafkaUser")
    for name, pod in pod_specs(docs).items():
        service = name.rsplit("-", 1)[0]
        settings = SERVICES[service].settings
        prefix = str(settings.model_config["env_prefix"])
        app = pod["containers"][0]
        data = maps[f"{service}-settings"]["data"]
        assert {"configMapRef": {"name": f"{service}-settings"}} in app["envFrom"], name
        assert data["HUNTAZE_ENVIRONMENT"] == "production" and data[f"{prefix}HTTP_HOST"] == "0.0.0.0"
        assert data[f"{prefix}HTTP_PORT"] == str(SERVICES[service].default_port)
        env = {e["name"]: e for e in app["env"]}
        assert env[f"{prefix}ROLE"]["value"] == name.rsplit("-", 1)[1]
        url = env[f"{prefix}DATABASE_URL"]["value"]
        assert url.startswith("postgresql+psycopg://$(DB_USERNAME):$(DB_PASSWORD)@$(DB_HOST):5432/$(DB_NAME)?")
        assert f"{service}-db" in clusters
        for var in ("DB_USERNAME", "DB_PASSWORD", "DB_HOST", "DB_NAME"):
            assert env[var]["valueFrom"]["secretKeyRef"]["name"] == f"{service}-db-app", (name, var)
        if DOCUMENTED[service].uses_kafka:
            assert data["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL" and data["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
            assert data["KAFKA_SASL_USERNAME"] in users
            assert env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
                "name": data["KAFKA_SASL_USERNAME"],
                "key": "password",
            }
            mounts = {m["mountPath"] for m in app["volumeMounts"]}
            assert data["KAFKA_SSL_CAFILE"].rsplit("/", 1)[0] in mounts


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_workers_scale_on_lag_of_exactly_their_topics(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    docs = rendered[overlay]
    scaled = {d["spec"]["scaleTargetRef"]["name"]: d for d in of(docs, "ScaledObject").values()}
    auths = of(docs, "TriggerAuthentication")
    for name in of(docs, "Deployment"):
        service, role = name.rsplit("-", 1)
        if role != "worker" or not consumed(service):
            assert name not in scaled, name
            continue
        so = scaled[name]
        triggers = so["spec"]["triggers"]
        assert {t["metadata"]["topic"] for t in triggers} == consumed(service), name
        assert len(triggers) == len(consumed(service)), name
        for t in triggers:
            assert t["type"] == "kafka" and t["metadata"]["consumerGroup"] == service, name
            assert t["authenticationRef"]["name"] in auths, name
        most = max(partitions(t) for t in consumed(service))
        assert 1 <= so["spec"]["minReplicaCount"] <= so["spec"]["maxReplicaCount"] <= most, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_api_has_a_cpu_hpa_and_a_cluster_ip_service(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    docs = rendered[overlay]
    hpas = {d["spec"]["scaleTargetRef"]["name"]: d for d in of(docs, "HorizontalPodAutoscaler").values()}
    services = of(docs, "Service")
    for service in SERVICES:
        hpa = hpas[f"{service}-api"]
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
        assert services[f"{service}-api"]["spec"]["type"] == "ClusterIP"
        assert services[f"{service}-api"]["spec"]["ports"][0]["port"] == SERVICES[service].default_port
    assert set(hpas) == {f"{s}-api" for s in SERVICES}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_is_exposed(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    docs = rendered[overlay]
    for name, svc in of(docs, "Service").items():
        assert svc["spec"].get("type", "ClusterIP") == "ClusterIP", name
    for name, ingress in of(docs, "Ingress").items():
        backends = {p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}
        assert backends == {"gateway-api"}, name
    if overlay == "production":
        assert of(docs, "Ingress"), "production exposes the gateway through an Ingress"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_gateway_routes_reach_the_services(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    from gateway.routing import ROUTES

    docs = rendered[overlay]
    data = of(docs, "ConfigMap")["gateway-settings"]["data"]
    policies = of(docs, "NetworkPolicy")
    for name in ROUTES:
        assert data[f"GATEWAY_ROUTES__{name.upper()}"] == f"http://{name}-api:{SERVICES[name].default_port}"
        rules = policies[f"{name}-api-ingress"]["spec"]["ingress"]
        peers = [p for r in rules for p in r.get("from", [])]
        assert {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway", "app.kubernetes.io/component": "api"}}
        } in peers


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    policies = of(rendered[overlay], "NetworkPolicy")
    deny = policies["default-deny-ingress"]["spec"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"] and deny["ingress"] == []
    internet = set()
    namespaces_in = defaultdict(set)
    for name, p in policies.items():
        for rule in p["spec"].get("egress", []):
            if any("ipBlock" in peer for peer in rule["to"]):
                internet.add(name.removesuffix("-egress"))
                assert rule["ports"] == [{"protocol": "TCP", "port": 443}], name
                assert "169.254.0.0/16" in rule["to"][0]["ipBlock"]["except"], name
        for rule in p["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                if "namespaceSelector" in peer:
                    namespaces_in[peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]].add(name)
    assert internet == set(INTERNET_EGRESS) & set(SERVICES), "internet egress: review INTERNET_EGRESS"
    assert namespaces_in["ingress-nginx"] == {"gateway-api-ingress"}
    for service in SERVICES:
        egress = policies[f"{service}-egress"]["spec"]
        assert egress["policyTypes"] == ["Egress"]
        targets = [peer for rule in egress["egress"] for peer in rule["to"]]
        assert {"podSelector": {"matchLabels": {"cnpg.io/cluster": f"{service}-db"}}} in targets, service
        assert f"{service}-db-ingress" in policies


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kafka_topics_match_the_registry(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    topics = {d["spec"]["topicName"]: d for d in of(rendered[overlay], "KafkaTopic").values()}
    wanted = {s.topic for s in REGISTRY} | {s.topic + DLQ for s in REGISTRY}
    assert set(topics) == wanted | {LEDGER_TOPIC}  # and the re-drive tool's ledger
    ledger = topics.pop(LEDGER_TOPIC)
    assert ledger["spec"]["partitions"] == 1 and ledger["spec"]["config"]["cleanup.policy"] == "compact"
    for name, t in topics.items():
        assert t["spec"]["partitions"] == partitions(name), name
        assert t["metadata"]["labels"]["strimzi.io/cluster"] == "huntaze"
        if overlay == "production":
            assert t["spec"]["replicas"] == 3 and t["spec"]["config"]["min.insync.replicas"] == 2, name


def acl_set(user: Obj) -> set[tuple[str, str, str, str]]:
    out = set()
    for a in user["spec"]["authorization"]["acls"]:
        r = a["resource"]
        for op in a["operations"]:
            out.add((r["type"], r.get("name", ""), r.get("patternType", ""), op))
    return out


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kafka_users_have_exactly_the_registry_acls(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    users = of(rendered[overlay], "KafkaUser")
    for service in SERVICES:
        if not DOCUMENTED[service].uses_kafka:
            assert service not in users, f"{service} uses no Kafka: no KafkaUser"
            continue
        want = set()
        for t in produced(service):
            want |= {("topic", t, "literal", "Write"), ("topic", t, "literal", "Describe")}
        for t in consumed(service):
            want |= {("topic", t, "literal", "Read"), ("topic", t, "literal", "Describe")}
            want |= {("topic", t + DLQ, "literal", "Write"), ("topic", t + DLQ, "literal", "Describe")}
        if consumed(service):
            want.add(("group", service, "literal", "Read"))
        user = users[service]
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        assert acl_set(user) == want, service
    every = {s.topic for s in REGISTRY} | {s.topic + DLQ for s in REGISTRY}
    analyst = acl_set(users["analyst"])
    assert analyst == {("topic", t, "literal", op) for t in every for op in ("Read", "Describe")}
    ops = acl_set(users["ops"])
    assert {("topic", s.topic + DLQ, "literal", "Read") for s in REGISTRY} <= ops
    assert {("topic", s.topic, "literal", "Write") for s in REGISTRY} <= ops
    assert ("group", "huntaze-streams-redrive", "literal", "Read") in ops
    assert ("transactionalId", "huntaze-streams-redrive", "prefix", "Write") in ops
    assert ("cluster", "", "", "IdempotentWrite") in ops
    assert {("topic", LEDGER_TOPIC, "literal", op) for op in ("Read", "Write")} <= ops  # its re-drive ledger
    assert not any(op == "Write" and name.endswith(DLQ) for _, name, _, op in ops), "ops never writes dead letters"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kafka_cluster_is_kraft_tls_scram(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    docs = rendered[overlay]
    kafka = of(docs, "Kafka")["huntaze"]
    assert kafka["metadata"]["annotations"] == {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"}
    listeners = kafka["spec"]["kafka"]["listeners"]
    assert all(listener["tls"] and listener["authentication"]["type"] == "scram-sha-512" for listener in listeners)
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    pools = of(docs, "KafkaNodePool")
    assert {tuple(p["spec"]["roles"]) for p in pools.values()} == {("controller",), ("broker",)}
    if overlay == "production":
        assert all(p["spec"]["replicas"] == 3 for p in pools.values())
        config = kafka["spec"]["kafka"]["config"]
        assert config["default.replication.factor"] == 3 and config["min.insync.replicas"] == 2


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_one_database_per_service(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    clusters = of(rendered[overlay], "Cluster")
    assert set(clusters) == {f"{s}-db" for s in SERVICES}
    for service in SERVICES:
        assert clusters[f"{service}-db"]["spec"]["bootstrap"]["initdb"] == {"database": service, "owner": service}
    if overlay == "production":
        assert all(c["spec"]["instances"] >= 3 for c in clusters.values())


def test_production_has_a_pdb_per_deployment_and_spreads(rendered: dict[str, list[Obj]]) -> None:
    docs = rendered["production"]
    pdbs = of(docs, "PodDisruptionBudget")
    for name, d in of(docs, "Deployment").items():
        covering = [
            p
            for p in pdbs.values()
            if p["spec"]["selector"]["matchLabels"].items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(covering) == 1, name
        keys = {c["topologyKey"] for c in d["spec"]["template"]["spec"]["topologySpreadConstraints"]}
        assert keys == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}, name
    assert all(h["spec"]["minReplicas"] >= 2 for h in of(docs, "HorizontalPodAutoscaler").values())


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_monitoring(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    docs = rendered[overlay]
    alerts = yaml.safe_load((ROOT / "deploy" / "observability" / "prometheus" / "alerts.yml").read_text())
    rule = of(docs, "PrometheusRule")["huntaze"]
    assert rule["spec"]["groups"] == alerts["groups"]
    monitor = of(docs, "PodMonitor")["huntaze"]
    assert monitor["spec"]["podMetricsEndpoints"][0]["path"] == "/metrics"
    for name, d in of(docs, "Deployment").items():
        assert d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/part-of"] == "huntaze", name


# --- the image -----------------------------------------------------------------------------------
def stages(dockerfile: str) -> list[list[str]]:
    """Instructions per stage (continuation lines joined, comments dropped)."""
    text = dockerfile.replace("\\\n", " ")
    out: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            out.append([])
        if out:
            out[-1].append(line)
    return out


def test_dockerfile_is_multi_stage_non_root_without_build_tools() -> None:
    parsed = stages((ROOT / "Dockerfile").read_text())
    assert len(parsed) >= 2, "multi-stage"
    build = " ".join(" ".join(s) for s in parsed[:-1])
    assert "uv sync --locked --all-packages --no-dev" in build
    final = parsed[-1]
    assert final[0].split()[1].startswith("python:") and "slim" in final[0]
    users = [i.split()[1] for i in final if i.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "runs as a non-root user"
    assert users[-1].split(":")[0] == "10001"
    body = " ".join(final).lower()
    for tool in ("gcc", "build-essential", "apt-get install", "uv sync", "pip install", "make "):
        assert tool not in body, f"{tool!r} in the final stage"
    copies = [i for i in final if i.upper().startswith("COPY ")]
    assert copies and all("--from=builder" in c for c in copies), "the final stage copies only the built venv"
    assert any(i == 'ENTRYPOINT ["python", "-m"]' for i in final)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "*" in ignored and "!uv.lock" in ignored, ".dockerignore sends only the workspace"
