"""NetworkPolicies: nothing enters any pod of the namespace unless a policy lets it, and Huntaze's
own pods (api and worker) reach nothing but their own database, the Kafka brokers, DNS and the
OpenTelemetry Collector — plus the gateway to the services it routes to, and HTTPS to the internet
for the services whose settings name an external peer.

Egress of the Kafka and PostgreSQL pods is left to their operators' needs (the API server, the
other instances, backups): only their ingress is closed. Strimzi writes the brokers' ingress
policies itself (the TLS listener's networkPolicyPeers); the database's are here.
"""

from __future__ import annotations

from typing import Any

from .model import (
    HTTP_PORT_NAME,
    KAFKA_CLUSTER,
    KAFKA_TLS_PORT,
    NAMESPACES,
    OTEL_PORT,
    PART_OF,
    Platform,
    ServiceFacts,
)
from .workloads import labels, selector

Obj = dict[str, Any]
PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"]
"""Never "the internet": the cluster's own networks and the cloud metadata endpoint."""


APP_PODS = {
    "matchLabels": {"app.kubernetes.io/part-of": PART_OF},
    "matchExpressions": [{"key": "app.kubernetes.io/component", "operator": "In", "values": ["api", "worker"]}],
}
"""Huntaze's own pods (never the brokers' or the databases', which their operators label)."""


def policy(
    name: str,
    pod_selector: dict[str, Any],
    *,
    ingress: list[Obj] | None = None,
    egress: list[Obj] | None = None,
    lbls: dict[str, str] | None = None,
) -> Obj:
    types = [t for t, rules in (("Ingress", ingress), ("Egress", egress)) if rules is not None]
    if pod_selector and "matchLabels" not in pod_selector:
        pod_selector = {"matchLabels": pod_selector}
    spec: Obj = {"podSelector": pod_selector, "policyTypes": types}
    if ingress is not None:
        spec["ingress"] = ingress
    if egress is not None:
        spec["egress"] = egress
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "labels": lbls or {"app.kubernetes.io/part-of": PART_OF}},
        "spec": spec,
    }


def namespace(key: str) -> Obj:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": NAMESPACES[key]}}}


def tcp(*ports: int | str) -> list[Obj]:
    return [{"protocol": "TCP", "port": p} for p in ports]


def default_deny() -> list[Obj]:
    return [
        policy("default-deny-ingress", {}, ingress=[]),
        policy("huntaze-default-deny-egress", APP_PODS, egress=[]),
    ]


def dns() -> Obj:
    return {
        "to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }


def service_egress(service: ServiceFacts, platform: Platform) -> Obj:
    rules = [
        dns(),
        {"to": [{"podSelector": {"matchLabels": {"cnpg.io/cluster": service.database}}}], "ports": tcp(5432)},
        {"to": [namespace("observability")], "ports": tcp(OTEL_PORT)},
    ]
    if service.uses_kafka:
        brokers = {"strimzi.io/cluster": KAFKA_CLUSTER, "strimzi.io/broker-role": "true"}
        rules.append({"to": [{"podSelector": {"matchLabels": brokers}}], "ports": tcp(KAFKA_TLS_PORT)})
    for target in sorted(set(service.routes.values())):
        peer = platform.services[target]
        rules.append({"to": [{"podSelector": {"matchLabels": selector(peer, "api")}}], "ports": tcp(peer.port)})
    if service.needs_internet:
        # its settings name an external peer (see model.EXTERNAL_FIELD_SUFFIXES): HTTPS out only
        rules.append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": PRIVATE_RANGES}}], "ports": tcp(443)})
    own_pods = {
        "matchLabels": {"app.kubernetes.io/name": service.name},
        "matchExpressions": APP_PODS["matchExpressions"],
    }
    return policy(f"{service.name}-egress", own_pods, egress=rules, lbls=labels(service))


def service_ingress(service: ServiceFacts, platform: Platform) -> list[Obj]:
    scrape = {"from": [namespace("monitoring")], "ports": tcp(service.metrics_port_name)}
    if service.name == "gateway":
        callers = [namespace("ingress")]
    else:
        callers = [
            {"podSelector": {"matchLabels": selector(g, "api")}}
            for g in platform.services.values()
            if service.name in g.routes.values()
        ]
    api_rules = ([{"from": callers, "ports": tcp(HTTP_PORT_NAME)}] if callers else []) + [scrape]
    policies = [
        policy(f"{service.name}-api-ingress", selector(service, "api"), ingress=api_rules, lbls=labels(service, "api"))
    ]
    if service.has_worker:
        policies.append(
            policy(
                f"{service.name}-worker-ingress",
                selector(service, "worker"),
                ingress=[scrape],
                lbls=labels(service, "worker"),
            )
        )
    return policies


def database_ingress(service: ServiceFacts) -> Obj:
    """Its own service's pods; the other instances of the same cluster (replication); the
    CloudNativePG operator (instance manager on 8000); Prometheus (the exporter on 9187)."""
    own = {"cnpg.io/cluster": service.database}
    rules = [
        {
            "from": [
                {
                    "podSelector": {
                        "matchLabels": {"app.kubernetes.io/name": service.name, "app.kubernetes.io/part-of": PART_OF}
                    }
                }
            ],
            "ports": tcp(5432),
        },
        {"from": [{"podSelector": {"matchLabels": own}}], "ports": tcp(5432, 8000)},
        {"from": [namespace("cnpg")], "ports": tcp(8000, 5432)},
        {"from": [namespace("monitoring")], "ports": tcp(9187)},
    ]
    return policy(f"{service.database}-ingress", own, ingress=rules, lbls=labels(service, "database"))


def service_policies(service: ServiceFacts, platform: Platform) -> list[Obj]:
    return [service_egress(service, platform), *service_ingress(service, platform), database_ingress(service)]
