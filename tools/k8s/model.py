"""The facts the manifests are made of, read from the code (never written by hand).

Everything platform-wide that is a choice rather than a fact of the code is a constant here, with
its reason, so that one place says what the generated YAML assumes about the cluster.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache
from typing import Any

# --- platform choices ------------------------------------------------------------------------
PART_OF = "huntaze"
IMAGE = "huntaze"
"""One image for every service (the root Dockerfile); overlays set its registry and tag."""

KAFKA_CLUSTER = "huntaze"
KAFKA_BOOTSTRAP = f"{KAFKA_CLUSTER}-kafka-bootstrap:9093"
"""Strimzi's bootstrap Service of the TLS listener (``<cluster>-kafka-bootstrap``)."""
KAFKA_TLS_PORT = 9093
KAFKA_CA_SECRET = f"{KAFKA_CLUSTER}-cluster-ca-cert"
"""Strimzi's public cluster CA (key ``ca.crt``): clients verify the brokers with it."""
KAFKA_CA_PATH = "/etc/huntaze/kafka/ca.crt"
KAFKA_CLIENT_LABEL = "huntaze.io/kafka-client"
"""Pods with this label may reach the brokers' TLS listener (Strimzi's networkPolicyPeers)."""

RETENTION_MS = 35 * 24 * 3600 * 1000
"""Event topics keep 35 days: analysts replay a day and export a month, and a consumer that was
down for a long weekend (or a new service catching up) still finds its history."""
DLQ_RETENTION_MS = 35 * 24 * 3600 * 1000
"""Dead letters wait for an operator as long as the events themselves."""

ANALYST_USER = "analyst"
OPS_USER = "ops"
REDRIVE_GROUP = "huntaze-streams-redrive"
REDRIVE_TRANSACTIONAL_ID = "huntaze-streams-redrive"

DB_SUFFIX = "-db"
"""CloudNativePG cluster of service ``s``: ``s-db``; its Secret ``s-db-app``, CA ``s-db-ca``,
read-write Service ``s-db-rw``."""
PG_CA_PATH = "/etc/huntaze/postgres/ca.crt"
DB_POOL_SIZE = 10
DB_MAX_OVERFLOW = 5
"""Per pod: 15 connections at most (the chassis' default is 20 + 10). With the production maxima
(api 10 + worker 6 replicas) a service opens at most 240 + its relays' LISTEN connections, under
PG_MAX_CONNECTIONS."""
PG_MAX_CONNECTIONS = 300

NAMESPACES = {
    "ingress": "ingress-nginx",
    "monitoring": "monitoring",
    "observability": "observability",
    "keda": "keda",
    "cnpg": "cnpg-system",
}
"""Namespaces of the cluster's shared components, as NetworkPolicies name them
(``kubernetes.io/metadata.name``). Patch the policies in an overlay when yours differ."""
OTEL_ENDPOINT = "http://otel-collector.observability.svc:4318"
"""The OpenTelemetry Collector's OTLP/HTTP receiver (the chassis exports over OTLP/HTTP)."""
OTEL_PORT = 4318

PRE_STOP_SLEEP_S = 5
"""Time for the endpoint controllers and kube-proxy (and the ingress controller) to stop sending
new requests to a terminating pod before it receives SIGTERM."""
HTTP_PORT_NAME = "http"
METRICS_PORT_NAME = "metrics"
"""The container port of a service whose metrics are off its HTTP port (``metrics_port``: the gateway)."""
INTERNAL_TOKEN_KEYS = "HUNTAZE_INTERNAL_TOKEN_KEYS"
INTERNAL_TOKEN_CONFIG_MAP = "huntaze-internal-token-keys"
"""Created by the operator (see the README), key HUNTAZE_INTERNAL_TOKEN_KEYS: the gateway's public keys,
which every walled service verifies the internal token with. Public keys: a ConfigMap, not a Secret."""
APP_CONTAINER = "app"
MIGRATE_CONTAINER = "migrate"
RUN_AS = 10001

EXTERNAL_FIELD_SUFFIXES = ("_url", "_endpoint", "_api_key")
"""A setting of a service's own class ending so names an HTTP peer outside the cluster (OpenAI,
the connector's webhook, Stripe...): its pods may open HTTPS connections to the internet. Peers that
no setting names (the creators' own webhook endpoints) are listed by the settings class's
``internet_peers``."""
CHASSIS_URL_FIELDS = {"database_url", "otel_exporter_otlp_endpoint"}


@dataclass(frozen=True)
class Topic:
    name: str
    producer: str
    partitions: int
    dlq: bool = False

    @property
    def resource_name(self) -> str:
        """The KafkaTopic's metadata.name (DNS subdomain: no underscores); spec.topicName is exact."""
        return self.name.replace("_", "-").lower()


