"""The local TikTok Content Posting API peer (:class:`TikTokPeer`): init, status, the video list."""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlparse

from .. import LocalHTTPServer
from .media import pullable


def _tiktok(status: int, code: str, message: str, data: Any = None) -> tuple[Any, ...]:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "log_id": "20261102huntazepeer"}}
    if data is not None:
        body["data"] = data
    return status, body


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class TikTokPeer:
    """TikTok's Content Posting API (Direct Post, ``PULL_FROM_URL``) and video list, the used subset:

    - ``POST /v2/post/publish/video/init/`` (``post_info.title`` ≤ 2,200 UTF-16 units,
      ``source_info.video_url``) and ``POST /v2/post/publish/content/init/`` (``media_type`` PHOTO,
      ``post_mode`` DIRECT_POST, ``post_info.title`` ≤ 90 and ``description`` ≤ 4,000,
      ``source_info.photo_images`` 1–35) → ``{"data": {"publish_id"}}``: the post is TikTok's, counted;
    - ``POST /v2/post/publish/status/fetch/`` → PROCESSING_DOWNLOAD at the first look, then
      PUBLISH_COMPLETE with ``publicaly_available_post_id`` (empty for a ``SELF_ONLY`` post);
    - ``POST /v2/video/list/?fields=...`` (``max_count`` ≤ 20, ``cursor``) → the creator's public
      posts, newest first, titles and descriptions cut at 150 characters, ``cursor`` and ``has_more``.

    Every answer has ``{"error": {"code", "message", "log_id"}}`` (``ok`` on success): 401
    ``access_token_invalid`` for an unknown or ``expired`` token; 400 ``invalid_params`` for a caption
    over its limit or bad media; 400 ``privacy_level_option_mismatch``. Scripted faults by marker in
    the caption, at init: ``[503 once]`` answers 503 ``internal_error`` the first time, ``[429 once]``
    answers 429 ``rate_limit_exceeded`` with ``retry-after: 2`` the first time.
    """

    PRIVACY = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")

    def __init__(self, tokens: dict[str, str] | None = None) -> None:
        self.tokens = dict(tokens or {})
        """Access token → open_id; ``expired`` is refused like an expired token."""
        self.posts: list[dict[str, Any]] = []
        """Accepted posts: publish_id, id, kind (video, photo), caption, title, description,
        media_urls, privacy_level, user, create_time, looks."""
        self._faulted: set[str] = set()
        self._lock = threading.Lock()
        self.server = LocalHTTPServer(self._respond)

    @property
    def url(self) -> str:
        return self.server.url

    def by_text(self, marker: str) -> list[dict[str, Any]]:
        with self._lock:
            return [p for p in self.posts if marker in p["caption"]]

    def _respond(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[Any, ...]:
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        user = self.tokens.get(token) if token != "expired" else None
        if user is None:
            return _tiktok(401, "access_token_invalid", "The access token is invalid or not found in the request.")
        body = body if isinstance(body, dict) else {}
        route = urlparse(path).path
        if method == "POST" and route in ("/v2/post/publish/video/init/", "/v2/post/publish/content/init/"):
            return self._init(user, route.endswith("/video/init/"), body)
        if method == "POST" and route == "/v2/post/publish/status/fetch/":
            with self._lock:
                post = next(
                    (p for p in self.posts if p["publish_id"] == body.get("publish_id") and p["user"] == user), None
                )
                if post is None:
                    return _tiktok(400, "invalid_params", "publish_id not found")
                post["looks"] += 1
                done = post["looks"] > 1
            ids = [post["id"]] if done and post["privacy_level"] != "SELF_ONLY" else []
            status = "PUBLISH_COMPLETE" if done else "PROCESSING_DOWNLOAD"
            return _tiktok(200, "ok", "", {"status": status, "publicaly_available_post_id": ids, "uploaded_bytes": 0})
        if method == "POST" and route == "/v2/video/list/":
            count, offset = min(int(body.get("max_count") or 10), 20), int(body.get("cursor") or 0)
            with self._lock:
                mine = [p for p in reversed(self.posts) if p["user"] == user and p["privacy_level"] != "SELF_ONLY"]
            page = mine[offset : offset + count]
            videos = [{"id": str(p["id"]), "title": p["title"][:150], "video_description": p["description"][:150],
                       "create_time": p["create_time"]} for p in page]  # fmt: skip
            more = offset + count < len(mine)
            return _tiktok(200, "ok", "", {"videos": videos, "cursor": offset + len(page), "has_more": more})
        return _tiktok(404, "invalid_params", f"no route {method} {route}")

    def _init(self, user: str, video: bool, body: dict[str, Any]) -> tuple[Any, ...]:
        info, source = body.get("post_info") or {}, body.get("source_info") or {}
        title, description = str(info.get("title") or ""), str(info.get("description") or "")
        caption = title if video else description or title
        for marker, answer in (
            ("[503 once]", _tiktok(503, "internal_error", "Something went wrong. Please try again later.")),
            ("[429 once]", (*_tiktok(429, "rate_limit_exceeded", "The API rate limit was exceeded."), {"retry-after": "2"})),
        ):  # fmt: skip
            with self._lock:
                first = marker in caption and caption not in self._faulted
                if first:
                    self._faulted.add(caption)
            if first:
                return answer
        urls = [source.get("video_url")] if video else list(source.get("photo_images") or [])
        if video and _utf16(title) > 2200:
            return _tiktok(400, "invalid_params", "The title is longer than 2200 characters.")
        if not video and (_utf16(title) > 90 or _utf16(description) > 4000):
            return _tiktok(
                400, "invalid_params", "A photo post's title is 90 characters at most, its description 4000."
            )
        photo_ok = body.get("media_type") == "PHOTO" and body.get("post_mode") == "DIRECT_POST" and 1 <= len(urls) <= 35
        if source.get("source") != "PULL_FROM_URL" or not all(pullable(u) for u in urls) \
                or not (video or photo_ok):  # fmt: skip
            return _tiktok(400, "invalid_params", "The media source or type is not valid.")
        if info.get("privacy_level") not in self.PRIVACY:
            return _tiktok(400, "privacy_level_option_mismatch", "privacy_level is not one of the creator's options.")
        with self._lock:
            n = len(self.posts)
            post = {"publish_id": f"{'v' if video else 'p'}_pub_url~v2-1.{7_400_000_000_000_000_000 + n}",
                    "id": 7_300_000_000_000_000_000 + n, "kind": "video" if video else "photo", "caption": caption,
                    "title": title, "description": description, "media_urls": urls, "user": user, "looks": 0,
                    "privacy_level": info["privacy_level"], "create_time": int(time.time())}  # fmt: skip
            self.posts.append(post)
        return _tiktok(200, "ok", "", {"publish_id": post["publish_id"]})

    def __enter__(self) -> TikTokPeer:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)
