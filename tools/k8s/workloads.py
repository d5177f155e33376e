"""Per service: ServiceAccount, settings ConfigMap, a Deployment per role, the api's Service, and the
autoscalers (an HPA on CPU for the api; a KEDA ScaledObject on consumer lag for the worker)."""

from __future__ import annotations

from typing import Any

from .model import (
    APP_CONTAINER,
    DB_MAX_OVERFLOW,
    DB_POOL_SIZE,
    HTTP_PORT_NAME,
    IMAGE,
    INTERNAL_TOKEN_CONFIG_MAP,
    INTERNAL_TOKEN_KEYS,
    KAFKA_BOOTSTRAP,
    KAFKA_CA_PATH,
    KAFKA_CA_SECRET,
    KAFKA_CLIENT_LABEL,
    MIGRATE_CONTAINER,
    OTEL_ENDPOINT,
    PART_OF,
    PG_CA_PATH,
    PRE_STOP_SLEEP_S,
    RUN_AS,
    Platform,
    ServiceFacts,
    api_url,
)

Obj = dict[str, Any]

RESOURCES = {
    # base values; overlays/local shrinks them, overlays/production raises them
    "api": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
    "worker": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
    "migrate": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
}
HPA_CPU_UTILIZATION = 70
HPA_MAX_REPLICAS = 10
LAG_THRESHOLD = 100
"""Records of lag per worker replica that KEDA aims for, per topic."""


def labels(service: ServiceFacts, component: str | None = None) -> dict[str, str]:
    out = {"app.kubernetes.io/name": service.name, "app.kubernetes.io/part-of": PART_OF}
    if component:
        out["app.kubernetes.io/component"] = component
    return out


def selector(service: ServiceFacts, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": service.name, "app.kubernetes.io/component": component}


def meta(name: str, lbls: dict[str, str], **extra: Any) -> Obj:
    return {"name": name, "labels": lbls, **extra}


def service_account(service: ServiceFacts) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": meta(service.name, labels(service)),
        "automountServiceAccountToken": False,
    }


def settings_config_map(service: ServiceFacts) -> Obj:
    """Non-secret settings, as the chassis reads them (``<PREFIX>_...`` and the shared ones)."""
    data = {
        "HUNTAZE_ENVIRONMENT": "production",
        service.env("http_host"): "0.0.0.0",
        service.env("http_port"): str(service.port),
        service.env("log_json"): "true",
        service.env("db_pool_size"): str(DB_POOL_SIZE),
        service.env("db_max_overflow"): str(DB_MAX_OVERFLOW),
        service.env("shutdown_grace_s"): f"{service.shutdown_grace_s:g}",
        service.env("otel_exporter_otlp_endpoint"): OTEL_ENDPOINT,
    }
    if service.metrics_port:
        data[service.env("metrics_port")] = str(service.metrics_port)
    if service.uses_kafka:
        data |= {
            "KAFKA_BOOTSTRAP_SERVERS": KAFKA_BOOTSTRAP,
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKA_SASL_USERNAME": service.kafka_user,
            "KAFKA_SSL_CAFILE": KAFKA_CA_PATH,
        }
    for variable, target in service.routes.items():
        data[variable] = api_url_of(target, service)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta(f"{service.name}-settings", labels(service)),
        "data": dict(sorted(data.items())),
    }


def api_url_of(target: str, gateway: ServiceFacts) -> str:
    from .model import platform

    return api_url(platform().services[target])


def _env(service: ServiceFacts, role: str) -> list[Obj]:
    """The role, then the database URL composed from CloudNativePG's app Secret (the chassis wants a
    SQLAlchemy ``postgresql+psycopg://`` URL; the Secret's ``uri`` is libpq's ``postgresql://``),
    verifying the server against the cluster's CA; the Kafka password from the KafkaUser's Secret; the
    gateway's public keys from the ConfigMap the operator creates (services behind the wall)."""
    secret = f"{service.database}-app"

    def from_secret(name: str, key: str, secret_name: str = secret) -> Obj:
        return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}}

    env = [{"name": service.env("role"), "value": role}] if role != "migrate" else []
    env += [
        from_secret("DB_USERNAME", "username"),
        from_secret("DB_PASSWORD", "password"),
        from_secret("DB_HOST", "host"),
        from_secret("DB_NAME", "dbname"),
        {
            "name": service.env("database_url"),
            "value": "postgresql+psycopg://$(DB_USERNAME):$(DB_PASSWORD)@$(DB_HOST):5432/$(DB_NAME)"
            f"?sslmode=verify-full&sslrootcert={PG_CA_PATH}",
        },
    ]
    if service.uses_kafka:
        env.append(from_secret("KAFKA_SASL_PASSWORD", "password", service.kafka_user))
    if service.internal_wall:  # required in production by every command, migrate included
        ref = {"name": INTERNAL_TOKEN_CONFIG_MAP, "key": INTERNAL_TOKEN_KEYS}
        env.append({"name": INTERNAL_TOKEN_KEYS, "valueFrom": {"configMapKeyRef": ref}})
    return env


