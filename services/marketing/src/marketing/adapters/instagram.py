"""Instagram adapter (Graph API content publishing): media in containers, then published.

- one medium: ``POST /{ig_user_id}/media`` with ``image_url``, or ``video_url`` and
  ``media_type=REELS`` (.mp4, .mov: feed videos are reels), and the ``caption`` → a container id;
- 2–10 media (a carousel): a container per medium (``is_carousel_item=true``, videos
  ``media_type=VIDEO``), then one with ``media_type=CAROUSEL``, ``children`` (their ids) and the caption;
- ``GET /{container_id}?fields=status_code,status`` until ``FINISHED`` (videos take a while; a few
  seconds at most here, then retried from the start: unpublished containers simply expire);
- ``POST /{ig_user_id}/media_publish`` with ``creation_id`` → the media id, the post's id.

Vault media (``media_ids``) come first, as presigned GET URLs of the vault's bucket valid for an hour
(:mod:`.pulled`), a video by the type the vault read from its bytes.

Credentials: ``access_token`` (with ``instagram_content_publish``) and ``ig_user_id``; the token goes
in the Authorization header and POST bodies, never in a URL. Errors are ``{"error": {"message",
"type", "code", "error_subcode", "is_transient", "error_user_msg"}}``: code 190 (token expired or
revoked) refuses the post; 4, 9, 17, 32, 613 (rate and publishing limits) are retried, after
``Retry-After`` when given; ``is_transient``, codes 1–2, the retryable 2207xxx subcodes (server
error, download timeout, expired container, media not ready) and 5xx are retried; anything else
(code 100: a caption over 2,200 characters, a bad parameter; other 2207xxx media refusals) refuses
the post with Instagram's message.

Reconcile: Instagram takes no idempotency key and our client_ref cannot travel with a post, so
``find`` pages ``GET /{ig_user_id}/media?fields=id,caption,timestamp`` (newest first) for a post with
our caption published since the scheduled time. When ``media_publish`` fails with its outcome unknown
(5xx, no answer) the account is looked at the same way before the failure is passed on.
Guarantee: one post per scheduled post, provided the earlier attempt's post is among the account's
last 1,000 media when the retry looks — and a post with the same caption published by hand since the
scheduled time would be taken for ours.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlparse

import httpx

from huntaze_service import CallFailed

from ..publishing_port import Outgoing, Published, VaultFiles
from .graph import RETRYABLE_SUBCODES, graph_failure, same_caption, timestamp
from .pulled import Pulled, pulled_media

VIDEO_SUFFIXES = (".mp4", ".mov")
MAX_MEDIA = 10
MAX_PAGES = 10
POLL_DELAYS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
"""Waits before each look at the containers' status: 8 s in all."""
CLOCK_SLACK_S = 5.0


def is_video(url: str) -> bool:
    return urlparse(url).path.lower().endswith(VIDEO_SUFFIXES)


def _medium(medium: Pulled, *, carousel: bool) -> dict[str, str]:
    url = medium.url
    if not medium.video:
        return {"image_url": url, "is_carousel_item": "true"} if carousel else {"image_url": url}
    if carousel:
        return {"video_url": url, "media_type": "VIDEO", "is_carousel_item": "true"}
    return {"video_url": url, "media_type": "REELS"}


class InstagramAdapter:
    name = "instagram"

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
    def _credentials(credentials: dict[str, Any]) -> tuple[str, str]:
        token, user = credentials.get("access_token"), credentials.get("ig_user_id")
        if not token or not user:
            raise CallFailed("instagram: the account's credentials need access_token and ig_user_id", permanent=True)
        return str(token), str(user)

    async def _call(self, method: str, path: str, token: str, **kwargs: Any) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        try:
            response = await self._client.request(method, f"{self._base}{path}", headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise CallFailed(f"instagram: {type(exc).__name__}: {exc}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict) and "error" not in body:
            return body
        raise graph_failure("instagram", response, body)

    async def _container(self, token: str, user: str, fields: dict[str, str]) -> str:
        body = await self._call("POST", f"/{user}/media", token, data={**fields, "access_token": token})
        return str(body["id"])

    async def _ready(self, token: str, containers: list[str]) -> None:
        """Waits until every container is FINISHED (bounded)."""
        waiting = containers
        for delay in self._poll_delays:
            await asyncio.sleep(delay)
            still: list[str] = []
            for container in waiting:
                body = await self._call("GET", f"/{container}", token, params={"fields": "status_code,status"})
                code, status = body.get("status_code"), str(body.get("status") or "")
                if code == "ERROR":
                    retryable = any(str(sub) in status for sub in RETRYABLE_SUBCODES)
                    raise CallFailed(f"instagram: the media could not be processed: {status or code}"[:500],
                                     permanent=not retryable)  # fmt: skip
                if code == "EXPIRED":
                    raise CallFailed("instagram: a media container expired before it was published")
                if code not in ("FINISHED", "PUBLISHED"):
                    still.append(container)
            waiting = still
            if not waiting:
                return
        raise CallFailed(f"instagram: media still processing after {sum(self._poll_delays):g}s")

    async def publish(self, credentials: dict[str, Any], post: Outgoing) -> Published:
        token, user = self._credentials(credentials)
        media = await pulled_media("instagram", post, self._vault, is_video)
        if not 1 <= len(media) <= MAX_MEDIA:
            raise CallFailed(f"instagram: a post has 1 to {MAX_MEDIA} media ({len(media)} given)", permanent=True)
        if len(media) == 1:
            container = await self._container(token, user, {**_medium(media[0], carousel=False), "caption": post.text})
        else:
            children = [await self._container(token, user, _medium(m, carousel=True)) for m in media]
            await self._ready(token, [c for c, m in zip(children, media, strict=True) if m.video])
            fields = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": post.text}
            container = await self._container(token, user, fields)
        await self._ready(token, [container])
        try:
            body = await self._call("POST", f"/{user}/media_publish", token,
                                    data={"creation_id": container, "access_token": token})  # fmt: skip
        except CallFailed as failed:
            if failed.permanent:
                raise
            found = await self._landed(credentials, post)
            if found is None:
                raise
            return found
        return Published(str(body["id"]))

    async def _landed(self, credentials: dict[str, Any], post: Outgoing) -> Published | None:
        try:
            return await self.find(credentials, post)
        except CallFailed:
            return None

    async def find(self, credentials: dict[str, Any], post: Outgoing) -> Published | None:
        """Pages through the account's media, newest first, down to the scheduled time (100 a page,
        at most MAX_PAGES pages)."""
        token, user = self._credentials(credentials)
        since = post.not_before.timestamp() - CLOCK_SLACK_S
        params = {"fields": "id,caption,timestamp", "limit": "100"}
        for _ in range(MAX_PAGES):
            body = await self._call("GET", f"/{user}/media", token, params=params)
            for media in body.get("data") or []:
                at = timestamp(media.get("timestamp"))
                if at is not None and at < since:
                    return None  # newest first: everything further is older than the scheduled time
                if same_caption(post.text, media.get("caption")):
                    return Published(str(media["id"]), reconciled=True)
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not after or not paging.get("next"):
                return None
            params["after"] = str(after)
        raise CallFailed(
            f"instagram: more than {MAX_PAGES * 100} media since the scheduled time: cannot tell if it landed"
        )
