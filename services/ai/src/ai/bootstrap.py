"""Wires the ai service: the one place that chooses adapters."""

from __future__ import annotations

from huntaze_service import Runtime, Service

from . import api, consumers
from .adapters.llm import provider_from_settings
from .config import AiSettings
from .domain import DraftingProvider


def build(settings: AiSettings | None = None, *, provider: DraftingProvider | None = None) -> Service:
    settings = settings or AiSettings()
    provider = provider or provider_from_settings(settings)

    async def close_provider(runtime: Runtime) -> None:
        close = getattr(provider, "close", None)
        if close is not None:
            await close()

    return Service(
        settings,
        title="Huntaze ai",
        routers=[api.router],
        subscriptions=consumers.subscriptions(provider, settings.draft_batch_size, settings.draft_concurrency),
        on_shutdown=[close_provider],
    )
