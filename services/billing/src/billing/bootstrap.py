"""Wires the billing service: the one place that chooses adapters."""

from __future__ import annotations

from pathlib import Path

from huntaze_service import Service, ServiceDefinition

from . import api, consumers
from .adapters.repository import SqlBillingRepository
from .config import BillingSettings


def build(settings: BillingSettings | None = None) -> Service:
    settings = settings or BillingSettings()
    return Service(
        settings,
        title="Huntaze billing",
        routers=[api.router],
        subscriptions=consumers.subscriptions(),
        repository=SqlBillingRepository,
    )


definition = ServiceDefinition(
    name="billing",
    settings=BillingSettings,
    build=build,
    migrations=Path(__file__).parent / "migrations",
    summary="billing: scaffolded by make new-service (say what it does here)",
)
