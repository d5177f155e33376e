"""The local Reddit API peer (:class:`RedditPeer`): self posts and the account's submissions."""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

from .. import LocalHTTPServer


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
