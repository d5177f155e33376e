"""Local peers speaking the social networks' APIs (the used subset, errors included), for the
marketing service's tests: real HTTP on 127.0.0.1, every accepted post counted.

:class:`XPeer` is X API v2: ``POST /2/tweets`` (201 ``{"data": {"id", "text"}}``; 401 for an unknown
or expired token; 403 duplicate content when the user posted the same text before, as X does; 400
over 280 characters, or for ``media.media_ids`` that are not the user's finished uploads) and
``GET /2/users/{id}/tweets?start_time&max_results&pagination_token`` (newest first, ``{"data": [...],
"meta": {"result_count", "next_token"}}``); its media upload (``POST /2/media/upload/initialize``,
``/{id}/append``, ``/{id}/finalize``, ``GET /2/media/upload?command=STATUS``) and a media host
serving test files (:attr:`XPeer.media_url`).
Scripted faults by marker in the text: ``[503 once]`` answers 503 the first time, ``[429 once]``
answers 429 with ``retry-after: 2`` the first time, ``[slow]`` takes 3 s before answering.
:class:`RedditPeer`, :class:`InstagramPeer` (Graph API containers) and :class:`TikTokPeer`
(Content Posting API) follow the same conventions: each documents its subset.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import threading
import time
import zlib
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from . import LocalHTTPServer

_JPEG = bytes.fromhex(  # a 2×2 baseline JPEG; the file's name goes in a comment (COM) segment after SOI
    "ffd8ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616183123251d28"
    "3a333d3c3933383740485c4e404457453738506d51575f626768673e4d71797064785c656763ffdb0043011112121815182f1a"
    "1a2f634238426363636363636363636363636363636363636363636363636363636363636363636363636363636363636363"
    "636363636363ffc00011080002000203012200021101031101ffc4001500010100000000000000000000000000000005ffc400"
    "14100100000000000000000000000000000000ffc4001501010100000000000000000000000000000006ffc400141101000000"
    "00000000000000000000000000ffda000c03010002110311003f009600a67fffd9"
)
_GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def sample_medium(name: str) -> bytes | None:
    """A tiny valid file for ``name``'s extension (jpg, png, gif; mp4: an ``ftyp`` box and a ``free``
    one, enough for magic numbers), carrying the name, so every name has its own bytes."""
    tag, ext = name.encode()[:200], name.rsplit(".", 1)[-1].lower()
    if ext in ("jpg", "jpeg"):
        return _JPEG[:2] + b"\xff\xfe" + struct.pack(">H", len(tag) + 2) + tag + _JPEG[2:]
    if ext == "png":
        header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        pixels = _png_chunk(b"IDAT", zlib.compress(b"\x00\xd0\x20\x60"))
        return (
            b"\x89PNG\r\n\x1a\n"
            + header
            + _png_chunk(b"tEXt", b"Comment\x00" + tag)
            + pixels
            + _png_chunk(b"IEND", b"")
        )
    if ext == "gif":
        image = b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00"
        return _GIF + b"!\xfe" + bytes([len(tag)]) + tag + b"\x00" + image + b";"
    if ext == "mp4":
        return (
            struct.pack(">I", 24)
            + b"ftypisom\x00\x00\x02\x00isommp42"
            + struct.pack(">I", 8 + len(tag))
            + b"free"
            + tag
        )
    return None


def _kind_of(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "video/mp4" if data[4:8] == b"ftyp" else None


class _MediaHost:
    """``GET /media/<name>`` → the file's bytes (content-type by extension, never checked by a careful
    client), 404 for an unknown name; ``respond(name)`` decides: bytes, None (404) or a status."""

    def __init__(self, respond: Any) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = urlparse(self.path).path.removeprefix("/media/")
                answer = respond(name) if self.path.startswith("/media/") else None
                status, data = (answer, b"") if isinstance(answer, int) else (200 if answer else 404, answer or b"")
                ext = name.rsplit(".", 1)[-1].lower()
                kind = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "mp4": "video/mp4"}.get(ext)
                try:
                    self.send_response(status)
                    self.send_header("content-type", kind or "application/octet-stream")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client stopped reading (past its limit)

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _multipart(headers: dict[str, str], raw: bytes) -> dict[str, bytes]:
    """A multipart/form-data body's fields (name → bytes)."""
    boundary = re.search(r"boundary=\"?([^\";]+)", headers.get("content-type", ""))
    fields: dict[str, bytes] = {}
    for part in raw.split(b"--" + boundary.group(1).encode())[1:] if boundary else []:
        head, _, data = part.partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]*)"', head)
        if name:
            fields[name.group(1).decode()] = data.removesuffix(b"\r\n")
    return fields


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


