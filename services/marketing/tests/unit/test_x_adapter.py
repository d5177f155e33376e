"""The X adapter against X API v2's answers (httpx's mock transport): published, rate limited (its
reset header), token refused (permanent), a server error (retried), and an earlier attempt found by
its text — links rewritten by t.co included — when X answers duplicate content."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from huntaze_service import CallFailed
from marketing.adapters.x import XAdapter
from marketing.publishing_port import Outgoing

CREDENTIALS = {"access_token": "tok", "user_id": "42"}
POST = Outgoing(uuid.uuid4(), "new set https://onlyfans.com/mia", (), None, None, datetime(2026, 11, 2, tzinfo=UTC))


def adapter(handler: Any) -> XAdapter:
    return XAdapter(httpx.AsyncClient(transport=httpx.MockTransport(handler)), "https://api.x.test")


async def test_published() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"data": {"id": "1445880548472328192", "text": "new set https://t.co/x"}})

    published = await adapter(answer).publish(CREDENTIALS, POST)
    assert published.network_post_id == "1445880548472328192" and not published.reconciled
    assert seen[0].url.path == "/2/tweets" and seen[0].headers["authorization"] == "Bearer tok"
    assert json.loads(seen[0].content) == {"text": "new set https://onlyfans.com/mia"}


@pytest.mark.parametrize(
    ("status", "headers", "permanent", "retry_after"),
    [
        (429, {"x-rate-limit-reset": "+30"}, False, 30),  # made absolute when the request is answered
        (429, {"retry-after": "7"}, False, 7),
        (503, {}, False, None),
        (401, {}, True, None),
        (400, {}, True, None),
    ],
)
async def test_failures(status: int, headers: dict[str, str], permanent: bool, retry_after: float | None) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        absolute = {k: str(int(time.time()) + int(v)) if v.startswith("+") else v for k, v in headers.items()}
        body = {"title": "t", "detail": f"said {status}", "status": status}
        return httpx.Response(status, headers=absolute, json=body)

    with pytest.raises(CallFailed) as failed:
        await adapter(answer).publish(CREDENTIALS, POST)
    assert failed.value.permanent is permanent and f"said {status}" in str(failed.value)
    if retry_after is None:
        assert failed.value.retry_after_s is None
    else:
        assert failed.value.retry_after_s == pytest.approx(retry_after, abs=2)


async def test_a_duplicate_is_the_earlier_attempt_found_on_the_account() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            detail = "You are not allowed to create a Tweet with duplicate content."
            return httpx.Response(403, json={"title": "Forbidden", "detail": detail, "status": 403})
        assert request.url.path == "/2/users/42/tweets"
        assert request.url.params["start_time"] == "2026-11-02T00:00:00Z"
        return httpx.Response(
            200, json={"data": [{"id": "1", "text": "another"}, {"id": "2", "text": "new set https://t.co/abc"}]}
        )

    found = await adapter(answer).publish(CREDENTIALS, POST)
    assert (found.network_post_id, found.reconciled) == ("2", True)


async def test_find_answers_none_when_no_attempt_landed_and_media_wait_for_the_vault() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"meta": {"result_count": 0}})

    assert await adapter(answer).find(CREDENTIALS, POST) is None
    with pytest.raises(CallFailed) as media:
        await adapter(answer).publish(
            CREDENTIALS, Outgoing(uuid.uuid4(), "x", (uuid.uuid4(),), None, None, POST.not_before)
        )
    assert media.value.permanent
    with pytest.raises(CallFailed):
        await adapter(answer).publish({"access_token": "t"}, POST)


async def test_find_pages_through_the_accounts_posts() -> None:
    asked: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("pagination_token")
        asked.append(token)
        if token is None:
            return httpx.Response(200, json={"data": [{"id": "9", "text": "other"}], "meta": {"next_token": "p2"}})
        return httpx.Response(200, json={"data": [{"id": "3", "text": POST.text}], "meta": {"result_count": 1}})

    found = await adapter(answer).find(CREDENTIALS, POST)
    assert found is not None and found.network_post_id == "3" and asked == [None, "p2"]
