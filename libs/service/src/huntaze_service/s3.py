"""S3 clients for the services that hold objects in S3 or read them (the content vault, marketing
publishing vault media), configured the same way from their ``<PREFIX>_S3_*`` settings.

boto3 is imported here only when called: services that never touch S3 do not need it installed."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import SecretStr


class S3Settings(Protocol):
    s3_endpoint_url: str | None
    s3_public_endpoint_url: str | None
    s3_region: str
    s3_access_key_id: str | None
    s3_secret_access_key: SecretStr | None
    s3_timeout_s: float


def s3_clients(settings: S3Settings) -> tuple[Any, Any]:
    """A client for requests (``s3_endpoint_url``; None: AWS S3 itself), and one that signs presigned
    URLs for the endpoint browsers and networks reach (``s3_public_endpoint_url``, else the same).
    Credentials from the settings, else boto3's own chain (IRSA, instance role, ``AWS_*``)."""
    import boto3
    from botocore.config import Config

    secret = settings.s3_secret_access_key.get_secret_value() if settings.s3_secret_access_key else None
    credentials: dict[str, Any] = (
        {"aws_access_key_id": settings.s3_access_key_id, "aws_secret_access_key": secret}
        if settings.s3_access_key_id
        else {}
    )
    config = Config(
        signature_version="s3v4",
        connect_timeout=min(5.0, settings.s3_timeout_s),
        read_timeout=settings.s3_timeout_s,
        retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": "path" if settings.s3_endpoint_url else "auto"},
    )
    session = boto3.session.Session()
    client = session.client(
        "s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region, config=config, **credentials
    )
    public = settings.s3_public_endpoint_url or settings.s3_endpoint_url
    signer = session.client("s3", endpoint_url=public, region_name=settings.s3_region, config=config, **credentials)
    return client, signer
