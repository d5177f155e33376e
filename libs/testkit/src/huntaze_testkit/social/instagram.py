"""The local Instagram Graph API peer (:class:`InstagramPeer`): containers, carousels, publishing."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

from .. import LocalHTTPServer
from .media import pullable


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
                    or not pullable(url)
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
