"""Wires the analytics service: the one place that chooses adapters."""

from __future__ import annotations

from pathlib import Path

from huntaze_service import Service, ServiceDefinition

from . import api, chatter_api, consumers, marketing_api, media_api, personal_data
from .adapters.repository import SqlAnalyticsRepository
from .config import AnalyticsSettings


def build(settings: AnalyticsSettings | None = None) -> Service:
    settings = settings or AnalyticsSettings()
    return Service(
        settings,
        title="Huntaze analytics",
        routers=[api.router, chatter_api.router, marketing_api.router, media_api.router, personal_data.router],
        subscriptions=consumers.subscriptions(settings),
        repository=SqlAnalyticsRepository,
    )


definition = ServiceDefinition(
    name="analytics",
    settings=AnalyticsSettings,
    build=build,
    migrations=Path(__file__).parent / "migrations",
    summary="revenue, summary, sales hours and subscriber retention, from the revenue events",
)
