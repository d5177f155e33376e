from __future__ import annotations

from pydantic import PositiveInt
from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings


class FansSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FANS_", extra="ignore", frozen=True)

    service_name: str = "fans"
    http_port: int = 8003
    max_import_bytes: PositiveInt = 50 * 1024 * 1024
    """Largest statement upload (a 200,000-row OnlyFans statement is about 20 MB)."""
