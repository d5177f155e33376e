"""Settings of the notifications service (env prefix ``NOTIFICATIONS_``).

Webhook deliveries leave the platform for addresses the creators choose: in production only ``https``
URLs whose every resolved address is public are called (:mod:`.url_guard`). Local runs and the test
suite name the few private targets they may call (their own receivers) in ``webhook_private_targets``
and may allow plain ``http``; production refuses both settings."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore", frozen=True)

    service_name: str = "notifications"
    http_port: int = 8008
    internet_peers: ClassVar[tuple[str, ...]] = ("the creators' webhook endpoints",)
    """No setting names them (each creator gives theirs): Kubernetes' egress policy reads this."""

    secrets_keys: SecretStr | None = None
    """Fernet keys (comma-separated, the first seals) for the endpoints' signing secrets at rest."""
    webhook_allow_http: bool = False
    """Local runs only: accept ``http://`` endpoints (the suite's receivers have no certificate)."""
    webhook_private_targets: list[str] = Field(default_factory=list)
    """Local runs only: ``host:port`` pairs that may resolve to private or loopback addresses (the
    suite's own receiver). Every other private, loopback, link-local or reserved address is refused."""
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=30)
    """How long one delivery attempt may take (connect, send, answer)."""
    webhook_first_retry_s: float = Field(default=30.0, gt=0)
    """Wait after the first failed attempt; it doubles at each failure up to ``webhook_max_retry_s``."""
    webhook_max_retry_s: float = Field(default=3600.0, gt=0)
    webhook_retry_for_s: float = Field(default=24 * 3600.0, gt=0)
    """A delivery is retried for this long after the event, then marked failed (re-deliverable by hand)."""
    webhook_disable_after_s: float = Field(default=24 * 3600.0, gt=0)
    """An endpoint that has failed every attempt for this long is disabled, and its team notified."""
    max_endpoints: int = Field(default=10, ge=1, le=100)
    """Webhook endpoints per creator account."""

    def required_in_production(self) -> dict[str, Any]:
        return super().required_in_production() | {"secrets_keys": self.secrets_keys}

    @model_validator(mode="after")
    def _no_local_escapes_in_production(self) -> NotificationsSettings:
        if not self.environment.allows_local_defaults and (self.webhook_allow_http or self.webhook_private_targets):
            raise ValueError(
                "NOTIFICATIONS_WEBHOOK_ALLOW_HTTP and NOTIFICATIONS_WEBHOOK_PRIVATE_TARGETS are for local runs only"
            )
        return self
