"""Wires the fans service: the one place that chooses adapters."""

from __future__ import annotations

from pathlib import Path

from huntaze_service import Service, ServiceDefinition

from . import api, consumers
from .adapters.repository import SqlFansRepository
from .config import FansSettings


def build(settings: FansSettings | None = None) -> Service:
    settings = settings or FansSettings()
    return Service(
        settings,
        title="Huntaze fans",
        routers=[api.router],
        subscriptions=consumers.subscriptions(),
        repository=SqlFansRepository,
    )


definition = ServiceDefinition(
    name="fans",
    settings=FansSettings,
    build=build,
    migrations=Path(__file__).parent / "migrations",
    summary="fan profiles: the CRM",
)
