from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings


class MarketingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MARKETING_", extra="ignore", frozen=True)

    service_name: str = "marketing"
    http_port: int = 8005
