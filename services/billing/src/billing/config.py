from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore", frozen=True)

    service_name: str = "billing"
    http_port: int = 8007
