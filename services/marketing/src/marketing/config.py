from __future__ import annotations

from typing import Any

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings


class MarketingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MARKETING_", extra="ignore", frozen=True)

    service_name: str = "marketing"
    http_port: int = 8005
    credentials_keys: SecretStr | None = None
    """Fernet keys, comma-separated (the first encrypts, all decrypt: rotation), for the social
    accounts' credentials at rest. `make run`/`make test` make one (tools/local_secrets.py)."""

    links_base: str | None = None
    """The gateway as the public reaches it (e.g. ``https://go.huntaze.com``): tracking links are
    ``<this>/l/<code>``. Required in production; locally the gateway of `make run`."""
    cta_min_clicks: int = 100
    """People's clicks every variant of a CTA test needs before a winner may be declared."""
    network_timeout_s: float = 20.0
    """One request to a network's API."""
    publish_timeout_s: float = 60.0
    """One publishing attempt as a whole: fetching and uploading its media (X), the post, the
    status polls (Instagram, TikTok); past it the attempt is retried, after a reconcile. It is also
    how long a post waits when the worker making the attempt dies (its lease: this + 10 s), so it
    is not generous: raise it for accounts that post long videos to X."""
    x_api_base_url: str = "https://api.x.com"
    """X API v2 (tests: the local X peer)."""
    reddit_api_base_url: str = "https://oauth.reddit.com"
    """Reddit's OAuth API (tests: the local Reddit peer)."""
    instagram_api_base_url: str = "https://graph.facebook.com/v21.0"
    """The Instagram Graph API, its version included (tests: the local Instagram peer)."""
    tiktok_api_base_url: str = "https://open.tiktokapis.com"
    """TikTok's Content Posting and Display APIs (tests: the local TikTok peer)."""
    # the media vault's bucket (the content service's), read when a post with media_ids is published
    s3_endpoint_url: str | None = None
    """None: AWS S3 itself. `make run`/`make test` point it at their local S3 server (CONTENT_'s)."""
    s3_public_endpoint_url: str | None = None
    """The S3 endpoint as the networks reach it, in the presigned URLs Instagram and TikTok pull
    from, when it differs from the one the service uses; None: the same."""
    s3_bucket: str | None = None
    """The vault's bucket (content's ``CONTENT_S3_BUCKET``); locally ``huntaze-media``."""
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    """None: boto3's own chain (IRSA/instance role). Production: read-only (``s3:GetObject`` on the
    vault's bucket), never content's credentials."""
    s3_secret_access_key: SecretStr | None = None
    s3_timeout_s: float = 20.0
    media_url_ttl_s: int = 3600
    """How long the presigned GET URLs given to Instagram and TikTok stay valid: they pull the file
    when they process the post (a video may wait in their queue), so an hour."""
    media_fetch_origins: dict[str, str] = {}
    """Media hosts the X adapter fetches from another origin, past its SSRF rules (https only,
    public addresses), as JSON: ``{"media.x-peer.test": "http://127.0.0.1:41234"}``. Tests only (the
    X peer's media host); refused in production."""

    @model_validator(mode="after")
    def _no_media_origins_in_production(self) -> MarketingSettings:
        if self.media_fetch_origins and not self.environment.allows_local_defaults:
            raise ValueError(f"{self.env_name('media_fetch_origins')} is for tests: refused in production")
        return self

    def required_in_production(self) -> dict[str, Any]:
        return super().required_in_production() | {
            "credentials_keys": self.credentials_keys,
            "links_base": self.links_base,
            "s3_bucket": self.s3_bucket,
        }

    @property
    def bucket(self) -> str:
        return self.s3_bucket or "huntaze-media"

    @property
    def link_base(self) -> str:
        return (self.links_base or "http://127.0.0.1:8000").rstrip("/")
