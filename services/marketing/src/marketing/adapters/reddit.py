"""Reddit adapter: ``POST /api/submit`` (``api_type=json``, a self post: ``kind=self``, ``sr``,
``title``, ``text``) publishes; ``GET /user/{username}/submitted`` finds a post a previous attempt
published (Reddit takes no idempotency key).

Credentials: ``access_token`` (OAuth bearer with the ``submit`` scope) and ``username``. Answers:
200 ``{"json": {"errors": [], "data": {"id", "name", "url"}}}``; errors come as ``[code, message,
field]`` triples in 200 answers — ``RATELIMIT`` ("… try again in 9 minutes") is retried after that
time, the others (``SUBREDDIT_NOEXIST``, ``NO_SELFS``, ``TOO_LONG``…) refuse the post; 401 (token
refused) is permanent; 429 and 5xx are retried. Reddit asks every client for a descriptive
User-Agent.

Guarantee: one post per scheduled post, provided the earlier attempt's post is among the account's
last 1,000 submissions (10 pages of 100) when the retry looks; matched by subreddit and title, no
older than the scheduled time.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from huntaze_service import CallFailed

from ..publishing_port import Outgoing, Published

USER_AGENT = "server:huntaze-marketing:1.0 (scheduled posts)"
MAX_PAGES = 10
_MINUTES = re.compile(r"(\d+)\s+minute")
_SECONDS = re.compile(r"(\d+)\s+second")


def _ratelimit_wait(message: str) -> float | None:
    if m := _MINUTES.search(message):
        return float(m.group(1)) * 60
    if m := _SECONDS.search(message):
        return float(m.group(1))
    return None


class RedditAdapter:
    name = "reddit"

    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self._client = client
        self._base = base_url.rstrip("/")

    def _headers(self, credentials: dict[str, Any]) -> dict[str, str]:
        token = credentials.get("access_token")
        if not token or not credentials.get("username"):
            raise CallFailed("reddit: the account's credentials need access_token and username", permanent=True)
        return {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}

    async def _send(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
        try:
            response = await self._client.request(method, f"{self._base}{path}", headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise CallFailed(f"reddit: {type(exc).__name__}: {exc}") from None
        if response.status_code == 401:
            raise CallFailed("reddit: the account's token was refused (expired or revoked)", permanent=True)
        if response.status_code == 429 or response.status_code >= 500:
            after = response.headers.get("retry-after")
            raise CallFailed(f"reddit: {response.status_code}", retry_after_s=float(after) if after else None)
        if response.status_code != 200:
            raise CallFailed(f"reddit: {response.status_code}: {response.text[:300]}", permanent=True)
        return response

    async def publish(self, credentials: dict[str, Any], post: Outgoing) -> Published:
        if post.media_ids:
            raise CallFailed("reddit: media posts need the media vault (content service)", permanent=True)
        form = {"api_type": "json", "kind": "self", "sr": post.subreddit or "", "title": post.title or "",
                "text": post.text, "resubmit": "true"}  # fmt: skip
        response = await self._send("POST", "/api/submit", self._headers(credentials), data=form)
        body = (response.json() or {}).get("json") or {}
        errors = body.get("errors") or []
        if errors:
            code, message = str(errors[0][0]), str(errors[0][1]) if len(errors[0]) > 1 else ""
            if code == "RATELIMIT":
                raise CallFailed(f"reddit: {code}: {message}", retry_after_s=_ratelimit_wait(message))
            raise CallFailed(f"reddit: {code}: {message}", permanent=True)
        return Published(str(body["data"]["name"]))

    async def find(self, credentials: dict[str, Any], post: Outgoing) -> Published | None:
        headers = self._headers(credentials)
        params: dict[str, str] = {"limit": "100", "sort": "new"}
        since = post.not_before.timestamp()
        for _ in range(MAX_PAGES):
            response = await self._send("GET", f"/user/{credentials['username']}/submitted", headers, params=params)
            listing = (response.json() or {}).get("data") or {}
            for child in listing.get("children") or []:
                data = child.get("data") or {}
                if float(data.get("created_utc") or 0) + 1 < since:
                    return None  # newest first: everything further is older than the scheduled time
                same_sub = str(data.get("subreddit", "")).lower() == (post.subreddit or "").lower()
                if same_sub and data.get("title") == post.title:
                    return Published(str(data["name"]), reconciled=True)
            if not listing.get("after"):
                return None
            params["after"] = str(listing["after"])
        raise CallFailed(f"reddit: more than {MAX_PAGES * 100} submissions since the scheduled time")
