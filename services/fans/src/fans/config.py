from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings


class FansSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FANS_", extra="ignore", frozen=True)

    service_name: str = "fans"
    http_port: int = 8003
