"""Wires the inbox: the one place that chooses adapters."""

from __future__ import annotations

from pathlib import Path

from huntaze_service import Runtime, Service, ServiceDefinition

from . import api, consumers
from .adapters.connector import LoggingConnector, OutboundConnector, WebhookConnector
from .adapters.repository import SqlInboxRepository
from .config import InboxSettings


def connector_from_settings(settings: InboxSettings) -> OutboundConnector:
    if not settings.connector_webhook_url:
        return LoggingConnector()
    secret, signing = settings.connector_webhook_secret, settings.connector_signing_secret
    assert signing is not None  # the settings refuse a webhook URL without it
    return WebhookConnector(
        settings.connector_webhook_url,
        timeout_s=settings.connector_timeout_s,
        signing_secret=signing.get_secret_value(),
        secret=secret.get_secret_value() if secret else None,
    )


def build(settings: InboxSettings | None = None, *, connector: OutboundConnector | None = None) -> Service:
    settings = settings or InboxSettings()
    connector = connector or connector_from_settings(settings)

    async def close_connector(runtime: Runtime) -> None:
        await connector.close()

    return Service(
        settings,
        title="Huntaze inbox",
        routers=api.routers,
        subscriptions=consumers.subscriptions(
            connector,
            terms=settings.offer_terms(),
            pace=settings.mass_pace(),
            send_attempts=settings.send_max_attempts,
            send_timeout_s=settings.connector_timeout_s + 2,
            unanswered_after=settings.unanswered_after(),
        ),
        repository=SqlInboxRepository,
        on_shutdown=[close_connector],
    )


definition = ServiceDefinition(
    name="inbox",
    settings=InboxSettings,
    build=build,
    migrations=Path(__file__).parent / "migrations",
    summary="conversations, AI drafts approved by a person, outbound replies",
)
