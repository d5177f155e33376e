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
        routers=api.routers,
        subscriptions=consumers.subscriptions(),
        repository=SqlFansRepository,
        body_limits={
            "/v1/revenue/transactions": 2 * 1024 * 1024,
            "/v1/revenue/subscriptions": 2 * 1024 * 1024,
            "/v1/revenue/imports": settings.max_import_bytes,
        },
    )


definition = ServiceDefinition(
    name="fans",
    settings=FansSettings,
    build=build,
    migrations=Path(__file__).parent / "migrations",
    summary="the fan CRM and revenue: transactions, subscriptions, statement imports, spend, segments",
)
