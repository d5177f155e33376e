"""The two overlays: ``local`` (a laptop cluster: one of everything, small requests, Kafka on
ephemeral storage) and ``production`` (replicas and PodDisruptionBudgets, spread over nodes and
zones, three controllers and three brokers, replication 3, min.insync.replicas 2, more resources,
the gateway's Ingress). Kustomize patches over base/; generated like the base."""

from __future__ import annotations

from typing import Any

from .model import APP_CONTAINER, MIGRATE_CONTAINER, PART_OF, Platform
from .workloads import labels, selector
from .yamlio import dumps

Obj = dict[str, Any]
NAMESPACE = "huntaze"
PRODUCTION_IMAGE = "registry.example.com/huntaze/huntaze"
"""Placeholder: set your registry and the release tag (kustomize edit set image huntaze=...)."""
GATEWAY_HOST = "api.huntaze.example"
"""Placeholder: the public host name of the API."""
INGRESS_CLASS = "nginx"


def kustomization(resources: list[str], patches: list[Obj], images: list[Obj]) -> Obj:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": NAMESPACE,
        "resources": resources,
        "images": images,
        "patches": patches,
    }


def namespace() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": NAMESPACE,
            "labels": {
                "app.kubernetes.io/part-of": PART_OF,
                # Huntaze's pods meet "restricted"; the operators' pods are only held to "baseline"
                "pod-security.kubernetes.io/enforce": "baseline",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
            },
        },
    }


def ops(*operations: tuple[str, str, Any]) -> list[Obj]:
    """JSON6902 operations: (op, path, value)."""
    return [{"op": op, "path": path, "value": value} for op, path, value in operations]


def target_patch(target: Obj, patch: Any) -> Obj:
    return {"target": target, "patch": dumps(patch)}


def resources_patch(role: str, app: Obj, migrate: Obj) -> Obj:
    """Strategic merge of the containers' resources in every Deployment of a role."""
    patch = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"any-{role}"},  # ignored: the target selects the Deployments
        "spec": {
            "template": {
                "spec": {
                    "initContainers": [{"name": MIGRATE_CONTAINER, "resources": migrate}],
                    "containers": [{"name": APP_CONTAINER, "resources": app}],
                }
            }
        },
    }
    return target_patch({"kind": "Deployment", "labelSelector": f"app.kubernetes.io/component={role}"}, patch)


def res(cpu_req: str, mem_req: str, cpu_lim: str, mem_lim: str) -> Obj:
    return {"requests": {"cpu": cpu_req, "memory": mem_req}, "limits": {"cpu": cpu_lim, "memory": mem_lim}}


# --- local ------------------------------------------------------------------------------------
def local(platform: Platform) -> dict[str, Any]:
    small = res("25m", "160Mi", "500m", "384Mi")
    patches = [
        resources_patch("api", small, res("25m", "96Mi", "250m", "256Mi")),
        resources_patch("worker", small, res("25m", "96Mi", "250m", "256Mi")),
        target_patch({"kind": "HorizontalPodAutoscaler"}, ops(("replace", "/spec/maxReplicas", 2))),
        target_patch({"kind": "ScaledObject"}, ops(("replace", "/spec/maxReplicaCount", 2))),
        target_patch(
            {"kind": "KafkaNodePool"},
            ops(
                ("replace", "/spec/storage", {"type": "ephemeral", "sizeLimit": "2Gi"}),
                ("replace", "/spec/resources", res("100m", "768Mi", "1", "1Gi")),
            ),
        ),
        target_patch(
            {"kind": "Cluster", "group": "postgresql.cnpg.io"},
            ops(
                ("replace", "/spec/storage/size", "1Gi"),
                ("replace", "/spec/resources", res("50m", "128Mi", "500m", "512Mi")),
                ("replace", "/spec/postgresql/parameters/max_connections", "100"),
            ),
        ),
    ]
    images = [{"name": "huntaze", "newName": "huntaze", "newTag": "dev"}]
    return {
        "kustomization.yaml": kustomization(["../../base", "namespace.yaml"], patches, images),
        "namespace.yaml": [namespace()],
    }


# --- production -------------------------------------------------------------------------------
def spread_patch() -> Obj:
    """Every Deployment's pods spread over zones (best effort) and nodes (required), computed per
    Deployment and per rollout revision (matchLabelKeys), so one generic patch fits them all."""
    keys = ["app.kubernetes.io/name", "app.kubernetes.io/component", "pod-template-hash"]
    constraint = {
        "maxSkew": 1,
        "labelSelector": {"matchLabels": {"app.kubernetes.io/part-of": PART_OF}},
        "matchLabelKeys": keys,
    }
    patch = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "any"},
        "spec": {
            "template": {
                "spec": {
                    "topologySpreadConstraints": [
                        constraint
                        | {"topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"},
                        constraint | {"topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule"},
                    ]
                }
            }
        },
    }
    return target_patch({"kind": "Deployment"}, patch)


