"""The vault's objects on S3 (or any S3-compatible store) through boto3.

boto3 blocks: every request runs in a worker thread (``asyncio.to_thread``) with the settings'
timeouts and a few retries of its own. Presigned URLs are signed locally (no request) for the
endpoint browsers reach (``s3_public_endpoint_url``) and carry the conditions S3 enforces: a PUT's
Content-Type and Content-Length, a part's Content-Length, a download's Content-Disposition."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from huntaze_service.s3 import s3_clients

from ..config import ContentSettings
from ..vault_ports import Digest, InvalidParts, StoreUnavailable

CHUNK = 1024 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3ObjectStore:
    def __init__(self, settings: ContentSettings) -> None:
        self.bucket = settings.bucket
        self._client, self._signer = s3_clients(settings)

    async def _run(self, fn: Any, /, **params: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, Bucket=self.bucket, **params)
        except ClientError:
            raise
        except BotoCoreError as exc:  # connection, timeout, credentials
            raise StoreUnavailable(f"S3: {exc}") from exc

    # uploads ----------------------------------------------------------------------------------------
    async def presign_put(self, key: str, content_type: str, size: int, ttl_s: int) -> str:
        params = {"Bucket": self.bucket, "Key": key, "ContentType": content_type, "ContentLength": size}
        return str(self._signer.generate_presigned_url("put_object", Params=params, ExpiresIn=ttl_s))

    async def create_multipart(self, key: str, content_type: str) -> str:
        try:
            answer = await self._run(self._client.create_multipart_upload, Key=key, ContentType=content_type)
        except ClientError as exc:
            raise StoreUnavailable(f"S3 create_multipart_upload: {_code(exc)}") from exc
        return str(answer["UploadId"])

    async def presign_part(self, key: str, multipart_id: str, number: int, size: int, ttl_s: int) -> str:
        params = {
            "Bucket": self.bucket,
            "Key": key,
            "UploadId": multipart_id,
            "PartNumber": number,
            "ContentLength": size,
        }
        return str(self._signer.generate_presigned_url("upload_part", Params=params, ExpiresIn=ttl_s))

    async def complete_multipart(self, key: str, multipart_id: str, parts: Sequence[tuple[int, str]] | None) -> bool:
        try:
            if parts is None:
                listed = await self._run(self._client.list_parts, Key=key, UploadId=multipart_id, MaxParts=10_000)
                parts = [(int(p["PartNumber"]), str(p["ETag"])) for p in listed.get("Parts", [])]
            if not parts:
                raise InvalidParts("no part was uploaded")
            body = {"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in sorted(parts)]}
            await self._run(
                self._client.complete_multipart_upload, Key=key, UploadId=multipart_id, MultipartUpload=body
            )
        except ClientError as exc:
            code = _code(exc)
            if code in _MISSING:
                return False
            if code in {"InvalidPart", "InvalidPartOrder", "EntityTooSmall", "MalformedXML"}:
                raise InvalidParts(f"S3 refused the parts: {code}") from exc
            raise StoreUnavailable(f"S3 complete_multipart_upload: {code}") from exc
        return True

    async def abort_multipart(self, key: str) -> None:
        try:
            listed = await self._run(self._client.list_multipart_uploads, Prefix=key)
            for upload in listed.get("Uploads", []):
                if upload.get("Key") == key:
                    await self._run(self._client.abort_multipart_upload, Key=key, UploadId=upload["UploadId"])
        except ClientError as exc:
            if _code(exc) not in _MISSING:
                raise StoreUnavailable(f"S3 abort_multipart_upload: {_code(exc)}") from exc

    # reading ------------------------------------------------------------------------------------------
    async def size_of(self, key: str) -> int | None:
        try:
            head = await self._run(self._client.head_object, Key=key)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return None
            raise StoreUnavailable(f"S3 head_object: {_code(exc)}") from exc
        return int(head["ContentLength"])

    async def read_head(self, key: str, count: int) -> bytes:
        try:
            answer = await self._run(self._client.get_object, Key=key, Range=f"bytes=0-{count - 1}")
            return await asyncio.to_thread(answer["Body"].read, count)
        except ClientError as exc:
            raise StoreUnavailable(f"S3 get_object (range): {_code(exc)}") from exc

    async def digest(self, key: str, keep_up_to: int) -> Digest:
        return await asyncio.to_thread(self._digest, key, keep_up_to)

    def _digest(self, key: str, keep_up_to: int) -> Digest:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=key)
            body = answer["Body"]
            sha = hashlib.sha256()
            size = 0
            kept: list[bytes] | None = [] if int(answer["ContentLength"]) <= keep_up_to else None
            try:
                for chunk in body.iter_chunks(CHUNK):
                    sha.update(chunk)
                    size += len(chunk)
                    if kept is not None:
                        kept.append(chunk)
            finally:
                body.close()
        except ClientError as exc:
            raise StoreUnavailable(f"S3 get_object: {_code(exc)}") from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(f"S3: {exc}") from exc
        return Digest(sha.hexdigest(), size, b"".join(kept) if kept is not None else None)

    # writing ------------------------------------------------------------------------------------------
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            await self._run(self._client.put_object, Key=key, Body=data, ContentType=content_type)
        except ClientError as exc:
            raise StoreUnavailable(f"S3 put_object: {_code(exc)}") from exc

    async def presign_get(self, key: str, ttl_s: int, *, content_type: str, download_as: str | None) -> str:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "ResponseContentType": content_type}
        if download_as is not None:
            ascii_name = download_as.encode("ascii", "replace").decode().replace("?", "_")
            params["ResponseContentDisposition"] = (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(download_as, safe='')}"
            )
        return str(self._signer.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl_s))

    async def delete(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        try:
            answer = await self._run(
                self._client.delete_objects, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
            )
        except ClientError as exc:
            raise StoreUnavailable(f"S3 delete_objects: {_code(exc)}") from exc
        errors = [e for e in answer.get("Errors", []) if e.get("Code") not in _MISSING]
        if errors:
            raise StoreUnavailable(f"S3 delete_objects: {errors[0].get('Code')} for {errors[0].get('Key')}")


_STORES: dict[int, S3ObjectStore] = {}


def shared_store(settings: ContentSettings | None = None) -> S3ObjectStore:
    """One store per settings object, made on first use (the API's and the worker's calls'); with
    no settings, the environment's (the worker's calls, wired before the settings are at hand)."""
    settings = settings or _env_settings()
    store = _STORES.get(id(settings))
    if store is None:
        store = _STORES[id(settings)] = S3ObjectStore(settings)
    return store


_ENV: list[ContentSettings] = []


def _env_settings() -> ContentSettings:
    if not _ENV:
        _ENV.append(ContentSettings())
    return _ENV[0]
