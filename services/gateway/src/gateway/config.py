from __future__ import annotations

import logging
import secrets

from pydantic import Field, PositiveFloat, PositiveInt, SecretStr
from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings

log = logging.getLogger("gateway.config")


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", frozen=True)

    service_name: str = "gateway"
    http_port: int = 8000

    jwt_secret: SecretStr | None = None
    """HS256 signing key. Required in production; `make run` generates one into .data/run/."""
    jwt_ttl_s: PositiveInt = 3600
    jwt_issuer: str = "huntaze-gateway"
    jwt_audience: str = "huntaze"

    inbox_url: str = "http://127.0.0.1:8001"
    ai_url: str = "http://127.0.0.1:8002"
    fans_url: str = "http://127.0.0.1:8003"
    upstream_connect_timeout_s: PositiveFloat = 2.0
    upstream_timeout_s: PositiveFloat = 15.0
    upstream_max_connections: PositiveInt = 200
    upstream_keepalive_s: PositiveFloat = 30.0
    """Idle upstream connections are dropped after this; must stay below the services'
    ``http_keep_alive_s`` (75 s) so the gateway never reuses one the service is closing."""

    password_min_length: int = Field(default=10, ge=8)

    def model_post_init(self, __context: object) -> None:
        super().model_post_init(__context)
        if self.jwt_secret is None:
            if self.environment == "production":
                raise ValueError("GATEWAY_JWT_SECRET is required in production")
            log.warning("GATEWAY_JWT_SECRET not set: using a random key; tokens die with this process")
            object.__setattr__(self, "jwt_secret", SecretStr(secrets.token_urlsafe(48)))

    def upstreams(self) -> dict[str, str]:
        """Path prefix (/v1/<name>/...) → the service that answers it."""
        return {"inbox": self.inbox_url, "ai": self.ai_url, "fans": self.fans_url}
