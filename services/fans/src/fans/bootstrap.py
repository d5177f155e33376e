"""Wires the fans service."""

from __future__ import annotations

from huntaze_service import Service

from . import api, consumers
from .config import FansSettings


def build(settings: FansSettings | None = None) -> Service:
    settings = settings or FansSettings()
    return Service(
        settings,
        title="Huntaze fans",
        routers=[api.router],
        subscriptions=consumers.subscriptions(),
    )
