"""Local peers speaking the social networks' APIs (the used subset, errors included), for the
marketing service's tests: real HTTP on 127.0.0.1, every accepted post counted.

:class:`XPeer` is X API v2: ``POST /2/tweets`` (201 ``{"data": {"id", "text"}}``; 401 for an unknown
or expired token; 403 duplicate content when the user posted the same text before, as X does; 400
over 280 characters) and ``GET /2/users/{id}/tweets?start_time&max_results&pagination_token`` (newest first, ``{"data": [...],
"meta": {"result_count", "next_token"}}``).
Scripted faults by marker in the text: ``[503 once]`` answers 503 the first time, ``[429 once]``
answers 429 with ``retry-after: 2`` the first time, ``[slow]`` takes 3 s before answering.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

from . import LocalHTTPServer


class XPeer:
    def __init__(self, tokens: dict[str, str] | None = None) -> None:
        self.tokens = dict(tokens or {})
        """Bearer token → user id; ``expired`` is refused like a revoked token."""
        self.tweets: list[dict[str, Any]] = []
        self._faulted: set[str] = set()
        self._lock = threading.Lock()
        self.server = LocalHTTPServer(self._respond)

    @property
    def url(self) -> str:
        return self.server.url

    def by_text(self, marker: str) -> list[dict[str, Any]]:
        with self._lock:
            return [t for t in self.tweets if marker in t["text"]]

    def _user(self, headers: dict[str, str]) -> str | None:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        return self.tokens.get(token) if token != "expired" else None

    def _respond(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[Any, ...]:
        user = self._user(headers)
        if user is None:
            return 401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
        url = urlparse(path)
        if method == "POST" and url.path == "/2/tweets":
            return self._post(user, body or {})
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

    def _post(self, user: str, body: dict[str, Any]) -> tuple[Any, ...]:
        text = str(body.get("text", ""))
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
        with self._lock:
            if any(t["user"] == user and t["text"] == text for t in self.tweets):
                detail = "You are not allowed to create a Tweet with duplicate content."
                return 403, {"title": "Forbidden", "type": "about:blank", "status": 403, "detail": detail}
            tweet = {"id": str(1_860_000_000_000_000_000 + len(self.tweets)), "text": text, "user": user,
                     "created_at": datetime.now(UTC)}  # fmt: skip
            self.tweets.append(tweet)
        return 201, {"data": {"id": tweet["id"], "text": text}}

    def __enter__(self) -> XPeer:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)


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
