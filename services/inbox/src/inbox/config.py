from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import PositiveFloat, PositiveInt, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings


class InboxSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INBOX_", extra="ignore", frozen=True)

    service_name: str = "inbox"
    http_port: int = 8001

    connector_webhook_url: str | None = None
    """Where approved replies are POSTed for the OnlyFans connector; unset = log them only. HTTPS
    outside local runs (``local`` and ``test`` accept http://)."""
    connector_webhook_secret: SecretStr | None = None
    """Sent as a bearer token to the webhook when set."""
    connector_signing_secret: SecretStr | None = None
    """Signs every request to the webhook (``Huntaze-Signature``, HMAC-SHA256 of the body); the
    connector verifies it with the same secret. Required in production, and whenever a webhook URL is
    set."""
    connector_timeout_s: PositiveFloat = 10.0
    send_max_attempts: PositiveInt = 8
    """Attempts to hand an approved reply to the connector before the draft shows ``failed``."""

    def required_in_production(self) -> dict[str, Any]:
        return {**super().required_in_production(), "connector_signing_secret": self.connector_signing_secret}

    @model_validator(mode="after")
    def _connector_webhook(self) -> InboxSettings:
        url = self.connector_webhook_url
        if not url:
            return self
        scheme = urlsplit(url).scheme.lower()
        local = self.environment.allows_local_defaults
        if scheme != "https" and not (local and scheme == "http"):
            allowed = "https:// (or http:// in local and test runs)" if local else "https://"
            raise ValueError(
                f"INBOX_CONNECTOR_WEBHOOK_URL must be {allowed} in {self.environment.value}: "
                "replies and their signature must not cross the network in clear"
            )
        if self.connector_signing_secret is None or not self.connector_signing_secret.get_secret_value():
            raise ValueError("INBOX_CONNECTOR_SIGNING_SECRET is required when INBOX_CONNECTOR_WEBHOOK_URL is set")
        return self
