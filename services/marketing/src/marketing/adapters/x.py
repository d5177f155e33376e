"""X API v2 adapter: ``POST /2/tweets`` publishes; ``GET /2/users/{id}/tweets`` finds a post a previous
attempt published (X takes no idempotency key).

Credentials: ``access_token`` (OAuth 2.0 user token with ``tweet.write``, and ``media.write`` for
media) and ``user_id``. Answers: 201 ``{"data": {"id", "text"}}``; 429 with ``x-rate-limit-reset``
(epoch seconds) or ``retry-after``; 401 (token expired or revoked: permanent); 403 ``duplicate
content`` (an earlier attempt landed: looked up, else permanent); other 4xx permanent with X's
``detail``; 5xx retried.

Media: each of the post's ``media_urls`` is fetched (:mod:`.media_fetch`: https, public addresses
only, type by magic number, size bounded), all before any upload; then each is uploaded with X API
v2's chunked upload — ``POST /2/media/upload/initialize`` (JSON ``media_type``, ``total_bytes``,
``media_category``: ``tweet_image``, ``tweet_gif`` or ``tweet_video``) → ``data.id``;
``POST /2/media/upload/{id}/append`` (multipart: ``segment_index``, ``media`` ≤ 4 MB a segment);
``POST /2/media/upload/{id}/finalize``; while ``processing_info.state`` is not ``succeeded``,
``GET /2/media/upload?command=STATUS&media_id=`` after ``check_after_secs`` — and the post carries
``"media": {"media_ids": [...]}``. X takes up to 4 images, or one GIF or video. Upload errors map
like the post's. Vault media (``media_ids``) come first, in their order: each file is read from the
vault's bucket (:mod:`.vault_s3`, streamed to a spooled file), its type checked by its first bytes
against the one the vault announced, the same limits applied — then uploaded the same way. An attempt interrupted between its uploads and the post leaves unused media on X:
harmless, X drops media no post uses (24 h), and the retry uploads again.

Guarantee: one post per scheduled post, provided the earlier attempt's post is among the account's
posts since the scheduled time (the last 100) when the retry looks; X rewrites links (t.co), so
texts are compared without their URLs (media included: the lookup is by text only, so a post with
no text matches any post with no text since the scheduled time).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from datetime import UTC
from typing import Any

import httpx

from huntaze_service import CallFailed

from ..publishing_port import Outgoing, Published, VaultFile, VaultFiles
from .media_fetch import BY_MIME, MediaFetcher, Medium, sniff
from .retry import retry_after

_URL = re.compile(r"https?://\S+")
MAX_PAGES = 10
SEGMENT = 4 * 1024 * 1024
MAX_PROCESSING_S = 120.0


def _same_text(ours: str, theirs: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(_URL.sub("", text).split())

    return norm(ours) == norm(theirs)


def _retry_after(response: httpx.Response) -> float | None:
    if "retry-after" in response.headers:
        return retry_after(response)
    if "x-rate-limit-reset" in response.headers:
        try:
            return max(float(response.headers["x-rate-limit-reset"]) - time.time(), 0.0)
        except ValueError:
            return None
    return None


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if not isinstance(body, dict):
        return str(body)[:300]
    detail = str(body.get("detail") or body.get("title") or body)
    errors = [str(e.get("message")) for e in body.get("errors") or [] if isinstance(e, dict) and e.get("message")]
    return "; ".join([detail, *errors])[:300]


class XAdapter:
    name = "x"

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        *,
        media_origins: Mapping[str, str] | None = None,
        vault: VaultFiles | None = None,
    ) -> None:
        """``media_origins``: media hosts fetched from another origin past the SSRF rules (tests only);
        ``vault``: the vault's bucket, for posts with ``media_ids``."""
        self._client = client
        self._base = base_url.rstrip("/")
        self._media = MediaFetcher(client, origins=media_origins, label="x")
        self._vault = vault

    def _headers(self, credentials: dict[str, Any]) -> dict[str, str]:
        token = credentials.get("access_token")
        if not token or not credentials.get("user_id"):
            raise CallFailed("x: the account's credentials need access_token and user_id", permanent=True)
        return {"Authorization": f"Bearer {token}"}

    async def publish(self, credentials: dict[str, Any], post: Outgoing) -> Published:
        if post.unresolved() or (post.vault_files and self._vault is None):
            raise CallFailed("x: the post's vault media could not be read (no files for its media ids)", permanent=True)
        headers = self._headers(credentials)
        has_media = bool(post.media_urls or post.vault_files)
        body: dict[str, Any] = {"text": post.text} if post.text or not has_media else {}
        if has_media:
            body["media"] = {"media_ids": await self._upload_all(headers, post.vault_files, post.media_urls)}
        try:
            response = await self._client.post(f"{self._base}/2/tweets", json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise CallFailed(f"x: {type(exc).__name__}: {exc}") from None
        if response.status_code in (200, 201):
            return Published(str(response.json()["data"]["id"]))
        if response.status_code == 403 and "duplicate" in _detail(response).lower():
            found = await self.find(credentials, post)
            if found is not None:
                return found
        raise self._failure(response)

    async def find(self, credentials: dict[str, Any], post: Outgoing) -> Published | None:
        """Pages through the account's posts since the scheduled time (newest first, 100 a page, at
        most MAX_PAGES pages)."""
        headers = self._headers(credentials)
        params = {
            "max_results": "100",
            "start_time": post.not_before.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tweet.fields": "created_at",
        }
        for _ in range(MAX_PAGES):
            try:
                response = await self._client.get(
                    f"{self._base}/2/users/{credentials['user_id']}/tweets", params=params, headers=headers
                )
            except httpx.HTTPError as exc:
                raise CallFailed(f"x: {type(exc).__name__}: {exc}") from None
            if response.status_code != 200:
                raise self._failure(response)
            page = response.json()
            for tweet in page.get("data") or []:
                if _same_text(post.text, str(tweet.get("text", ""))):
                    return Published(str(tweet["id"]), reconciled=True)
            token = (page.get("meta") or {}).get("next_token")
            if not token:
                return None
            params["pagination_token"] = str(token)
        raise CallFailed(f"x: more than {MAX_PAGES * 100} posts since the scheduled time: cannot tell if it landed")

    async def _upload_all(
        self, headers: dict[str, str], files: tuple[VaultFile, ...], urls: tuple[str, ...]
    ) -> list[str]:
        """Reads (vault) and fetches (URLs) every medium first (a bad one fails the post before
        anything reaches X), then uploads them in order."""
        media: list[Medium] = []
        try:
            for file in files:
                media.append(await self._vault_medium(file))
            for url in urls:
                media.append(await self._media.fetch(url))
            if len(media) > 4 or (len(media) > 1 and not all(m.kind.image for m in media)):
                kinds = ", ".join(m.kind.label for m in media)
                raise CallFailed(f"x: a post has up to 4 images, or one GIF or video ({kinds} given)", permanent=True)
            return [await self._upload(headers, medium) for medium in media]
        finally:
            for medium in media:
                medium.close()

    async def _vault_medium(self, file: VaultFile) -> Medium:
        assert self._vault is not None
        where = f"the vault (media {file.media_id})"
        kind = BY_MIME.get(file.content_type)
        if kind is None:
            raise CallFailed(
                f"x: {where} is a {file.content_type}: X takes JPEG, PNG, GIF, WEBP or MP4", permanent=True
            )
        if file.size_bytes > kind.limit:
            raise CallFailed(f"x: {where} is larger than {kind.limit // 2**20} MB, the limit for a {kind.label}",
                             permanent=True)  # fmt: skip
        body = await self._vault.download(file, kind.limit)
        try:
            if sniff(body.read(12)) is not kind:
                raise CallFailed(f"x: {where}: its bytes are not the {kind.label} the vault announced", permanent=True)
            size = body.seek(0, 2)
        except BaseException:
            body.close()
            raise
        return Medium(f"vault:{file.media_id}", where, kind, size, body)

    async def _upload(self, headers: dict[str, str], medium: Medium) -> str:
        kind = medium.kind
        started = await self._media_call(
            "POST",
            "/2/media/upload/initialize",
            headers,
            json={"media_type": kind.mime, "total_bytes": medium.size, "media_category": kind.category},
        )
        media_id = str((started.get("data") or {}).get("id") or "")
        if not media_id.isdigit():
            raise CallFailed(f"x: media upload: no media id in X's answer ({str(started)[:200]})")
        for index, chunk in enumerate(medium.chunks(SEGMENT)):
            await self._media_call(
                "POST",
                f"/2/media/upload/{media_id}/append",
                headers,
                data={"segment_index": str(index)},
                files={"media": ("media", chunk, "application/octet-stream")},
            )
        answer = await self._media_call("POST", f"/2/media/upload/{media_id}/finalize", headers)
        deadline = time.monotonic() + MAX_PROCESSING_S
        while (info := (answer.get("data") or answer).get("processing_info")) and info.get("state") != "succeeded":
            if info.get("state") == "failed":
                error = info.get("error") or {}
                reason = error.get("message") or error.get("name") or "processing failed"
                raise CallFailed(f"x: X refused the medium from {medium.host}: {reason}", permanent=True)
            if time.monotonic() > deadline:
                raise CallFailed(f"x: the medium from {medium.host} still processing after {MAX_PROCESSING_S:g}s")
            await asyncio.sleep(min(max(float(info.get("check_after_secs") or 1), 0.1), 10.0))
            params = {"command": "STATUS", "media_id": media_id}
            answer = await self._media_call("GET", "/2/media/upload", headers, params=params)
        return media_id

    async def _media_call(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._client.request(method, f"{self._base}{path}", headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise CallFailed(f"x: media upload: {type(exc).__name__}: {exc}") from None
        if not 200 <= response.status_code < 300:
            raise self._failure(response, "media upload ")
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = {}
        return body if isinstance(body, dict) else {}

    def _failure(self, response: httpx.Response, what: str = "") -> CallFailed:
        status, detail = response.status_code, _detail(response)
        if status == 429:
            return CallFailed(f"x: {what}rate limited: {detail}", retry_after_s=_retry_after(response))
        if status >= 500:
            return CallFailed(f"x: {what}{status}: {detail}")
        if status == 401:
            return CallFailed(f"x: the account's token was refused (expired or revoked): {detail}", permanent=True)
        return CallFailed(f"x: {what}{status}: {detail}", permanent=True)
