"""Wires the notifications service: the one place that chooses adapters."""

from __future__ import annotations

import logging
from pathlib import Path

from huntaze_service import Runtime, Service, ServiceDefinition
from huntaze_service.sealing import SealedBox, new_key

from . import consumers, notices_api, webhooks_api
from .adapters.notifications_sql import SqlNotificationsRepository
from .adapters.webhook_http import HttpSender
from .config import NotificationsSettings
from .webhooks import UrlPolicy

log = logging.getLogger("huntaze.notifications")
_RANDOM_KEY: list[str] = []


def sealed_box(settings: NotificationsSettings) -> SealedBox:
    keys = settings.secrets_keys.get_secret_value() if settings.secrets_keys else ""
    if not keys:  # production refuses to start without (settings); make run and make test provide one
        if not _RANDOM_KEY:
            log.warning("NOTIFICATIONS_SECRETS_KEYS not set: a random key; webhook secrets die with this process")
            _RANDOM_KEY.append(new_key())
        keys = _RANDOM_KEY[0]
    return SealedBox(keys)


def http_sender(settings: NotificationsSettings) -> HttpSender:
    return HttpSender(
        timeout_s=settings.webhook_timeout_s,
        allow_http=settings.webhook_allow_http,
        private_targets=settings.webhook_private_targets,
    )


def build(settings: NotificationsSettings | None = None) -> Service:
    settings = settings or NotificationsSettings()
    box = sealed_box(settings)
    sender = http_sender(settings)
    policy = UrlPolicy(settings.webhook_allow_http, tuple(settings.webhook_private_targets), settings.max_endpoints)

    async def keep(runtime: Runtime) -> None:
        runtime.state[webhooks_api.BOX] = box
        runtime.state[webhooks_api.POLICY] = policy

    return Service(
        settings,
        title="Huntaze notifications",
        routers=[notices_api.router, webhooks_api.router],
        on_startup=[keep],
        subscriptions=consumers.subscriptions(settings, lambda: box, lambda: sender),
        repository=SqlNotificationsRepository,
    )


definition = ServiceDefinition(
    name="notifications",
    settings=NotificationsSettings,
    build=build,
    migrations=Path(__file__).parent / "migrations",
    summary="in-app notifications and signed webhooks to the creators' own tools, guarded against SSRF (issue 15)",
)
