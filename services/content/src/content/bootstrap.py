"""Wires the content service: the one place that chooses adapters."""

from __future__ import annotations

from pathlib import Path

from huntaze_service import Service, ServiceDefinition

from . import consumers
from .adapters.repository import SqlContentRepository
from .config import ContentSettings


def build(settings: ContentSettings | None = None) -> Service:
    settings = settings or ContentSettings()
    return Service(
        settings,
        title="Huntaze content",
        routers=[],
        subscriptions=consumers.subscriptions(),
        repository=SqlContentRepository,
    )


definition = ServiceDefinition(
    name="content",
    settings=ContentSettings,
    build=build,
    migrations=Path(__file__).parent / "migrations",
    summary="the media vault on S3, its usage history, content ideas and the one calendar (issue 13, in progress)",
)
