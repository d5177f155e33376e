"""Settings shared by every service, read from the environment when a service starts — and refused
at start when they are wrong.

Each service subclasses :class:`ServiceSettings` with its own prefix (``INBOX_``, ``FANS_`` ...), so
``INBOX_DATABASE_URL`` configures only the inbox. Three values are shared by every service unless a
prefixed one overrides them: ``HUNTAZE_ENVIRONMENT``, ``KAFKA_BOOTSTRAP_SERVERS`` and
``HUNTAZE_INTERNAL_TOKEN_KEYS`` (the gateway's public keys, see :mod:`.internal_token`).

Fail fast: the environment is one of :class:`Environment`; in ``production`` nothing required has a
default (the database URL, the Kafka bootstrap servers, the internal token keys, and whatever a service marks with
:meth:`ServiceSettings.required_in_production`); the defaults that point at the local platform of
``make run`` apply only in ``local`` and ``test``. :func:`load_settings` turns every problem into one
message naming the environment variables to fix. Nothing here is read at import time.
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import Field, PositiveFloat, PositiveInt, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .internal_token import InvalidKey, parse_public_keys
from .kafka import KafkaSecurity, KafkaSecurityError, load_kafka_security

LOCAL_POSTGRES_PORT = 54320
LOCAL_KAFKA = "127.0.0.1:9092"


class Environment(StrEnum):
    """Where a process runs. Anything else refuses to start."""

    LOCAL = "local"
    """A developer's machine (`make run`): local defaults allowed."""
    TEST = "test"
    """`make test` and CI: local defaults allowed."""
    PRODUCTION = "production"
    """Every required value must be set explicitly; no local default applies."""

    @property
    def allows_local_defaults(self) -> bool:
        return self is not Environment.PRODUCTION


class Role(StrEnum):
    """What a process runs: the HTTP API, the workers (consumers, timers, external calls, outbox
    relay), or both."""

    API = "api"
    WORKER = "worker"
    ALL = "all"

    @property
    def serves_http_api(self) -> bool:
        return self in (Role.API, Role.ALL)

    @property
    def runs_workers(self) -> bool:
        return self in (Role.WORKER, Role.ALL)


