"""The local X API v2 peer (:class:`XPeer`): posts, their lookup, media upload."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

from .. import LocalHTTPServer
from .media import _kind_of, _MediaHost, _multipart, sample_medium


class XPeer:
    """Media upload, as X API v2 has it (OAuth 2.0 user token): ``POST /2/media/upload/initialize``
    (JSON ``media_type``, ``total_bytes``, ``media_category``: 400 for an unknown type or category, or
    over its limit: images 5 MB, GIFs 15 MB, videos 512 MB) → ``{"data": {"id", "media_key",
    "expires_after_secs"}}``; ``POST /2/media/upload/{id}/append`` (multipart ``segment_index``
    0–999, ``media`` ≤ 8 MB) → ``{"data": {"expires_at"}}``; ``POST /2/media/upload/{id}/finalize``
    (400 unless the bytes add up to ``total_bytes`` and begin as ``media_type`` says) →
    ``{"data": {"id", "media_key", "size", ...}}``, with ``processing_info`` ``pending`` for a GIF or
    video, which ``GET /2/media/upload?command=STATUS&media_id=`` answers ``in_progress`` at the first
    look and ``succeeded`` after. An upload is the user's: another user's media id answers 404.

    :attr:`media` keeps every upload session (id → user, media_type, media_category, total_bytes,
    data, state — ``uploading`` until a finalize is accepted — and name: the media host's file it is,
    found by its bytes at finalize); a tweet keeps its ``media_ids``.
    The media host serves :attr:`media_files` (set any bytes there), and a tiny valid file for any
    other ``.jpg``, ``.png``, ``.gif`` or ``.mp4`` name. Faults by marker in a file's name:
    ``host-503-once`` makes the media host answer 503 the first time; ``media-503-once`` (or
    ``media-429-once``, with ``retry-after: 2``) makes the finalize of that file's upload answer so
    the first time.
    """

    MEDIA_HOST = "media.x-peer.test"
    """The host test media URLs name (``https://media.x-peer.test/media/<name>``): the service
    reaches it through ``MARKETING_MEDIA_FETCH_ORIGINS`` = :attr:`media_fetch_origins`."""
    LIMITS = {"tweet_image": 5 * 1024 * 1024, "tweet_gif": 15 * 1024 * 1024, "tweet_video": 512 * 1024 * 1024}
    TYPES = {"image/jpeg": "tweet_image", "image/png": "tweet_image", "image/webp": "tweet_image",
             "image/gif": "tweet_gif", "video/mp4": "tweet_video"}  # fmt: skip

    def __init__(self, tokens: dict[str, str] | None = None) -> None:
        self.tokens = dict(tokens or {})
        """Bearer token → user id; ``expired`` is refused like a revoked token."""
        self.tweets: list[dict[str, Any]] = []
        self.media: dict[str, dict[str, Any]] = {}
        self.media_files: dict[str, bytes] = {}
        self._served: dict[str, str] = {}
        self._faulted: set[str] = set()
        self._lock = threading.Lock()
        self.server = LocalHTTPServer(self._serve, raw=True)
        self.media_host = _MediaHost(self._media_file)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def media_url(self) -> str:
        """Test media as the service asks for them: ``https://media.x-peer.test/media``."""
        return f"https://{self.MEDIA_HOST}/media"

    @property
    def media_fetch_origins(self) -> str:
        """``MARKETING_MEDIA_FETCH_ORIGINS`` for the service: the media host reached on 127.0.0.1."""
        return json.dumps({self.MEDIA_HOST: self.media_host.url})

    def by_text(self, marker: str) -> list[dict[str, Any]]:
        with self._lock:
            return [t for t in self.tweets if marker in t["text"]]

    def file(self, name: str) -> bytes | None:
        """The bytes the media host serves for ``name``."""
        return self.media_files[name] if name in self.media_files else sample_medium(name)

    def uploads(self, name: str | None = None) -> list[dict[str, Any]]:
        """Finalized uploads (of the media host's file ``name``), in order."""
        with self._lock:
            done = [m for m in self.media.values() if m["state"] != "uploading"]
        return [m for m in done if name is None or m["name"] == name]

    def _media_file(self, name: str) -> bytes | int | None:
        with self._lock:
            if "host-503-once" in name and name not in self._faulted:
                self._faulted.add(name)
                return 503
            data = self.file(name)
            if data is not None:
                self._served[hashlib.sha256(data).hexdigest()] = name
        return data

    def _user(self, headers: dict[str, str]) -> str | None:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        return self.tokens.get(token) if token != "expired" else None

    def _serve(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[Any, ...]:
        append = re.fullmatch(r"/2/media/upload/(\d+)/append", urlparse(path).path)
        if method == "POST" and append:  # multipart: its bytes as they came
            user = self._user(headers)
            if user is None:
                return 401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
            return self._append(user, append.group(1), _multipart(headers, raw))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        return self._respond(method, path, headers, body)

    def _respond(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[Any, ...]:
        user = self._user(headers)
        if user is None:
            return 401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
        url = urlparse(path)
        if method == "POST" and url.path == "/2/tweets":
            return self._post(user, body or {})
        if method == "POST" and url.path == "/2/media/upload/initialize":
            return self._initialize(user, body if isinstance(body, dict) else {})
        finalize = re.fullmatch(r"/2/media/upload/(\d+)/finalize", url.path)
        if method == "POST" and finalize:
            return self._finalize(user, finalize.group(1))
        if method == "GET" and url.path == "/2/media/upload":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            return self._status(user, query.get("media_id", "")) if query.get("command") == "STATUS" else \
                _invalid("command must be STATUS")  # fmt: skip
        if method == "GET" and url.path == f"/2/users/{user}/tweets":
            query = parse_qs(url.query)
            since = query.get("start_time", ["1970-01-01T00:00:00Z"])[0]
            start = datetime.fromisoformat(since.replace("Z", "+00:00"))
            offset = int(query.get("pagination_token", ["0"])[0])
            size = min(int(query.get("max_results", ["10"])[0]), 100)
            with self._lock:
                mine = [t for t in self.tweets if t["user"] == user and t["created_at"] >= start]
            newest_first = [{"id": t["id"], "text": t["text"]} for t in reversed(mine)]
            data = newest_first[offset : offset + size]
            meta: dict[str, Any] = {"result_count": len(data)}
            if offset + size < len(newest_first):
                meta["next_token"] = str(offset + size)
            return 200, {"data": data, "meta": meta} if data else {"meta": meta}
        return 404, {"title": "Not Found Error", "status": 404, "detail": f"no route {method} {url.path}"}

    def _initialize(self, user: str, body: dict[str, Any]) -> tuple[Any, ...]:
        kind, total = str(body.get("media_type", "")), body.get("total_bytes")
        category = str(body.get("media_category") or self.TYPES.get(kind, ""))
        if kind not in self.TYPES or category != self.TYPES[kind]:
            return _invalid(f"media_type {kind!r} with media_category {category!r} is not supported")
        if not isinstance(total, int) or not 0 < total <= self.LIMITS[category]:
            return _invalid(f"total_bytes must be 1 to {self.LIMITS[category]} for {category}")
        with self._lock:
            media_id = str(1_870_000_000_000_000_000 + len(self.media))
            self.media[media_id] = {"id": media_id, "user": user, "media_type": kind, "media_category": category,
                                    "total_bytes": total, "segments": {}, "data": b"", "state": "uploading",
                                    "name": None, "looks": 0}  # fmt: skip
        return 200, {"data": {"id": media_id, "media_key": f"3_{media_id}", "expires_after_secs": 86400}}

    def _upload(self, user: str, media_id: str) -> dict[str, Any] | None:
        upload = self.media.get(media_id)
        return upload if upload is not None and upload["user"] == user else None

    def _append(self, user: str, media_id: str, form: dict[str, bytes]) -> tuple[Any, ...]:
        index, data = form.get("segment_index", b""), form.get("media")
        if not index.isdigit() or not 0 <= int(index) <= 999 or data is None or len(data) > 8 * 1024 * 1024:
            return _invalid("segment_index (0-999) and media (at most 8 MB) are required")
        with self._lock:
            upload = self._upload(user, media_id)
            if upload is None or upload["state"] != "uploading":
                return _not_found(media_id)
            upload["segments"][int(index)] = data
        return 200, {"data": {"expires_at": int(time.time()) + 86400}}

    def _finalize(self, user: str, media_id: str) -> tuple[Any, ...]:
        with self._lock:
            upload = self._upload(user, media_id)
            if upload is None or upload["state"] != "uploading":
                return _not_found(media_id)
            data = b"".join(upload["segments"][i] for i in sorted(upload["segments"]))
            name = upload["name"] = self._served.get(hashlib.sha256(data).hexdigest())
            for marker, answer in (
                ("media-503-once", (503, {"title": "Service Unavailable", "status": 503, "detail": "Service Unavailable"})),
                ("media-429-once", (429, {"title": "Too Many Requests", "status": 429, "detail": "Too Many Requests"}, {"retry-after": "2"})),
            ):  # fmt: skip
                if name and marker in name and name not in self._faulted:
                    self._faulted.add(name)
                    return answer
            if len(data) != upload["total_bytes"] or _kind_of(data) != upload["media_type"]:
                return _invalid(f"the {len(data)} bytes appended are not the {upload['media_type']} initialized")
            processed = upload["media_category"] != "tweet_image"
            upload.update(data=data, state="pending" if processed else "succeeded")
        answer: dict[str, Any] = {"id": media_id, "media_key": f"3_{media_id}", "size": len(data),
                                  "expires_after_secs": 86400}  # fmt: skip
        if processed:
            answer["processing_info"] = {"state": "pending", "check_after_secs": 1}
        return 200, {"data": answer}

    def _status(self, user: str, media_id: str) -> tuple[Any, ...]:
        with self._lock:
            upload = self._upload(user, media_id)
            if upload is None or upload["state"] == "uploading":
                return _not_found(media_id)
            upload["looks"] += 1
            if upload["state"] != "succeeded":
                upload["state"] = "in_progress" if upload["looks"] == 1 else "succeeded"
            state = upload["state"]
        info: dict[str, Any] = {"state": state} | ({"check_after_secs": 1} if state != "succeeded" else {})
        return 200, {"data": {"id": media_id, "media_key": f"3_{media_id}", "processing_info": info}}

    def _post(self, user: str, body: dict[str, Any]) -> tuple[Any, ...]:
        text = str(body.get("text", ""))
        media_ids = [str(m) for m in (body.get("media") or {}).get("media_ids") or []]
        for marker, answer in (
            ("[503 once]", (503, {"title": "Service Unavailable", "status": 503, "detail": "Service Unavailable"})),
            ("[429 once]", (429, {"title": "Too Many Requests", "status": 429, "detail": "Too Many Requests"}, {"retry-after": "2"})),
        ):  # fmt: skip
            with self._lock:
                first = marker in text and text not in self._faulted
                if first:
                    self._faulted.add(text)
            if first:
                return answer
        if "[slow]" in text:
            time.sleep(3)
        if len(text) > 280:
            return 400, {"title": "Invalid Request", "status": 400, "detail": "text is longer than 280 characters"}
        if not text and not media_ids:
            return _invalid("a post needs text or media")
        with self._lock:
            uploads = [self._upload(user, m) for m in media_ids]
            kinds = [u["media_category"] for u in uploads if u is not None and u["state"] == "succeeded"]
            if len(kinds) != len(media_ids) or len(kinds) > 4 or (len(kinds) > 1 and set(kinds) != {"tweet_image"}):
                return _invalid("Your media IDs are invalid.")
            if text and any(t["user"] == user and t["text"] == text for t in self.tweets):
                detail = "You are not allowed to create a Tweet with duplicate content."
                return 403, {"title": "Forbidden", "type": "about:blank", "status": 403, "detail": detail}
            tweet = {"id": str(1_860_000_000_000_000_000 + len(self.tweets)), "text": text, "user": user,
                     "created_at": datetime.now(UTC), "media_ids": media_ids}  # fmt: skip
            self.tweets.append(tweet)
        return 201, {"data": {"id": tweet["id"], "text": text}}

    def __enter__(self) -> XPeer:
        self.server.__enter__()
        self.media_host.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.media_host.stop()
        self.server.__exit__(*exc)


def _invalid(message: str) -> tuple[Any, ...]:
    return 400, {"title": "Invalid Request", "type": "https://api.twitter.com/2/problems/invalid-request",
                 "status": 400, "detail": "One or more parameters to your request was invalid.",
                 "errors": [{"message": message}]}  # fmt: skip


def _not_found(media_id: str) -> tuple[Any, ...]:
    return 404, {"title": "Not Found Error", "type": "https://api.twitter.com/2/problems/resource-not-found",
                 "status": 404, "detail": f"Could not find media with id: [{media_id}]."}  # fmt: skip
