"""TikTok adapter (Content Posting API v2, Direct Post; TikTok pulls the media from their URLs).

- a video (one .mp4/.mov/.webm URL): ``POST /v2/post/publish/video/init/`` with ``{"post_info":
  {"title": caption, "privacy_level"}, "source_info": {"source": "PULL_FROM_URL", "video_url"}}``;
- 1–35 photos: ``POST /v2/post/publish/content/init/`` with ``{"media_type": "PHOTO", "post_mode":
  "DIRECT_POST", "post_info": {"description": caption, "privacy_level"}, "source_info": {"source":
  "PULL_FROM_URL", "photo_images": [...], "photo_cover_index": 0}}`` (a photo post's title holds 90
  characters: the caption is its description);

Vault media (``media_ids``) come first, as presigned GET URLs of the vault's bucket valid for an hour
(:mod:`.pulled`), a video by the type the vault read from its bytes.

→ ``{"data": {"publish_id"}}``, then ``POST /v2/post/publish/status/fetch/`` ``{"publish_id"}`` until
``PUBLISH_COMPLETE`` → ``publicaly_available_post_id`` (sic), the post's id. The post is TikTok's from
init on: publishing again would post it twice. TikTok names a post only once moderated (usually a
minute, sometimes hours) and never a private one, so when the status is not final after the bounded
polling, cannot be read, or names no post, the publish_id stands for the post.

Credentials: ``access_token`` (``video.publish`` scope) and, optionally, ``privacy_level`` (one of the
creator's ``privacy_level_options``; default ``PUBLIC_TO_EVERYONE``; an unaudited app posts
``SELF_ONLY`` only). Every answer has ``{"error": {"code", "message", "log_id"}}`` (``ok`` on success):
``access_token_invalid``, ``scope_not_authorized`` (401) refuse the post; ``rate_limit_exceeded``
(429) and 5xx are retried, after ``Retry-After`` when given; the others — ``invalid_params`` (a caption
over 2,200 characters), ``spam_risk_too_many_posts`` (the daily cap), ``privacy_level_option_mismatch``,
``url_ownership_unverified``… — refuse it with TikTok's message. A ``FAILED`` status refuses it with
its ``fail_reason`` (``internal`` is retried: nothing was posted).

Reconcile: TikTok takes no idempotency key, so ``find`` pages ``POST /v2/video/list/`` (newest first,
20 a page) for a post whose title or description is our caption (TikTok lists their first 150
characters), created since the scheduled time. Guarantee: one post per scheduled post, provided the
earlier attempt's post is listed — public, through moderation — and among the creator's last 200
posts when the retry looks; a post still in moderation, or private, is not listed and would be
posted again.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlparse

import httpx

from huntaze_service import CallFailed

from ..publishing_port import Outgoing, Published, VaultFiles
from .pulled import pulled_media
from .retry import retry_after

VIDEO_SUFFIXES = (".mp4", ".mov", ".webm")
MAX_PHOTOS = 35
MAX_PAGES = 10
PAGE = 20
LISTED = 150
"""Characters of a title or description the video list returns."""
POLL_DELAYS = (0.5, 1.0, 1.5, 2.0, 3.0)
"""Waits before each status look: 8 s in all (status/fetch allows 30 requests a minute a token)."""
CLOCK_SLACK_S = 5.0
TOKEN_REFUSED = {"access_token_invalid", "scope_not_authorized", "scope_permission_missed"}


def is_video(url: str) -> bool:
    return urlparse(url).path.lower().endswith(VIDEO_SUFFIXES)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _listed_as(ours: str, theirs: Any) -> bool:
    """Our caption, as the video list shows it (its first LISTED characters)."""
    if not isinstance(theirs, str) or not theirs.strip():
        return False
    mine, shown = _norm(ours), _norm(theirs)
    return mine == shown or (len(theirs) >= LISTED and mine.startswith(shown))


class TikTokAdapter:
    name = "tiktok"

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        *,
        poll_delays: tuple[float, ...] = POLL_DELAYS,
        vault: VaultFiles | None = None,
    ) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._poll_delays = poll_delays
        self._vault = vault

    @staticmethod
    def _headers(credentials: dict[str, Any]) -> dict[str, str]:
        token = credentials.get("access_token")
        if not token:
            raise CallFailed("tiktok: the account's credentials need access_token", permanent=True)
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=UTF-8"}

    async def _call(
        self, path: str, headers: dict[str, str], body: dict[str, Any], params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        try:
            response = await self._client.post(f"{self._base}{path}", json=body, headers=headers, params=params)
        except httpx.HTTPError as exc:
            raise CallFailed(f"tiktok: {type(exc).__name__}: {exc}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        error = answer.get("error") if isinstance(answer, dict) else None
        error = error if isinstance(error, dict) else {}
        code, status = str(error.get("code") or ""), response.status_code
        if status == 200 and code == "ok":
            return (answer or {}).get("data") or {}
        message = str(error.get("message") or response.text[:300])[:300]
        text = f"tiktok: {code or status}: {message}" + (f" (log_id {error['log_id']})" if error.get("log_id") else "")
        if code in TOKEN_REFUSED or status == 401:
            raise CallFailed(f"tiktok: the account's token was refused (expired or revoked): {message}", permanent=True)
        if code == "rate_limit_exceeded" or status == 429 or status >= 500 or code == "internal_error":
            raise CallFailed(text, retry_after_s=retry_after(response))
        raise CallFailed(text, permanent=True)

    async def publish(self, credentials: dict[str, Any], post: Outgoing) -> Published:
        headers = self._headers(credentials)
        privacy = str(credentials.get("privacy_level") or "PUBLIC_TO_EVERYONE")
        media = await pulled_media("tiktok", post, self._vault, is_video)
        urls = [m.url for m in media]
        videos = [m.url for m in media if m.video]
        if not urls or len(urls) > MAX_PHOTOS or (videos and len(urls) > 1):
            raise CallFailed(f"tiktok: a post is one video or 1 to {MAX_PHOTOS} photos ({len(urls)} media given)",
                             permanent=True)  # fmt: skip
        source: dict[str, Any] = {"source": "PULL_FROM_URL"}
        if videos:
            path = "/v2/post/publish/video/init/"
            body: dict[str, Any] = {"post_info": {"title": post.text, "privacy_level": privacy},
                                    "source_info": source | {"video_url": videos[0]}}  # fmt: skip
        else:
            path = "/v2/post/publish/content/init/"
            body = {"media_type": "PHOTO", "post_mode": "DIRECT_POST",
                    "post_info": {"description": post.text, "privacy_level": privacy},
                    "source_info": source | {"photo_images": urls, "photo_cover_index": 0}}  # fmt: skip
        publish_id = str((await self._call(path, headers, body))["publish_id"])
        return await self._outcome(headers, publish_id)

    async def _outcome(self, headers: dict[str, str], publish_id: str) -> Published:
        for delay in self._poll_delays:
            await asyncio.sleep(delay)
            try:
                data = await self._call("/v2/post/publish/status/fetch/", headers, {"publish_id": publish_id})
            except CallFailed:
                break  # initiated: it is TikTok's now, whatever this look says
            status = data.get("status")
            if status == "PUBLISH_COMPLETE":
                ids = data.get("publicaly_available_post_id") or data.get("publicly_available_post_id") or []
                return Published(str(ids[0]) if ids else publish_id)
            if status == "FAILED":
                reason = str(data.get("fail_reason") or "unknown")
                raise CallFailed(f"tiktok: the post failed: {reason}", permanent=reason != "internal")
        return Published(publish_id)

    async def find(self, credentials: dict[str, Any], post: Outgoing) -> Published | None:
        """Pages through the creator's posts, newest first, down to the scheduled time."""
        headers = self._headers(credentials)
        since = post.not_before.timestamp() - CLOCK_SLACK_S
        fields = {"fields": "id,title,video_description,create_time"}
        body: dict[str, Any] = {"max_count": PAGE}
        for _ in range(MAX_PAGES):
            data = await self._call("/v2/video/list/", headers, body, params=fields)
            for video in data.get("videos") or []:
                if float(video.get("create_time") or 0) < since:
                    return None  # newest first: everything further is older than the scheduled time
                if _listed_as(post.text, video.get("title")) or _listed_as(post.text, video.get("video_description")):
                    return Published(str(video["id"]), reconciled=True)
            if not data.get("has_more") or data.get("cursor") is None:
                return None
            body["cursor"] = data["cursor"]
        raise CallFailed(
            f"tiktok: more than {MAX_PAGES * PAGE} posts since the scheduled time: cannot tell if it landed"
        )