class SettingsError(Exception):
    """A service's configuration is wrong; the message names the variables to fix."""


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = Field(default="service", description="Set by each subclass.")
    environment: Environment = Field(
        default_factory=lambda: os.environ.get("HUNTAZE_ENVIRONMENT") or Environment.LOCAL,
        validate_default=True,
        description="`local`, `test` or `production` (HUNTAZE_ENVIRONMENT, or <PREFIX>_ENVIRONMENT).",
    )

    database_url: str = Field(default="", description="SQLAlchemy URL, postgresql+psycopg://...")
    db_pool_size: PositiveInt = 20
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_s: PositiveFloat = 10.0
    """How long a request or a worker waits for a free connection before giving up (503 / retry)."""

    kafka_bootstrap_servers: str = Field(default_factory=lambda: os.environ.get("KAFKA_BOOTSTRAP_SERVERS", ""))
    kafka_client_id: str | None = None
    kafka_security: KafkaSecurity = Field(default_factory=KafkaSecurity)
    """TLS and SASL of every Kafka client, from the shared KAFKA_* variables (see :mod:`.kafka`)."""

    http_host: str = "127.0.0.1"
    http_port: PositiveInt = 8000
    max_request_bytes: PositiveInt = 64 * 1024
    http_keep_alive_s: PositiveInt = 75
    """How long an idle client connection stays open. Longer than any client's idle expiry (the
    gateway's upstream pool: 30 s; load balancers: 60 s), so a client never sends a request on a
    connection the server is closing at that instant (uvicorn's 5 s default equals httpx's, and
    that race surfaced as a dropped request)."""
    role: Role = Role.ALL
    metrics_port: PositiveInt | None = None
    """When set, Prometheus metrics are served on this port of ``http_host`` (a server of their own,
    started by ``serve``) and not at ``/metrics`` of the HTTP port: the gateway's public port."""

    internal_token_keys: str = Field(
        default_factory=lambda: os.environ.get("HUNTAZE_INTERNAL_TOKEN_KEYS", ""),
        description="The gateway's public keys, `<kid>:<base64url key>,...` (HUNTAZE_INTERNAL_TOKEN_KEYS).",
    )
    """Verify the internal token every route requires (:mod:`.wall`). Unset locally: the service
    starts but answers 401 on every route but the probes."""

    log_level: str = "INFO"
    log_json: bool = True

    consumer_batch_size: PositiveInt = 200
    consumer_batch_timeout_ms: PositiveInt = 500
    """Long poll: how long an idle consumer waits for records (returns as soon as some arrive)."""
    consumer_concurrency: PositiveInt = 4
    """Partitions applied at once by one worker (each partition's records stay in order)."""
    consumer_commit_interval_ms: int = Field(default=100, ge=0)
    """Offsets of the batches applied within this interval go to the coordinator in one commit
    (a crash in between only means a redelivery, which the idempotency record absorbs)."""
    consumer_buffer_records: PositiveInt = 2000
    """Records fetched ahead per partition while its previous batch is applied; above this the
    partition is paused until its backlog is applied."""
    retry_max_attempts: PositiveInt = 5
    retry_initial_backoff_s: PositiveFloat = 0.2
    retry_max_backoff_s: PositiveFloat = 5.0

    relay_enabled: bool = True
    """Whether this process publishes the outbox (every role does by default; an operator may keep
    the relay to the workers, which the NOTIFY of each commit wakes)."""
    relay_batch_size: PositiveInt = 1000
    relay_safety_interval_s: PositiveFloat = 5.0
    outbox_retention_hours: PositiveFloat = 72.0
    processed_events_retention_days: PositiveFloat = 14.0

    timer_batch_size: PositiveInt = 500
    """Due timers claimed and fired per transaction."""
    timer_poll_interval_s: PositiveFloat = 1.0
    """Upper bound of a timer worker's sleep; it also wakes on NOTIFY and on local schedules."""
    timer_lease_s: PositiveFloat = 30.0
    """How long a claimed timer stays with the replica that claimed it; after that (the replica
    died, or hung) another replica claims it. Effects commit only while the claim still holds."""
    call_concurrency: PositiveInt = 16
    """External calls in flight at once in one worker (none holds a database connection)."""

    shutdown_grace_s: PositiveFloat = 15.0
    otel_exporter_otlp_endpoint: str | None = None

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable that sets ``field`` for this service."""
        prefix = str(cls.model_config.get("env_prefix") or "")
        return f"{prefix}{field}".upper()

    def required_in_production(self) -> dict[str, Any]:
        """Fields that must be set explicitly in production (subclasses add theirs)."""
        return {
            "database_url": self.database_url,
            "kafka_bootstrap_servers": self.kafka_bootstrap_servers,
            "internal_token_keys": self.internal_token_keys,
        }

    @field_validator("internal_token_keys")
    @classmethod
    def _public_keys(cls, value: str) -> str:
        if value.strip():
            try:
                parse_public_keys(value)
            except InvalidKey as exc:
                raise ValueError(str(exc)) from None
        return value.strip()

    @model_validator(mode="after")
    def _required_or_local_default(self) -> ServiceSettings:
        missing = [name for name, value in self.required_in_production().items() if value in (None, "")]
        if missing and not self.environment.allows_local_defaults:
            names = ", ".join(self._variable(name) for name in missing)
            raise ValueError(f"required in {self.environment.value}: {names}")
        if not self.environment.allows_local_defaults and not self.kafka_security.encrypted:
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL: {self.kafka_security.security_protocol} is refused in "
                f"{self.environment.value}; use SSL or SASL_SSL"
            )
        if not self.database_url:
            name = self.service_name
            object.__setattr__(
                self, "database_url", f"postgresql+psycopg://{name}@127.0.0.1:{LOCAL_POSTGRES_PORT}/{name}"
            )
        if not self.kafka_bootstrap_servers:
            object.__setattr__(self, "kafka_bootstrap_servers", LOCAL_KAFKA)
        return self

    def _variable(self, field: str) -> str:
        return variable_of(type(self), field)


_SHARED = {
    "kafka_bootstrap_servers": "KAFKA_BOOTSTRAP_SERVERS",
    "environment": "HUNTAZE_ENVIRONMENT",
    "internal_token_keys": "HUNTAZE_INTERNAL_TOKEN_KEYS",
}


def variable_of(cls: type[ServiceSettings], field: str) -> str:
    """How a user sets ``field`` of ``cls``: its prefixed variable, and the shared one if any."""
    own = cls.env_name(field)
    return f"{_SHARED[field]} (or {own})" if field in _SHARED else own


S = TypeVar("S", bound=ServiceSettings)


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Reads the settings of a service; raises :class:`SettingsError` naming the variables to fix."""
    name = cls.model_fields["service_name"].default
    try:
        overrides.setdefault("kafka_security", load_kafka_security())
        return cls(**overrides)
    except KafkaSecurityError as exc:
        raise SettingsError(f"{name} refuses to start: {exc}") from None
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            loc = [str(p) for p in error.get("loc", ()) if p != "__root__"]
            where = variable_of(cls, loc[0]) if loc else ""
            message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
            lines.append(f"{where}: {message}" if loc else message)
        raise SettingsError(f"{name} refuses to start: " + "; ".join(lines)) from None
