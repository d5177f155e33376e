"""Wires the marketing service: the one place that chooses adapters."""

from __future__ import annotations

from pathlib import Path

from huntaze_service import Service, ServiceDefinition

from . import api, consumers
from .adapters.repository import SqlMarketingRepository
from .config import MarketingSettings


def build(settings: MarketingSettings | None = None) -> Service:
    settings = settings or MarketingSettings()
    return Service(
        settings,
        title="Huntaze marketing",
        routers=[api.router],
        subscriptions=consumers.subscriptions(),
        repository=SqlMarketingRepository,
    )


definition = ServiceDefinition(
    name="marketing",
    settings=MarketingSettings,
    build=build,
    migrations=Path(__file__).parent / "migrations",
    summary="marketing: scaffolded by make new-service (say what it does here)",
)
