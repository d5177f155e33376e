"""Wires the marketing service: the one place that chooses adapters."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from huntaze_service import Runtime, Service, ServiceDefinition

from . import api, consumers, cta_api, links_api, slots_api
from .adapters.instagram import InstagramAdapter
from .adapters.reddit import RedditAdapter
from .adapters.repository import SqlMarketingRepository
from .adapters.tiktok import TikTokAdapter
from .adapters.vault_s3 import S3VaultFiles
from .adapters.x import XAdapter
from .config import MarketingSettings
from .credentials import Vault
from .networks import Network

log = logging.getLogger("huntaze.marketing")


def build(settings: MarketingSettings | None = None) -> Service:
    settings = settings or MarketingSettings()
    keys = settings.credentials_keys.get_secret_value() if settings.credentials_keys else None
    if not keys:  # production refuses to start without (settings); make run and make test provide one
        log.warning("MARKETING_CREDENTIALS_KEYS not set: a random key; stored credentials die with this process")
        keys = Fernet.generate_key().decode()
    vault = Vault(keys)

    client = httpx.AsyncClient(timeout=httpx.Timeout(settings.network_timeout_s, connect=5.0))
    files = S3VaultFiles(settings)  # the vault's bucket, read-only: the files of posts' media_ids
    adapters = {
        Network.X: XAdapter(client, settings.x_api_base_url, media_origins=settings.media_fetch_origins, vault=files),
        Network.REDDIT: RedditAdapter(client, settings.reddit_api_base_url),
        Network.INSTAGRAM: InstagramAdapter(client, settings.instagram_api_base_url, vault=files),
        Network.TIKTOK: TikTokAdapter(client, settings.tiktok_api_base_url, vault=files),
    }

    async def start(runtime: Runtime) -> None:
        runtime.state["vault"] = vault

    async def stop(runtime: Runtime) -> None:
        await client.aclose()

    return Service(
        settings,
        title="Huntaze marketing",
        routers=[api.router, links_api.router, cta_api.router, slots_api.router],
        subscriptions=consumers.subscriptions(adapters, vault, timeout_s=settings.publish_timeout_s),
        repository=SqlMarketingRepository,
        untraced_paths=("/v1/marketing/redirect/",),  # a click costs less than its span (B9)
        on_startup=[start],
        on_shutdown=[stop],
    )


definition = ServiceDefinition(
    name="marketing",
    settings=MarketingSettings,
    build=build,
    migrations=Path(__file__).parent / "migrations",
    summary="social accounts, posts published once, tracking links, conversions and campaign ROI (issue 12, in progress)",
)