def pdbs(platform: Platform) -> list[Obj]:
    out = []
    for service in platform.services.values():
        for role in ["api", "worker"] if service.has_worker else ["api"]:
            out.append(
                {
                    "apiVersion": "policy/v1",
                    "kind": "PodDisruptionBudget",
                    "metadata": {"name": f"{service.name}-{role}", "labels": labels(service, role)},
                    "spec": {
                        "maxUnavailable": 1,
                        "selector": {"matchLabels": selector(service, role)},
                        "unhealthyPodEvictionPolicy": "AlwaysAllow",
                    },
                }
            )
    return out


def gateway_ingress(platform: Platform) -> list[Obj]:
    """The one way in: the gateway's Service behind the cluster's ingress controller (TLS there)."""
    gateway = platform.services.get("gateway")
    if gateway is None:
        return []
    return [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {
                "name": "gateway",
                "labels": labels(gateway, "api"),
                "annotations": {
                    # statement imports go up to 64 MiB through the gateway (gateway.routing.BODY_LIMITS)
                    "nginx.ingress.kubernetes.io/proxy-body-size": "64m",
                    "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
                },
            },
            "spec": {
                "ingressClassName": INGRESS_CLASS,
                "tls": [{"hosts": [GATEWAY_HOST], "secretName": "gateway-tls"}],
                "rules": [
                    {
                        "host": GATEWAY_HOST,
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {"service": {"name": "gateway-api", "port": {"name": "http"}}},
                                }
                            ]
                        },
                    }
                ],
            },
        }
    ]


def production(platform: Platform) -> dict[str, Any]:
    patches = [
        resources_patch("api", res("250m", "384Mi", "2", "768Mi"), res("50m", "128Mi", "500m", "256Mi")),
        resources_patch("worker", res("250m", "384Mi", "2", "768Mi"), res("50m", "128Mi", "500m", "256Mi")),
        spread_patch(),
        target_patch({"kind": "HorizontalPodAutoscaler"}, ops(("replace", "/spec/minReplicas", 2))),
        # two workers unless a service's topics have a single partition
        *[
            target_patch(
                {"kind": "ScaledObject", "name": f"{s.name}-worker"},
                ops(("replace", "/spec/minReplicaCount", min(2, platform.max_partitions(s)))),
            )
            for s in platform.services.values()
            if s.consumes
        ],
        target_patch(
            {"kind": "Kafka"},
            ops(
                ("replace", "/spec/kafka/config/default.replication.factor", 3),
                ("replace", "/spec/kafka/config/min.insync.replicas", 2),
                ("replace", "/spec/kafka/config/offsets.topic.replication.factor", 3),
                ("replace", "/spec/kafka/config/transaction.state.log.replication.factor", 3),
                ("replace", "/spec/kafka/config/transaction.state.log.min.isr", 2),
                ("add", "/spec/kafka/rack", {"topologyKey": "topology.kubernetes.io/zone"}),
            ),
        ),
        target_patch({"kind": "KafkaNodePool"}, ops(("replace", "/spec/replicas", 3))),
        target_patch(
            {"kind": "KafkaNodePool", "name": "broker"},
            ops(
                ("replace", "/spec/storage/volumes/0/size", "500Gi"),
                ("replace", "/spec/resources", res("1", "4Gi", "4", "8Gi")),
            ),
        ),
        target_patch(
            {"kind": "KafkaTopic"},
            ops(("replace", "/spec/replicas", 3), ("replace", "/spec/config/min.insync.replicas", 2)),
        ),
        target_patch(
            {"kind": "Cluster", "group": "postgresql.cnpg.io"},
            ops(
                ("replace", "/spec/instances", 3),
                ("replace", "/spec/storage/size", "50Gi"),
                ("replace", "/spec/resources", res("1", "2Gi", "4", "4Gi")),
                (
                    "add",
                    "/spec/affinity",
                    {
                        "enablePodAntiAffinity": True,
                        "topologyKey": "topology.kubernetes.io/zone",
                        "podAntiAffinityType": "preferred",
                    },
                ),
                # a primary never acknowledges a commit that no standby holds
                ("add", "/spec/postgresql/synchronous", {"method": "any", "number": 1}),
            ),
        ),
    ]
    images = [{"name": "huntaze", "newName": PRODUCTION_IMAGE, "newTag": "0.1.0"}]
    files: dict[str, Any] = {
        "kustomization.yaml": kustomization(
            ["../../base", "namespace.yaml", "pdb.yaml", "ingress.yaml"], patches, images
        ),
        "namespace.yaml": [namespace()],
        "pdb.yaml": pdbs(platform),
        "ingress.yaml": gateway_ingress(platform),
    }
    return files
