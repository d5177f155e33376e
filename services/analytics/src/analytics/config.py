from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ANALYTICS_", extra="ignore", frozen=True)

    service_name: str = "analytics"
    http_port: int = 8004
    attribution_window_h: float = Field(
        default=24, gt=0, le=24 * 30, description="A sale within this many hours after a chatter's reply is theirs."
    )
    attribution_settle_s: float = Field(
        default=60,
        ge=0,
        le=3600,
        description="How long after a sale is seen its attribution waits for the replies before it (other topics).",
    )
    weekly_first_s: float = Field(
        default=3600,
        gt=0,
        le=7 * 24 * 3600,
        description="A creator's first weekly summary comes this many seconds after their first revenue event "
        "(then Mondays 06:00 UTC).",
    )
