"""Wires the ai service: the one place that chooses adapters."""

from __future__ import annotations

from pathlib import Path

from huntaze_service import Runtime, Service, ServiceDefinition

from . import api, consumers, personal_data
from .adapters.llm import provider_from_settings
from .adapters.llm_ideas import idea_writer_from_settings
from .adapters.llm_insights import insight_writer_from_settings, insights_call_timeout_s
from .adapters.offline import OfflineProvider
from .adapters.repository import SqlAiRepository
from .anomalies import api as anomalies_api
from .captions import Captioner, CaptionWriter
from .config import AiSettings
from .domain import DraftingProvider
from .ideas import IdeaWriter
from .insights import api as insights_api
from .insights.records import InsightWriter
from .pricing import api as pricing_api
from .pricing import experiments_api


def build(
    settings: AiSettings | None = None,
    *,
    provider: DraftingProvider | None = None,
    idea_writer: IdeaWriter | None = None,
    insight_writer: InsightWriter | None = None,
) -> Service:
    settings = settings or AiSettings()
    provider = provider or provider_from_settings(settings)
    idea_writer = idea_writer or idea_writer_from_settings(settings)
    insight_writer = insight_writer or insight_writer_from_settings(settings)
    offline = OfflineProvider()
    # captions: the same provider as drafts (one that writes none — a test's — leaves them offline)
    captioner = Captioner(provider if isinstance(provider, CaptionWriter) else offline, offline)

    async def keep_captioner(runtime: Runtime) -> None:
        runtime.state[api.CAPTIONER] = captioner

    async def close_provider(runtime: Runtime) -> None:
        for closeable in (provider, idea_writer, insight_writer):
            close = getattr(closeable, "close", None)
            if close is not None:
                await close()

    return Service(
        settings,
        title="Huntaze ai",
        routers=[
            api.router,
            personal_data.router,
            pricing_api.router,
            experiments_api.router,
            anomalies_api.router,
            insights_api.router,
        ],
        subscriptions=consumers.subscriptions(
            provider,
            draft_timeout_s=settings.draft_timeout_s(),
            draft_attempts=settings.draft_attempts,
            idea_writer=idea_writer,
            ideas_timeout_s=settings.ideas_call_timeout_s(),
            pricing_first_review_s=settings.pricing_first_review_s,
            anomaly_first_check_s=settings.anomaly_first_check_s,
            insight_writer=insight_writer,
            insights_timeout_s=insights_call_timeout_s(settings),
        ),
        repository=SqlAiRepository,
        on_startup=[keep_captioner],
        on_shutdown=[close_provider],
    )


definition = ServiceDefinition(
    name="ai",
    settings=AiSettings,
    build=build,
    migrations=Path(__file__).parent / "migrations",
    summary="AI drafts with the creator's persona",
)
