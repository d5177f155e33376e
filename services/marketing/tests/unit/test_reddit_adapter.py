"""The Reddit adapter against Reddit's answers (httpx's mock transport): submitted; errors in a 200
(RATELIMIT retried after the time Reddit names, others refuse the post); token refused; an earlier
attempt found among the account's submissions, newest first, by subreddit and title."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from huntaze_service import CallFailed
from marketing.adapters.reddit import RedditAdapter
from marketing.publishing_port import Outgoing

CREDENTIALS = {"access_token": "tok", "username": "mia"}
AT = datetime(2026, 11, 2, tzinfo=UTC)
POST = Outgoing(uuid.uuid4(), "come see", (), "New set tonight", "onlyfans101", AT)


def adapter(handler: Any) -> RedditAdapter:
    return RedditAdapter(httpx.AsyncClient(transport=httpx.MockTransport(handler)), "https://oauth.reddit.test")


async def test_submitted_as_a_self_post() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        data = {"id": "abc123", "name": "t3_abc123", "url": "https://www.reddit.com/r/onlyfans101/comments/abc123/"}
        return httpx.Response(200, json={"json": {"errors": [], "data": data}})

    published = await adapter(answer).publish(CREDENTIALS, POST)
    assert published.network_post_id == "t3_abc123"
    form = {k: v[0] for k, v in parse_qs(seen[0].content.decode()).items()}
    assert (form["kind"], form["sr"], form["title"], form["text"], form["api_type"]) == (
        "self",
        "onlyfans101",
        "New set tonight",
        "come see",
        "json",
    )
    assert seen[0].headers["user-agent"].startswith("server:huntaze") and seen[0].url.path == "/api/submit"


@pytest.mark.parametrize(
    ("answer", "permanent", "retry_after"),
    [
        (httpx.Response(200, json={"json": {"errors": [["RATELIMIT", "Take a break for 9 minutes before trying again.", "ratelimit"]]}}), False, 540),
        (httpx.Response(200, json={"json": {"errors": [["SUBREDDIT_NOEXIST", "that subreddit doesn't exist", "sr"]]}}), True, None),
        (httpx.Response(401, json={"message": "Unauthorized", "error": 401}), True, None),
        (httpx.Response(429, headers={"retry-after": "3"}), False, 3),
        (httpx.Response(502), False, None),
    ],
)  # fmt: skip
async def test_failures(answer: httpx.Response, permanent: bool, retry_after: float | None) -> None:
    with pytest.raises(CallFailed) as failed:
        await adapter(lambda request: answer).publish(CREDENTIALS, POST)
    assert failed.value.permanent is permanent and failed.value.retry_after_s == retry_after


async def test_find_looks_newest_first_until_older_than_the_scheduled_time() -> None:
    def child(name: str, title: str, at: float, sub: str = "onlyfans101") -> dict[str, Any]:
        return {"kind": "t3", "data": {"name": name, "title": title, "subreddit": sub, "created_utc": at}}

    pages = {
        None: {"after": "t3_b", "children": [child("t3_a", "other", AT.timestamp() + 50), child("t3_b", POST.title, AT.timestamp() + 40, "elsewhere")]},
        "t3_b": {"after": "t3_d", "children": [child("t3_c", POST.title or "", AT.timestamp() + 10)]},
    }  # fmt: skip

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"kind": "Listing", "data": pages[request.url.params.get("after")]})

    found = await adapter(answer).find(CREDENTIALS, POST)
    assert found is not None and (found.network_post_id, found.reconciled) == ("t3_c", True)

    def older(request: httpx.Request) -> httpx.Response:
        listing = {"after": "t3_z", "children": [child("t3_z", POST.title or "", AT.timestamp() - 3600)]}
        return httpx.Response(200, json={"kind": "Listing", "data": listing})

    assert await adapter(older).find(CREDENTIALS, POST) is None
