from __future__ import annotations

from typing import Any

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings


class ContentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTENT_", extra="ignore", frozen=True)

    service_name: str = "content"
    http_port: int = 8006

    # the media vault's S3 store (any S3-compatible one: AWS, MinIO, Ceph, moto for make run/test)
    s3_endpoint_url: str | None = None
    """None: AWS S3 itself. `make run`/`make test` point it at their local S3 server."""
    s3_public_endpoint_url: str | None = None
    """The S3 endpoint as browsers reach it, in presigned URLs, when it differs from the one the
    service uses (an in-cluster address); None: the same."""
    s3_bucket: str | None = None
    """The vault's bucket (it must exist). Required in production; locally `huntaze-media`."""
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    """None: boto3's own chain (IRSA/instance role on Kubernetes, AWS_* variables)."""
    s3_secret_access_key: SecretStr | None = None
    s3_timeout_s: float = 20.0
    """One S3 request (the check of a completed upload reads the whole object once, for its hash)."""

    upload_url_ttl_s: int = 900
    """How long a presigned upload URL (or part URL) is valid."""
    download_url_ttl_s: int = 300
    """How long a presigned download URL is valid: short, a download is never a public link."""
    max_upload_bytes: int = 5 * 1024**3
    """The largest file the vault accepts (5 GiB); refused at presign time."""
    multipart_threshold_bytes: int = 100 * 1024**2
    """Uploads above this size get presigned multipart parts instead of one URL."""
    multipart_part_bytes: int = 64 * 1024**2
    """The size of each presigned part (S3 wants 5 MiB to 5 GiB, at most 10,000 parts)."""

    public_base: str | None = None
    """The gateway as the public reaches it (e.g. ``https://api.huntaze.com``): private calendar
    feeds are ``<this>/v1/calendar.ics?token=…``. Required in production; locally `make run`'s gateway."""

    def required_in_production(self) -> dict[str, Any]:
        return super().required_in_production() | {"s3_bucket": self.s3_bucket, "public_base": self.public_base}

    @property
    def feed_base(self) -> str:
        return (self.public_base or "http://127.0.0.1:8000").rstrip("/")

    @property
    def bucket(self) -> str:
        return self.s3_bucket or "huntaze-media"
