"""Wires the content service: the one place that chooses adapters."""

from __future__ import annotations

from pathlib import Path

from huntaze_service import Service, ServiceDefinition

from . import calendar_api, consumers, feed_api, ideas_api, import_api, usage_api, vault_api
from .adapters.repository import SqlContentRepository
from .adapters.s3 import shared_store
from .config import ContentSettings


def build(settings: ContentSettings | None = None) -> Service:
    settings = settings or ContentSettings()
    return Service(
        settings,
        title="Huntaze content",
        routers=[ideas_api.router, calendar_api.router, usage_api.router, feed_api.router, import_api.router]
        + [vault_api.router],
        on_startup=[vault_api.keep_store(shared_store(settings))],
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
