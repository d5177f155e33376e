"""X API v2 adapter: ``POST /2/tweets`` publishes; ``GET /2/users/{id}/tweets`` finds a post a previous
attempt published (X takes no idempotency key).

Credentials: ``access_token`` (OAuth 2.0 user token with ``tweet.write``) and ``user_id``.
Answers: 201 ``{"data": {"id", "text"}}``; 429 with ``x-rate-limit-reset`` (epoch seconds) or
``retry-after``; 401 (token expired or revoked: permanent); 403 ``duplicate content`` (an earlier
attempt landed: looked up, else permanent); other 4xx permanent with X's ``detail``; 5xx retried.

Guarantee: one post per scheduled post, provided the earlier attempt's post is among the account's
posts since the scheduled time (the last 100) when the retry looks; X rewrites links (t.co), so
texts are compared without their URLs.
"""

from __future__ import annotations

import re
import time
from datetime import UTC
from typing import Any

import httpx

from huntaze_service import CallFailed

from ..publishing_port import Outgoing, Published

_URL = re.compile(r"https?://\S+")
MAX_PAGES = 10


def _same_text(ours: str, theirs: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(_URL.sub("", text).split())

    return norm(ours) == norm(theirs)


def _retry_after(response: httpx.Response) -> float | None:
    if "retry-after" in response.headers:
        try:
            return max(float(response.headers["retry-after"]), 0.0)
        except ValueError:
            return None
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
    return str(body.get("detail") or body.get("title") or body)[:300]


class XAdapter:
    name = "x"

    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self._client = client
        self._base = base_url.rstrip("/")

    def _headers(self, credentials: dict[str, Any]) -> dict[str, str]:
        token = credentials.get("access_token")
        if not token or not credentials.get("user_id"):
            raise CallFailed("x: the account's credentials need access_token and user_id", permanent=True)
        return {"Authorization": f"Bearer {token}"}

    async def publish(self, credentials: dict[str, Any], post: Outgoing) -> Published:
        if post.media_ids:
            raise CallFailed("x: media upload needs the media vault (content service)", permanent=True)
        headers = self._headers(credentials)
        try:
            response = await self._client.post(f"{self._base}/2/tweets", json={"text": post.text}, headers=headers)
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

    def _failure(self, response: httpx.Response) -> CallFailed:
        status, detail = response.status_code, _detail(response)
        if status == 429:
            return CallFailed(f"x: rate limited: {detail}", retry_after_s=_retry_after(response))
        if status >= 500:
            return CallFailed(f"x: {status}: {detail}")
        if status == 401:
            return CallFailed(f"x: the account's token was refused (expired or revoked): {detail}", permanent=True)
        return CallFailed(f"x: {status}: {detail}", permanent=True)
