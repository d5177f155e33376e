from __future__ import annotations

import logging
import secrets
from typing import Any

from pydantic import Field, PositiveFloat, PositiveInt, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings

from .routing import ALIASES, ROUTES

log = logging.getLogger("gateway.config")


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_nested_delimiter="__", extra="ignore", frozen=True)

    service_name: str = "gateway"
    http_port: int = 8000

    jwt_secret: SecretStr | None = None
    """HS256 signing key. Required in production; `make run` generates one into .data/run/."""
    jwt_ttl_s: PositiveInt = 3600
    jwt_issuer: str = "huntaze-gateway"
    jwt_audience: str = "huntaze"

    routes: dict[str, str] = Field(default_factory=dict)
    """Upstream URL per routed service (``GATEWAY_ROUTES__INBOX=...``); see :mod:`gateway.routing`."""
    upstream_connect_timeout_s: PositiveFloat = 2.0
    upstream_timeout_s: PositiveFloat = 15.0
    upstream_max_connections: PositiveInt = 200
    upstream_keepalive_s: PositiveFloat = 30.0
    """Idle upstream connections are dropped after this; must stay below the services'
    ``http_keep_alive_s`` (75 s) so the gateway never reuses one the service is closing."""

    password_min_length: int = Field(default=10, ge=8)

    def required_in_production(self) -> dict[str, Any]:
        routes = {f"routes__{name}": self.routes.get(name) for name in ROUTES}
        # the gateway reads no topic and writes none yet: no Kafka required
        return {"database_url": self.database_url, "jwt_secret": self.jwt_secret, **routes}

    @model_validator(mode="after")
    def _routes_and_secret(self) -> GatewaySettings:
        unknown = sorted(set(self.routes) - set(ROUTES))
        if unknown:
            raise ValueError(f"GATEWAY_ROUTES__{unknown[0].upper()} names no service of the routing table")
        if self.jwt_secret is None:
            log.warning("GATEWAY_JWT_SECRET not set: using a random key; tokens die with this process")
            object.__setattr__(self, "jwt_secret", SecretStr(secrets.token_urlsafe(48)))
        return self

    def upstreams(self) -> dict[str, str]:
        """Path prefix (/v1/<name>/...) → the URL of the service that answers it."""
        local = {name: f"http://127.0.0.1:{port}" for name, port in ROUTES.items()}
        urls = {name: self.routes.get(name) or url for name, url in local.items()}
        return urls | {alias: urls[name] for alias, name in ALIASES.items()}
