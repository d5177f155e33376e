from __future__ import annotations

import logging
import secrets
from typing import Any

from pydantic import Field, PositiveFloat, PositiveInt, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings, new_key_pair

from .routing import ALIASES, ROUTES

log = logging.getLogger("gateway.config")


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_nested_delimiter="__", extra="ignore", frozen=True)

    service_name: str = "gateway"
    http_port: int = 8000
    metrics_port: int | None = 9100
    """/metrics is served here, not on the internet-facing port (Prometheus scrapes the pod's port)."""

    jwt_secret: SecretStr | None = None
    """HS256 keys of access tokens, comma-separated: the first signs, all verify (rotation: prepend the
    new key, drop the old one after ``jwt_ttl_s``). Required in production; `make run` generates one."""
    jwt_ttl_s: PositiveInt = 900
    """Access tokens live 15 minutes; a refresh token gets the next one."""
    jwt_issuer: str = "huntaze-gateway"
    jwt_audience: str = "huntaze"
    refresh_ttl_s: PositiveInt = 30 * 24 * 3600
    invitation_ttl_s: PositiveInt = 7 * 24 * 3600
    internal_signing_key: SecretStr | None = None
    """Ed25519 key (``<kid>:<base64url seed>``) signing the internal token of every forwarded request;
    the services verify it with ``HUNTAZE_INTERNAL_TOKEN_KEYS``. Required in production."""
    access_cache_s: PositiveFloat = 5.0
    """How long a replica reuses what it read about a caller's session, memberships or connector key:
    a revocation (log-out, removed member, revoked key) reaches the other replicas within this time."""
    max_creators_per_org: PositiveInt = 200

    login_rate_per_account: str = "10/minute"
    """Log-in attempts per email (the 11th in a minute answers 429), in `limits` notation."""
    login_rate_per_address: str = "60/minute"
    signup_rate_per_address: str = "20/hour"
    webhook_rate_per_address: str = "600/minute"
    """Calls of the public Stripe webhook route per client address (Stripe sends from a few addresses;
    it retries a 429 later, so a burst beyond this is delayed, not lost)."""
    rate_limit_storage: str = "memory://"
    """`limits` storage URI: ``memory://`` counts per replica; ``redis://...`` shares the counts."""

    cors_origins: list[str] = Field(default_factory=list)
    """The frontend's origins (``GATEWAY_CORS_ORIGINS='["https://app.huntaze.com"]'``); none: no CORS."""
    cors_allow_credentials: bool = False
    """Bearer tokens travel in a header, not a cookie: credentials (cookies) are off unless asked for."""

    routes: dict[str, str] = Field(default_factory=dict)
    """Upstream URL per routed service (``GATEWAY_ROUTES__INBOX=...``); see :mod:`gateway.routing`."""
    upstream_connect_timeout_s: PositiveFloat = 2.0
    upstream_timeout_s: PositiveFloat = 15.0
    upstream_max_connections: PositiveInt = 200
    upstream_keepalive_s: PositiveFloat = 30.0
    """Idle upstream connections are dropped after this; must stay below the services'
    ``http_keep_alive_s`` (75 s) so the gateway never reuses one the service is closing."""

    password_min_length: int = Field(default=10, ge=8)

    docs_enabled: bool | None = None
    """Serve the public API's document at ``/openapi.json`` and Swagger UI at ``/docs``
    (:mod:`gateway.public_api`); unset: on in ``local`` and ``test``, off in production."""

    def required_in_production(self) -> dict[str, Any]:
        routes = {f"routes__{name}": self.routes.get(name) for name in ROUTES}
        # it publishes its outbox (shift events); not behind the wall: no internal token keys to verify
        return {
            "database_url": self.database_url,
            "kafka_bootstrap_servers": self.kafka_bootstrap_servers,
            "jwt_secret": self.jwt_secret,
            "internal_signing_key": self.internal_signing_key,
            **routes,
        }

    @model_validator(mode="after")
    def _routes_and_secret(self) -> GatewaySettings:
        unknown = sorted(set(self.routes) - set(ROUTES))
        if unknown:
            raise ValueError(f"GATEWAY_ROUTES__{unknown[0].upper()} names no service of the routing table")
        if "*" in self.cors_origins and self.cors_allow_credentials:
            raise ValueError("GATEWAY_CORS_ORIGINS cannot be '*' when GATEWAY_CORS_ALLOW_CREDENTIALS is true")
        if self.internal_signing_key is None:
            log.warning(
                "GATEWAY_INTERNAL_SIGNING_KEY not set: using a random key the services do not know; "
                "every forwarded request will answer 401 (tools/infra.py env provides one for local runs)"
            )
            object.__setattr__(self, "internal_signing_key", SecretStr(new_key_pair()[0]))
        if self.jwt_secret is None:
            log.warning("GATEWAY_JWT_SECRET not set: using a random key; tokens die with this process")
            object.__setattr__(self, "jwt_secret", SecretStr(secrets.token_urlsafe(48)))
        return self

    @model_validator(mode="after")
    def _docs_default(self) -> GatewaySettings:
        if self.docs_enabled is None:
            object.__setattr__(self, "docs_enabled", self.environment.allows_local_defaults)
        return self

    def jwt_keys(self) -> list[str]:
        assert self.jwt_secret is not None
        return [k.strip() for k in self.jwt_secret.get_secret_value().split(",") if k.strip()]

    def upstreams(self) -> dict[str, str]:
        """Path prefix (/v1/<name>/...) → the URL of the service that answers it."""
        local = {name: f"http://127.0.0.1:{port}" for name, port in ROUTES.items()}
        urls = {name: self.routes.get(name) or url for name, url in local.items()}
        return urls | {alias: urls[name] for alias, name in ALIASES.items()}
