"""Wires the inbox: the one place that chooses adapters."""

from __future__ import annotations

from huntaze_service import Runtime, Service

from . import api, consumers
from .adapters.connector import LoggingConnector, OutboundConnector, WebhookConnector
from .config import InboxSettings


def connector_from_settings(settings: InboxSettings) -> OutboundConnector:
    if not settings.connector_webhook_url:
        return LoggingConnector()
    secret = settings.connector_webhook_secret
    return WebhookConnector(
        settings.connector_webhook_url,
        timeout_s=settings.connector_timeout_s,
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
        routers=[api.router],
        subscriptions=consumers.subscriptions(connector, settings.send_max_attempts),
        on_shutdown=[close_connector],
    )
