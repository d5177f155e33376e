from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANALYTICS_", extra="ignore", frozen=True)

    service_name: str = "analytics"
    http_port: int = 8004
