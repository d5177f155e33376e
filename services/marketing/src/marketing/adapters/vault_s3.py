"""Read access to the media vault's bucket (the content service's) through boto3: presigned GET
URLs for the networks that pull media (Instagram, TikTok), and files streamed into a spooled
temporary file for the one that takes uploads (X) — never the whole video in memory (8 MB, then disk).

boto3 blocks: every request runs in a worker thread (``asyncio.to_thread``). Signing a URL makes no
request. In production marketing has its own credentials, read-only on the bucket (``s3:GetObject``),
or boto3's chain (IRSA); locally the test S3 server's (tools/infra.py exports them as MARKETING_S3_*).
"""

from __future__ import annotations

import asyncio
from tempfile import SpooledTemporaryFile
from typing import IO

from botocore.exceptions import BotoCoreError, ClientError

from huntaze_service import CallFailed
from huntaze_service.s3 import s3_clients

from ..config import MarketingSettings
from ..publishing_port import VaultFile

CHUNK = 1024 * 1024
SPOOL_IN_MEMORY = 8 * 1024 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3VaultFiles:
    def __init__(self, settings: MarketingSettings) -> None:
        self.bucket = settings.bucket
        self.ttl_s = settings.media_url_ttl_s
        self._client, self._signer = s3_clients(settings)

    async def presigned_url(self, file: VaultFile) -> str:
        params = {"Bucket": self.bucket, "Key": file.object_key, "ResponseContentType": file.content_type}
        return str(self._signer.generate_presigned_url("get_object", Params=params, ExpiresIn=self.ttl_s))

    async def download(self, file: VaultFile, limit: int) -> IO[bytes]:
        return await asyncio.to_thread(self._download, file, limit)

    def _download(self, file: VaultFile, limit: int) -> IO[bytes]:
        spool: IO[bytes] = SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # the caller closes it
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=file.object_key)
            body, size = answer["Body"], 0
            try:
                for chunk in body.iter_chunks(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise CallFailed(f"vault: media {file.media_id} is larger than {limit} bytes", permanent=True)
                    spool.write(chunk)
            finally:
                body.close()
            spool.seek(0)
            return spool
        except ClientError as exc:
            spool.close()
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _MISSING:
                raise CallFailed(f"vault: media {file.media_id} is no longer in the vault", permanent=True) from None
            raise CallFailed(f"vault: reading media {file.media_id}: S3 {code}") from None
        except BotoCoreError as exc:
            spool.close()
            raise CallFailed(f"vault: reading media {file.media_id}: S3 unreachable ({type(exc).__name__})") from None
        except BaseException:
            spool.close()
            raise
