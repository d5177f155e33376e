from __future__ import annotations

from pydantic import PositiveFloat, PositiveInt, SecretStr
from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings


class InboxSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INBOX_", extra="ignore", frozen=True)

    service_name: str = "inbox"
    http_port: int = 8001

    connector_webhook_url: str | None = None
    """Where approved replies are POSTed for the OnlyFans connector; unset = log them only."""
    connector_webhook_secret: SecretStr | None = None
    """Sent as a bearer token to the webhook when set."""
    connector_timeout_s: PositiveFloat = 10.0
    send_max_attempts: PositiveInt = 8
    """Attempts to hand an approved reply to the connector before the draft shows ``failed``."""