@dataclass(frozen=True)
class ServiceFacts:
    name: str
    prefix: str
    port: int
    shutdown_grace_s: float
    uses_kafka: bool
    consumes: tuple[str, ...]
    produces: tuple[str, ...]
    timers: tuple[str, ...]
    calls: tuple[str, ...]
    secret_settings: tuple[str, ...]
    """Environment variables of its SecretStr settings (expected in Secret ``<name>-secrets``)."""
    required_secrets: tuple[str, ...]
    """Those of them it refuses to start without in production."""
    external_settings: tuple[str, ...]
    """Settings naming a peer outside the cluster (see EXTERNAL_FIELD_SUFFIXES)."""
    metrics_port: int | None = None
    """Where its /metrics are when not on its HTTP port (the ``metrics_port`` setting's default)."""
    internal_wall: bool = True
    """Its routes require the gateway's internal token (every service but the gateway)."""
    routes: dict[str, str] = field(default_factory=dict)
    """Gateway only: environment variable → the service whose api it forwards to."""

    @property
    def metrics_port_name(self) -> str:
        """The container port Prometheus scrapes."""
        return METRICS_PORT_NAME if self.metrics_port else HTTP_PORT_NAME

    @property
    def has_worker(self) -> bool:
        return bool(self.consumes or self.timers or self.calls)

    @property
    def database(self) -> str:
        return self.name + DB_SUFFIX

    @property
    def kafka_user(self) -> str:
        return self.name

    @property
    def needs_internet(self) -> bool:
        return bool(self.external_settings)

    def env(self, field_name: str) -> str:
        return f"{self.prefix}{field_name}".upper()

    @property
    def termination_grace_s(self) -> int:
        """preStop sleep, then HTTP drain (grace), then the runtime's stop: the consumer finishes its
        batch and the timer worker gives calls in flight the grace (up to a second grace); 10 s margin."""
        return int(PRE_STOP_SLEEP_S + 2 * self.shutdown_grace_s + 10)


@dataclass(frozen=True)
class Platform:
    services: dict[str, ServiceFacts]
    topics: dict[str, Topic]
    """Every event topic and dead-letter topic, by name."""

    @property
    def event_topics(self) -> list[Topic]:
        return [t for t in self.topics.values() if not t.dlq]

    @property
    def dlq_topics(self) -> list[Topic]:
        return [t for t in self.topics.values() if t.dlq]

    def max_partitions(self, service: ServiceFacts) -> int:
        return max((self.topics[t].partitions for t in service.consumes), default=1)


@cache
def platform() -> Platform:
    """Reads the services and the registry (once per process)."""
    from huntaze_events import REGISTRY
    from huntaze_events.registry import DLQ_SUFFIX
    from huntaze_service import discover

    logging.getLogger("gateway.config").setLevel(logging.ERROR)  # "no JWT secret" is expected here
    topics: dict[str, Topic] = {}
    for spec in REGISTRY:
        topics[spec.topic] = Topic(spec.topic, spec.producer, spec.partitions)
        topics[spec.topic + DLQ_SUFFIX] = Topic(spec.topic + DLQ_SUFFIX, spec.producer, spec.partitions, dlq=True)
    services = {name: _facts(name, definition, REGISTRY) for name, definition in discover().items()}
    _wire_gateway(services)
    return Platform(services=services, topics=dict(sorted(topics.items())))


def _facts(name: str, definition: Any, registry: Any) -> ServiceFacts:
    from huntaze_service import ServiceSettings

    settings_cls = definition.settings
    service = definition.documented()
    subs = service.subscriptions
    prefix = str(settings_cls.model_config.get("env_prefix") or "")
    own_fields = {n: f for n, f in settings_cls.model_fields.items() if n not in ServiceSettings.model_fields}
    secrets = tuple(sorted(settings_cls.env_name(n) for n, f in own_fields.items() if _is_secret(f.annotation)))
    required = set(service.settings.required_in_production()) - {"database_url", "kafka_bootstrap_servers"}
    return ServiceFacts(
        name=name,
        prefix=prefix,
        port=definition.default_port,
        shutdown_grace_s=float(settings_cls.model_fields["shutdown_grace_s"].default),
        uses_kafka=service.uses_kafka,
        metrics_port=settings_cls.model_fields["metrics_port"].default,
        internal_wall=service.internal_wall,
        consumes=tuple(sorted({s.spec.topic for s in subs})),
        produces=tuple(sorted(spec.topic for spec in registry if spec.producer == name)),
        timers=tuple(sorted(subs.timers)),
        calls=tuple(sorted(subs.calls)),
        secret_settings=secrets,
        required_secrets=tuple(
            sorted(
                settings_cls.env_name(n) for n in required if n in own_fields and settings_cls.env_name(n) in secrets
            )
        ),
        external_settings=tuple(
            sorted(
                settings_cls.env_name(n)
                for n in own_fields
                if n.endswith(EXTERNAL_FIELD_SUFFIXES) and n not in CHASSIS_URL_FIELDS
            )
        )
        + tuple(getattr(settings_cls, "internet_peers", ())),
    )


def _is_secret(annotation: Any) -> bool:
    from pydantic import SecretStr

    return "SecretStr" in repr(annotation) or annotation is SecretStr


def _wire_gateway(services: dict[str, ServiceFacts]) -> None:
    """The gateway forwards ``/v1/<name>/...`` to the services of its routing table; in production
    each URL comes from ``GATEWAY_ROUTES__<NAME>``: here, the service's api Service."""
    gateway = services.get("gateway")
    if gateway is None:
        return
    from gateway.routing import ROUTES

    routes = {f"{gateway.prefix}ROUTES__{name.upper()}": name for name in ROUTES if name in services}
    services["gateway"] = ServiceFacts(**{**gateway.__dict__, "routes": routes})


def api_url(service: ServiceFacts) -> str:
    return f"http://{service.name}-api:{service.port}"