class RedditPeer:
    """Reddit's OAuth API, the used subset: ``POST /api/submit`` (``api_type=json``; errors as
    ``[code, message, field]`` in a 200: ``SUBREDDIT_NOEXIST`` for an unknown subreddit, ``RATELIMIT``
    once for a title with ``[ratelimit once]``; 401 for a refused token) and ``GET /user/{name}/submitted``
    (a listing, newest first, ``after`` paging)."""

    def __init__(self, tokens: dict[str, str] | None = None, subreddits: tuple[str, ...] = ("onlyfans101",)) -> None:
        self.tokens = dict(tokens or {})
        """Bearer token → username."""
        self.subreddits = {s.lower() for s in subreddits}
        self.posts: list[dict[str, Any]] = []
        self._faulted: set[str] = set()
        self._lock = threading.Lock()
        self.server = LocalHTTPServer(self._respond, raw=True)

    @property
    def url(self) -> str:
        return self.server.url

    def _respond(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[Any, ...]:
        user = self.tokens.get(headers.get("authorization", "").removeprefix("Bearer "))
        if user is None:
            return 401, {"message": "Unauthorized", "error": 401}
        url = urlparse(path)
        if method == "POST" and url.path == "/api/submit":
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            return 200, {"json": self._submit(user, form)}
        if method == "GET" and url.path == f"/user/{user}/submitted":
            query = parse_qs(url.query)
            limit = min(int(query.get("limit", ["25"])[0]), 100)
            with self._lock:
                mine = [p for p in reversed(self.posts) if p["author"] == user]
            after = query.get("after", [None])[0]
            start = next((i + 1 for i, p in enumerate(mine) if p["name"] == after), 0) if after else 0
            page = mine[start : start + limit]
            children = [{"kind": "t3", "data": p} for p in page]
            more = start + limit < len(mine)
            return 200, {
                "kind": "Listing",
                "data": {"after": page[-1]["name"] if more and page else None, "children": children},
            }
        return 404, {"message": "Not Found", "error": 404}

    def _submit(self, user: str, form: dict[str, str]) -> dict[str, Any]:
        title, sr = form.get("title", ""), form.get("sr", "")
        with self._lock:
            if "[ratelimit once]" in title and title not in self._faulted:
                self._faulted.add(title)
                message = "Looks like you've been doing that a lot. Take a break for 2 seconds before trying again."
                return {"errors": [["RATELIMIT", message, "ratelimit"]]}
            if sr.lower() not in self.subreddits:
                return {"errors": [["SUBREDDIT_NOEXIST", "that subreddit doesn't exist", "sr"]]}
            pid = format(36**5 + len(self.posts), "x")
            post = {"id": pid, "name": f"t3_{pid}", "title": title, "selftext": form.get("text", ""), "subreddit": sr,
                    "author": user, "created_utc": time.time()}  # fmt: skip
            self.posts.append(post)
        return {
            "errors": [],
            "data": {"id": pid, "name": post["name"], "url": f"https://www.reddit.com/r/{sr}/comments/{pid}/"},
        }

    def __enter__(self) -> RedditPeer:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)


def _graph_error(message: str, code: int, subcode: int | None = None, **extra: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, **extra}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error | {"fbtrace_id": "AhuntazePeer"}}


