"""Settings shared by every service, read from the environment when a service starts.

Each service subclasses :class:`ServiceSettings` with its own prefix (``INBOX_``, ``FANS_`` ...), so
``INBOX_DATABASE_URL`` configures only the inbox. ``KAFKA_BOOTSTRAP_SERVERS`` is shared by every
service unless a prefixed value overrides it. Defaults point at the local platform that
``make run`` starts; nothing here is read at import time.
"""

from __future__ import annotations

import os
from enum import StrEnum

from pydantic import Field, PositiveFloat, PositiveInt
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_POSTGRES_PORT = 54320
LOCAL_KAFKA = "127.0.0.1:9092"


class Role(StrEnum):
    """What a process runs: the HTTP API, the event workers (consumers + outbox relay), or both."""

    API = "api"
    WORKER = "worker"
    ALL = "all"

    @property
    def serves_http_api(self) -> bool:
        return self in (Role.API, Role.ALL)

    @property
    def runs_workers(self) -> bool:
        return self in (Role.WORKER, Role.ALL)


def _kafka_default() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS", LOCAL_KAFKA)


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = Field(default="service", description="Set by each subclass.")
    environment: str = Field(default="local", description="`local`, `test` or `production`.")

    database_url: str = Field(default="", description="SQLAlchemy URL, postgresql+psycopg://...")
    db_pool_size: PositiveInt = 10
    db_max_overflow: int = 10

    kafka_bootstrap_servers: str = Field(default_factory=_kafka_default)
    kafka_client_id: str | None = None

    http_host: str = "127.0.0.1"
    http_port: PositiveInt = 8000
    max_request_bytes: PositiveInt = 64 * 1024
    http_keep_alive_s: PositiveInt = 75
    """How long an idle client connection stays open. Longer than any client's idle expiry (the
    gateway's upstream pool: 30 s; load balancers: 60 s), so a client never sends a request on a
    connection the server is closing at that instant (uvicorn's 5 s default equals httpx's, and
    that race surfaced as a dropped request)."""
    role: Role = Role.ALL

    log_level: str = "INFO"
    log_json: bool = True

    consumer_batch_size: PositiveInt = 200
    consumer_batch_timeout_ms: PositiveInt = 500
    """Long poll: how long an idle consumer waits for records (returns as soon as some arrive)."""
    retry_max_attempts: PositiveInt = 5
    retry_initial_backoff_s: PositiveFloat = 0.2
    retry_max_backoff_s: PositiveFloat = 5.0

    relay_batch_size: PositiveInt = 1000
    relay_safety_interval_s: PositiveFloat = 5.0
    outbox_retention_hours: PositiveFloat = 72.0
    processed_events_retention_days: PositiveFloat = 14.0

    shutdown_grace_s: PositiveFloat = 15.0
    otel_exporter_otlp_endpoint: str | None = None

    def model_post_init(self, __context: object) -> None:
        if not self.database_url:
            name = self.service_name
            object.__setattr__(
                self,
                "database_url",
                f"postgresql+psycopg://{name}@127.0.0.1:{LOCAL_POSTGRES_PORT}/{name}",
            )