def _env_from(service: ServiceFacts) -> list[Obj]:
    env_from: list[Obj] = [{"configMapRef": {"name": f"{service.name}-settings"}}]
    if service.secret_settings:
        # created by the operator (see the README): keys are the variables, e.g. GATEWAY_JWT_SECRET
        env_from.append({"secretRef": {"name": f"{service.name}-secrets", "optional": not service.required_secrets}})
    return env_from


def _mounts(service: ServiceFacts) -> list[Obj]:
    mounts = [
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "postgres-ca", "mountPath": PG_CA_PATH.rsplit("/", 1)[0], "readOnly": True},
    ]
    if service.uses_kafka:
        mounts.append({"name": "kafka-ca", "mountPath": KAFKA_CA_PATH.rsplit("/", 1)[0], "readOnly": True})
    return mounts


def _volumes(service: ServiceFacts) -> list[Obj]:
    volumes: list[Obj] = [
        {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},  # uploads spooled by the HTTP server
        {
            "name": "postgres-ca",
            "secret": {"secretName": f"{service.database}-ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]},
        },
    ]
    if service.uses_kafka:
        volumes.append(
            {
                "name": "kafka-ca",
                "secret": {"secretName": KAFKA_CA_SECRET, "items": [{"key": "ca.crt", "path": "ca.crt"}]},
            }
        )
    return volumes


CONTAINER_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": RUN_AS,
    "runAsGroup": RUN_AS,
    "readOnlyRootFilesystem": True,
    "allowPrivilegeEscalation": False,
    "privileged": False,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def _probe(path: str, *, period: int, timeout: int, failures: int) -> Obj:
    return {
        "httpGet": {"path": path, "port": HTTP_PORT_NAME},
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
    }


def _ports(service: ServiceFacts) -> list[Obj]:
    ports = [{"name": HTTP_PORT_NAME, "containerPort": service.port, "protocol": "TCP"}]
    if service.metrics_port:  # Prometheus scrapes it; the HTTP port (public, for the gateway) has no /metrics
        ports.append({"name": service.metrics_port_name, "containerPort": service.metrics_port, "protocol": "TCP"})
    return ports


def container(service: ServiceFacts, role: str) -> Obj:
    # Startup waits for the database and Kafka for up to 4 × shutdown grace (the chassis), so the
    # startup probe allows that plus a margin before liveness takes over.
    startup_failures = int(service.shutdown_grace_s * 4 / 3) + 10
    return {
        "name": APP_CONTAINER,
        "image": IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "args": [service.name, "serve", "--role", role],
        "ports": _ports(service),
        "envFrom": _env_from(service),
        "env": _env(service, role),
        "resources": RESOURCES[role],
        "startupProbe": _probe("/health", period=3, timeout=2, failures=startup_failures),
        "livenessProbe": _probe("/health", period=10, timeout=3, failures=3),
        # /ready checks the database and Kafka with a 2 s timeout each
        "readinessProbe": _probe("/ready", period=5, timeout=5, failures=2),
        "lifecycle": {"preStop": {"sleep": {"seconds": PRE_STOP_SLEEP_S}}},
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": _mounts(service),
    }


def migrate_container(service: ServiceFacts) -> Obj:
    """Brings the database to the code's head before the app container starts (alembic upgrade;
    a no-op when already there). Every pod runs it, so no pod ever runs against an older schema;
    a failed migration stops the rollout with the old pods still serving."""
    return {
        "name": MIGRATE_CONTAINER,
        "image": IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "args": [service.name, "migrate"],
        "envFrom": _env_from(service),
        "env": _env(service, "migrate"),
        "resources": RESOURCES["migrate"],
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": _mounts(service),
    }


def deployment(service: ServiceFacts, role: str) -> Obj:
    pod_labels = labels(service, role) | ({KAFKA_CLIENT_LABEL: "true"} if service.uses_kafka else {})
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(f"{service.name}-{role}", labels(service, role)),
        "spec": {
            # no replicas: the HPA (api) or KEDA (worker) owns them
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector(service, role)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": pod_labels},
                "spec": {
                    "serviceAccountName": service.name,
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "terminationGracePeriodSeconds": service.termination_grace_s,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": RUN_AS,
                        "runAsGroup": RUN_AS,
                        "fsGroup": RUN_AS,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "initContainers": [migrate_container(service)],
                    "containers": [container(service, role)],
                    "volumes": _volumes(service),
                },
            },
        },
    }


