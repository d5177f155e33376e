"""deploy/k8s and the wall: every service behind it reads the gateway's public keys (all its
containers: even `migrate` refuses to start without them in production), and each pod's metrics are
scraped where the service serves them — the gateway's on a port of their own, never its public one.

Expectations from the code (each service's settings and Service), checked on the rendered overlays.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from huntaze_service import discover  # noqa: E402
from tools.k8s import model, monitoring, network, validate, workloads  # noqa: E402

Obj = dict[str, Any]
KEYS = {"name": "huntaze-internal-token-keys", "key": "HUNTAZE_INTERNAL_TOKEN_KEYS"}

logging.getLogger("gateway.config").setLevel(logging.ERROR)
SERVICES = {name: (d.settings, d.documented()) for name, d in discover().items()}


def metrics_port(service: str) -> int | None:
    return SERVICES[service][0].model_fields["metrics_port"].default  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Obj]]:
    return {overlay: validate.render(overlay) for overlay in validate.OVERLAYS}


def of(docs: list[Obj], kind: str) -> dict[str, Obj]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def selects(selector: Obj, labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for e in selector.get("matchExpressions", []):
        inside = labels.get(e["key"]) in e["values"]
        if (e["operator"] == "In") != inside:
            return False
    return True


@pytest.mark.parametrize("overlay", validate.OVERLAYS)
def test_services_behind_the_wall_read_the_gateways_public_keys(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    for name, deployment in of(rendered[overlay], "Deployment").items():
        service = name.rsplit("-", 1)[0]
        walled = SERVICES[service][1].internal_wall
        assert walled == (service != "gateway"), "only the gateway, the public entry point, has no wall"
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["initContainers"] + pod["containers"]:
            env = {e["name"]: e for e in container.get("env", [])}
            found = env.get("HUNTAZE_INTERNAL_TOKEN_KEYS")
            if walled:
                assert found == {"name": KEYS["key"], "valueFrom": {"configMapKeyRef": KEYS}}, (name, container["name"])
            else:
                assert found is None, name


@pytest.mark.parametrize("overlay", validate.OVERLAYS)
def test_metrics_are_scraped_where_each_service_serves_them(overlay: str, rendered: dict[str, list[Obj]]) -> None:
    docs = rendered[overlay]
    monitors = of(docs, "PodMonitor").values()
    policies = of(docs, "NetworkPolicy")
    settings = of(docs, "ConfigMap")
    for name, deployment in of(docs, "Deployment").items():
        service, role = name.rsplit("-", 1)
        own = metrics_port(service)
        template = deployment["spec"]["template"]
        ports = {p["name"]: p["containerPort"] for p in template["spec"]["containers"][0]["ports"]}
        scraped = [
            e["port"]
            for m in monitors
            if selects(m["spec"]["selector"], template["metadata"]["labels"])
            for e in m["spec"]["podMetricsEndpoints"]
        ]
        expected = "metrics" if own else "http"
        assert scraped == [expected], (name, scraped)  # once, on the right port
        if own:
            assert ports["metrics"] == own and ports["http"] != own, name
            prefix = str(SERVICES[service][0].model_config["env_prefix"])
            assert settings[f"{service}-settings"]["data"][f"{prefix}METRICS_PORT"] == str(own)
        rules = policies[f"{service}-{role}-ingress"]["spec"]["ingress"]
        from_monitoring = [
            p["port"]
            for r in rules
            if any("namespaceSelector" in f and "monitoring" in str(f) for f in r["from"])
            for p in r["ports"]
        ]
        assert from_monitoring == [expected], (name, from_monitoring)


def test_a_metrics_port_of_its_own_is_the_only_one_scraped() -> None:
    """The generator with the gateway's metrics on 9100 (whatever its settings say today)."""
    platform = model.platform()
    gateway = dataclasses.replace(platform.services["gateway"], metrics_port=9100)
    services = {**platform.services, "gateway": gateway}
    changed = dataclasses.replace(platform, services=services)

    ports = workloads.container(gateway, "api")["ports"]
    assert {"name": "metrics", "containerPort": 9100, "protocol": "TCP"} in ports
    assert workloads.settings_config_map(gateway)["data"]["GATEWAY_METRICS_PORT"] == "9100"
    by_name = {m["metadata"]["name"]: m for m in monitoring.pod_monitors(changed)}
    assert by_name["huntaze"]["spec"]["selector"]["matchExpressions"][-1] == {
        "key": "app.kubernetes.io/name",
        "operator": "NotIn",
        "values": ["gateway"],
    }
    assert by_name["huntaze-metrics"]["spec"]["podMetricsEndpoints"][0]["port"] == "metrics"
    ingress = network.service_ingress(gateway, changed)[0]["spec"]["ingress"]
    assert [r["ports"] for r in ingress] == [[{"protocol": "TCP", "port": "http"}], [{"protocol": "TCP", "port": "metrics"}]]