class InstagramPeer:
    """Instagram Graph API content publishing, the used subset (an API version prefix such as
    ``/v21.0`` is ignored; the token comes as ``Authorization: Bearer`` or ``access_token``):

    - ``POST /{ig_user_id}/media`` (form: ``image_url``, or ``video_url`` with ``media_type`` REELS, or
      VIDEO for a carousel item; ``is_carousel_item``; ``media_type=CAROUSEL`` with 2–10 ``children``;
      ``caption``) → ``{"id"}``, a container;
    - ``GET /{container_id}?fields=status_code`` → an image's is FINISHED at once, a video's
      IN_PROGRESS at the first look and FINISHED after, a carousel's when its items are;
    - ``POST /{ig_user_id}/media_publish`` (``creation_id``) → ``{"id"}``, the post, counted (a
      container not FINISHED: code 9007, subcode 2207027; one published already: code 100);
    - ``GET /{ig_user_id}/media?fields&limit&after`` (newest first, ``paging.cursors.after`` and
      ``paging.next`` while there is more).

    Errors as the Graph API gives them (``{"error": {"message", "type", "code", "error_subcode"}}``):
    code 190 for an unknown or ``expired`` token, code 100 for a caption over 2,200 characters or a
    bad carousel. Scripted faults by marker in the caption, when its container is made: ``[503 once]``
    answers 503 (code 2, transient) the first time, ``[429 once]`` answers 429 (code 4) with
    ``retry-after: 2`` the first time.
    """

    MAX_CAPTION = 2200

    def __init__(self, tokens: dict[str, str] | None = None) -> None:
        self.tokens = dict(tokens or {})
        """Access token → Instagram user id; ``expired`` is refused like an expired token."""
        self.media: list[dict[str, Any]] = []
        """Published posts: id, caption, media_type, media_urls, user, timestamp."""
        self.containers: dict[str, dict[str, Any]] = {}
        self._faulted: set[str] = set()
        self._lock = threading.Lock()
        self._next_id = 17_900_000_000_000_000
        self.server = LocalHTTPServer(self._respond, raw=True)

    @property
    def url(self) -> str:
        return self.server.url

    def by_text(self, marker: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.media if marker in m["caption"]]

    def _id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def _respond(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[Any, ...]:
        url = urlparse(path)
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        bearer = headers.get("authorization", "").removeprefix("Bearer ").strip()
        token = bearer or form.get("access_token") or query.get("access_token", "")
        user = self.tokens.get(token) if token != "expired" else None
        if user is None:
            return 400, _graph_error("Error validating access token: Session has expired.", 190, 463)
        parts = re.sub(r"^/v\d+\.\d+", "", url.path).strip("/").split("/")
        if method == "POST" and parts == [user, "media"]:
            return self._create(user, form)
        if method == "POST" and parts == [user, "media_publish"]:
            return self._publish(user, form.get("creation_id", ""))
        if method == "GET" and parts == [user, "media"]:
            return self._list(user, query)
        with self._lock:
            container = self.containers.get(parts[0]) if len(parts) == 1 else None
            if method == "GET" and container is not None and container["user"] == user:
                container["looks"] += 1
                code = (
                    "PUBLISHED"
                    if container["published"]
                    else "FINISHED"
                    if self._finished(container)
                    else "IN_PROGRESS"
                )
                return 200, {"status_code": code, "id": container["id"]}
        return 400, _graph_error(
            f"Unsupported {method.lower()} request. Object with ID '{parts[0]}' does not exist", 100, 33
        )

    def _finished(self, container: dict[str, Any]) -> bool:
        if container["media_type"] == "CAROUSEL":
            return all(self._finished(self.containers[c]) for c in container["children"])
        return container["media_type"] == "IMAGE" or container["looks"] > 1

    def _create(self, user: str, form: dict[str, str]) -> tuple[Any, ...]:
        caption = form.get("caption", "")
        for marker, answer in (
            ("[503 once]", (503, _graph_error("An unexpected error has occurred. Please retry your request later.", 2, is_transient=True))),
            ("[429 once]", (429, _graph_error("(#4) Application request limit reached", 4, is_transient=True), {"retry-after": "2"})),
        ):  # fmt: skip
            with self._lock:
                first = marker in caption and caption not in self._faulted
                if first:
                    self._faulted.add(caption)
            if first:
                return answer
        if len(caption) > self.MAX_CAPTION:
            return 400, _graph_error(
                "Invalid parameter", 100, error_user_msg="The caption is longer than 2,200 characters."
            )
        kind, item = form.get("media_type", "IMAGE").upper(), form.get("is_carousel_item") == "true"
        with self._lock:
            if kind == "CAROUSEL":
                children = [c for c in form.get("children", "").split(",") if c]
                mine = [self.containers.get(c) for c in children]
                if not 2 <= len(children) <= 10 or not all(c and c["user"] == user and c["item"] for c in mine):
                    return 400, _graph_error(
                        "Invalid parameter",
                        100,
                        error_user_msg="A carousel has 2 to 10 item containers of its account.",
                    )
                urls = [c["media_urls"][0] for c in mine if c]
            else:
                url = form.get("video_url" if kind in ("REELS", "VIDEO") else "image_url", "")
                if (
                    kind not in ("IMAGE", "REELS", "VIDEO")
                    or (kind == "VIDEO" and not item)
                    or (kind == "REELS" and item)
                    or not url.startswith("https://")
                ):
                    return 400, _graph_error(
                        "Invalid parameter", 100, error_user_msg=f"Unsupported media_type {kind} or media URL."
                    )
                children, urls = [], [url]
            container = {"id": self._id(), "user": user, "media_type": "IMAGE" if kind == "IMAGE" else kind if kind == "CAROUSEL" else "VIDEO",
                         "caption": caption, "media_urls": urls, "children": children, "item": item, "looks": 0, "published": False}  # fmt: skip
            self.containers[container["id"]] = container
        return 200, {"id": container["id"]}

    def _publish(self, user: str, creation_id: str) -> tuple[Any, ...]:
        with self._lock:
            container = self.containers.get(creation_id)
            if container is None or container["user"] != user or container["item"] or container["published"]:
                return 400, _graph_error(
                    "Invalid parameter", 100, error_user_msg="The creation_id is not a container ready to publish."
                )
            if not self._finished(container):
                return 400, _graph_error("Media ID is not available", 9007, 2207027,
                                         error_user_msg="The media is not ready for publishing, please wait for a moment")  # fmt: skip
            container["published"] = True
            kind = {"IMAGE": "IMAGE", "VIDEO": "VIDEO", "CAROUSEL": "CAROUSEL_ALBUM"}[container["media_type"]]
            media = {"id": self._id(), "caption": container["caption"], "media_type": kind, "user": user,
                     "media_urls": container["media_urls"], "timestamp": datetime.now(UTC)}  # fmt: skip
            self.media.append(media)
        return 200, {"id": media["id"]}

    def _list(self, user: str, query: dict[str, str]) -> tuple[Any, ...]:
        limit, offset = min(int(query.get("limit", "25")), 100), int(query.get("after", "0") or 0)
        with self._lock:
            mine = [m for m in reversed(self.media) if m["user"] == user]
        page = mine[offset : offset + limit]
        data = [{"id": m["id"], "caption": m["caption"], "timestamp": m["timestamp"].strftime("%Y-%m-%dT%H:%M:%S+0000")}
                for m in page]  # fmt: skip
        body: dict[str, Any] = {"data": data}
        if page:
            body["paging"] = {"cursors": {"before": str(offset), "after": str(offset + len(page))}}
            if offset + limit < len(mine):
                body["paging"]["next"] = f"{self.url}/{user}/media?limit={limit}&after={offset + len(page)}"
        return 200, body

    def __enter__(self) -> InstagramPeer:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)


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
        if source.get("source") != "PULL_FROM_URL" or not all(isinstance(u, str) and u.startswith("https://") for u in urls) \
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