def api_service(service: ServiceFacts) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(f"{service.name}-api", labels(service, "api")),
        "spec": {
            "type": "ClusterIP",
            "selector": selector(service, "api"),
            "ports": [{"name": HTTP_PORT_NAME, "port": service.port, "targetPort": HTTP_PORT_NAME, "protocol": "TCP"}],
        },
    }


def api_hpa(service: ServiceFacts) -> Obj:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta(f"{service.name}-api", labels(service, "api")),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{service.name}-api"},
            "minReplicas": 1,
            "maxReplicas": HPA_MAX_REPLICAS,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": HPA_CPU_UTILIZATION},
                    },
                }
            ],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
        },
    }


def trigger_authentication(service: ServiceFacts) -> Obj:
    """KEDA reads the consumer group's lag as the service's own KafkaUser (which may describe its
    group and its topics), over TLS verified with the cluster CA."""
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "TriggerAuthentication",
        "metadata": meta(f"{service.name}-kafka", labels(service, "worker")),
        "spec": {
            "secretTargetRef": [
                {"parameter": "password", "name": service.kafka_user, "key": "password"},
                {"parameter": "ca", "name": KAFKA_CA_SECRET, "key": "ca.crt"},
            ],
            "configMapTargetRef": [
                {"parameter": "username", "name": f"{service.name}-settings", "key": "KAFKA_SASL_USERNAME"},
            ],
        },
    }


def scaled_object(service: ServiceFacts, platform: Platform) -> Obj:
    """One kafka trigger per consumed topic, on the service's consumer group (its name: the
    chassis' group id). More replicas than partitions would sit idle: the maximum is the largest
    partition count among its topics."""
    triggers = [
        {
            "type": "kafka",
            "name": platform.topics[topic].resource_name.replace(".", "-"),
            "metadata": {
                "bootstrapServers": KAFKA_BOOTSTRAP,
                "consumerGroup": service.name,
                "topic": topic,
                "lagThreshold": str(LAG_THRESHOLD),
                "activationLagThreshold": "0",
                "offsetResetPolicy": "earliest",  # the chassis' auto_offset_reset
                "allowIdleConsumers": "false",
                "sasl": "scram_sha512",
                "tls": "enable",
            },
            "authenticationRef": {"name": f"{service.name}-kafka"},
        }
        for topic in service.consumes
    ]
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": meta(f"{service.name}-worker", labels(service, "worker")),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{service.name}-worker"},
            "minReplicaCount": 1,  # never zero: the worker also runs timers, external calls and housekeeping
            "maxReplicaCount": platform.max_partitions(service),
            "pollingInterval": 15,
            "cooldownPeriod": 300,
            "advanced": {
                "horizontalPodAutoscalerConfig": {"behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}}
            },
            "triggers": triggers,
        },
    }


def service_objects(service: ServiceFacts, platform: Platform) -> dict[str, list[Obj]]:
    """File name (in base/<service>/) → its objects."""
    files: dict[str, list[Obj]] = {
        "serviceaccount.yaml": [service_account(service)],
        "settings.yaml": [settings_config_map(service)],
        "api.yaml": [deployment(service, "api"), api_service(service), api_hpa(service)],
    }
    if service.has_worker:
        worker = [deployment(service, "worker")]
        if service.consumes:
            worker += [scaled_object(service, platform), trigger_authentication(service)]
        files["worker.yaml"] = worker
    return files
