"""Kafka by Strimzi (API ``kafka.strimzi.io/v1``): the cluster with KRaft node pools, a KafkaTopic
per event topic and per dead-letter topic, and a KafkaUser per service with ACLs from the registry.

Base values are those of a single broker (what overlays/local runs); overlays/production sets
three controllers, three brokers, replication 3 and min.insync.replicas 2.
"""

from __future__ import annotations

from typing import Any

from huntaze_streams.dlq import LEDGER_TOPIC

from .model import (
    ANALYST_USER,
    DLQ_RETENTION_MS,
    KAFKA_CLIENT_LABEL,
    KAFKA_CLUSTER,
    KAFKA_TLS_PORT,
    NAMESPACES,
    OPS_USER,
    PART_OF,
    REDRIVE_GROUP,
    REDRIVE_TRANSACTIONAL_ID,
    RETENTION_MS,
    Platform,
    ServiceFacts,
    Topic,
)

Obj = dict[str, Any]
API = "kafka.strimzi.io/v1"
CLUSTER_LABEL = {"strimzi.io/cluster": KAFKA_CLUSTER}
COMMON = {"app.kubernetes.io/part-of": PART_OF}


def kafka_cluster() -> Obj:
    return {
        "apiVersion": API,
        "kind": "Kafka",
        "metadata": {
            "name": KAFKA_CLUSTER,
            # KRaft with node pools (the only mode of Strimzi 1.x; kept for operators that still read them)
            "annotations": {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"},
        },
        "spec": {
            "kafka": {
                "listeners": [
                    {
                        "name": "tls",
                        "port": KAFKA_TLS_PORT,
                        "type": "internal",
                        "tls": True,
                        "authentication": {"type": "scram-sha-512"},
                        # Strimzi's generated NetworkPolicy: only labelled client pods and KEDA
                        "networkPolicyPeers": [
                            {"podSelector": {"matchLabels": {KAFKA_CLIENT_LABEL: "true"}}},
                            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": NAMESPACES["keda"]}}},
                        ],
                    }
                ],
                "authorization": {"type": "simple"},
                "config": {
                    "auto.create.topics.enable": False,  # topics are KafkaTopics, generated from the registry
                    "default.replication.factor": 1,
                    "min.insync.replicas": 1,
                    "offsets.topic.replication.factor": 1,
                    "transaction.state.log.replication.factor": 1,
                    "transaction.state.log.min.isr": 1,
                },
            },
            "entityOperator": {"topicOperator": {}, "userOperator": {}},
        },
    }


def node_pool(name: str, role: str, size: str) -> Obj:
    return {
        "apiVersion": API,
        "kind": "KafkaNodePool",
        # no app.kubernetes.io/part-of: Strimzi copies labels to the broker pods, and Huntaze's
        # egress lockdown (network.APP_PODS) is for its own pods only
        "metadata": {"name": name, "labels": dict(CLUSTER_LABEL)},
        "spec": {
            "replicas": 1,
            "roles": [role],
            "storage": {
                "type": "jbod",
                "volumes": [
                    {"id": 0, "type": "persistent-claim", "size": size, "deleteClaim": False, "kraftMetadata": "shared"}
                ],
            },
            "resources": {"requests": {"cpu": "250m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}},
        },
    }


def topic(t: Topic) -> Obj:
    return {
        "apiVersion": API,
        "kind": "KafkaTopic",
        "metadata": {"name": t.resource_name, "labels": COMMON | CLUSTER_LABEL},
        "spec": {
            "topicName": t.name,
            "partitions": t.partitions,
            "replicas": 1,
            "config": {
                "retention.ms": DLQ_RETENTION_MS if t.dlq else RETENTION_MS,
                "cleanup.policy": "delete",
                "min.insync.replicas": 1,
            },
        },
    }


def ledger_topic() -> Obj:
    """huntaze-streams' re-drive ledger: one compacted entry per dead letter re-driven out of order
    (see huntaze_streams.dlq); one partition, kept until the tool deletes its entries."""
    return {
        "apiVersion": API,
        "kind": "KafkaTopic",
        "metadata": {"name": "huntaze-streams.redrive-ledger", "labels": COMMON | CLUSTER_LABEL},
        "spec": {
            "topicName": LEDGER_TOPIC,
            "partitions": 1,
            "replicas": 1,
            "config": {"cleanup.policy": "compact", "min.insync.replicas": 1},
        },
    }


def acl(kind: str, name: str | None, operations: list[str], pattern: str = "literal") -> Obj:
    resource: Obj = {"type": kind}
    if name is not None:
        resource |= {"name": name, "patternType": pattern}
    return {"resource": resource, "operations": sorted(operations), "host": "*"}


def service_acls(service: ServiceFacts) -> list[Obj]:
    """Write+Describe what it produces and the dead-letter topics of what it consumes (the chassis
    dead-letters a poison record to ``<topic>.dlq``); Read+Describe what it consumes; Read its own
    consumer group (its name)."""
    acls = [acl("topic", t, ["Write", "Describe"]) for t in service.produces]
    acls += [acl("topic", t + ".dlq", ["Write", "Describe"]) for t in service.consumes]
    acls += [acl("topic", t, ["Read", "Describe"]) for t in service.consumes]
    if service.consumes:
        acls.append(acl("group", service.name, ["Read"]))
    return acls


def user(name: str, acls: list[Obj], component: str) -> Obj:
    return {
        "apiVersion": API,
        "kind": "KafkaUser",
        "metadata": {"name": name, "labels": COMMON | CLUSTER_LABEL | {"app.kubernetes.io/component": component}},
        "spec": {
            "authentication": {"type": "scram-sha-512"},
            "authorization": {"type": "simple", "acls": acls},
        },
    }


def analyst_acls(platform: Platform) -> list[Obj]:
    """huntaze-streams reads by assigning partitions (no group) and never commits."""
    return [acl("topic", t.name, ["Read", "Describe"]) for t in platform.topics.values()]


def ops_acls(platform: Platform) -> list[Obj]:
    """Dead-letter re-drive: reads the dead-letter topics, writes the event topics transactionally,
    and keeps its progress in its own consumer group."""
    acls = [acl("topic", t.name, ["Read", "Describe"]) for t in platform.dlq_topics]
    acls += [acl("topic", t.name, ["Write", "Describe"]) for t in platform.event_topics]
    acls.append(acl("topic", LEDGER_TOPIC, ["Read", "Write", "Describe"]))
    acls.append(acl("group", REDRIVE_GROUP, ["Read", "Describe"]))
    acls.append(acl("transactionalId", REDRIVE_TRANSACTIONAL_ID, ["Write", "Describe"], pattern="prefix"))
    acls.append(acl("cluster", None, ["IdempotentWrite"]))
    return acls


def objects(platform: Platform) -> dict[str, list[Obj]]:
    """File name (in base/kafka/) → its objects."""
    users = [user(s.kafka_user, service_acls(s), "service") for s in platform.services.values() if s.uses_kafka]
    users += [user(ANALYST_USER, analyst_acls(platform), "analyst"), user(OPS_USER, ops_acls(platform), "ops")]
    return {
        "cluster.yaml": [
            kafka_cluster(),
            node_pool("controller", "controller", "20Gi"),
            node_pool("broker", "broker", "100Gi"),
        ],
        "topics.yaml": [*(topic(t) for t in platform.topics.values()), ledger_topic()],
        "users.yaml": users,
    }
