"""The TikTok adapter against the Content Posting API's answers (httpx's mock transport): a photo post
and a video initiated from their URLs, then followed to PUBLISH_COMPLETE; TikTok's error codes
refused or retried; a FAILED status; a post TikTok has not named yet stands as its publish_id (never
posted twice); an earlier attempt found in the creator's video list by its caption."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from huntaze_service import CallFailed
from marketing.adapters.tiktok import TikTokAdapter
from marketing.publishing_port import Outgoing

CREDENTIALS = {"access_token": "act.tok"}
AT = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
PHOTOS = ("https://cdn.mia.example/set/1.jpg", "https://cdn.mia.example/set/2.webp")
VIDEO = "https://cdn.mia.example/set/teaser.mp4"


def post(*urls: str, text: str = "New set tonight", media_ids: tuple[uuid.UUID, ...] = ()) -> Outgoing:
    return Outgoing(uuid.uuid4(), text, media_ids, None, None, AT, urls)


def adapter(handler: Any) -> TikTokAdapter:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return TikTokAdapter(client, "https://open.tiktok.test", poll_delays=(0.0, 0.0, 0.0))


def ok(data: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"data": data, "error": {"code": "ok", "message": "", "log_id": "L"}})


def refused(status: int, code: str, message: str = "said no", **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, json={"error": {"code": code, "message": message, "log_id": "L1"}})


class TikTok:
    """Answers like TikTok: PROCESSING_DOWNLOAD at the first status look, then ``then``."""

    def __init__(self, then: dict[str, Any] | None = None) -> None:
        self.seen: list[httpx.Request] = []
        self.then = then or {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7300000000000000001]}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.path.endswith("/init/"):
            return ok({"publish_id": "v_pub_url~v2-1.123"})
        looks = sum(1 for r in self.seen if r.url.path == "/v2/post/publish/status/fetch/")
        return ok({"status": "PROCESSING_DOWNLOAD"} if looks == 1 else self.then)


async def test_photos_are_a_direct_photo_post_followed_to_completion() -> None:
    tiktok = TikTok()
    published = await adapter(tiktok).publish(CREDENTIALS, post(*PHOTOS))
    assert published.network_post_id == "7300000000000000001" and not published.reconciled
    init, first, second = tiktok.seen
    assert init.url.path == "/v2/post/publish/content/init/" and init.headers["authorization"] == "Bearer act.tok"
    assert json.loads(init.content) == {
        "media_type": "PHOTO",
        "post_mode": "DIRECT_POST",
        "post_info": {"description": "New set tonight", "privacy_level": "PUBLIC_TO_EVERYONE"},
        "source_info": {"source": "PULL_FROM_URL", "photo_images": list(PHOTOS), "photo_cover_index": 0},
    }
    assert json.loads(second.content) == {"publish_id": "v_pub_url~v2-1.123"}


async def test_a_video_is_pulled_from_its_url_with_the_caption_as_title() -> None:
    tiktok = TikTok()
    await adapter(tiktok).publish(CREDENTIALS | {"privacy_level": "SELF_ONLY"}, post(VIDEO))
    assert tiktok.seen[0].url.path == "/v2/post/publish/video/init/"
    assert json.loads(tiktok.seen[0].content) == {
        "post_info": {"title": "New set tonight", "privacy_level": "SELF_ONLY"},
        "source_info": {"source": "PULL_FROM_URL", "video_url": VIDEO},
    }


@pytest.mark.parametrize(
    ("answer", "permanent", "retry_after", "says"),
    [
        (refused(401, "access_token_invalid", "The access token is invalid"), True, None, "token was refused"),
        (refused(429, "rate_limit_exceeded", **{"retry-after": "3"}), False, 3, "rate_limit_exceeded"),
        (refused(400, "invalid_params", "The title is longer than 2200 characters."), True, None, "2200"),
        (refused(403, "spam_risk_too_many_posts", "daily cap reached"), True, None, "spam_risk_too_many_posts"),
        (refused(400, "privacy_level_option_mismatch"), True, None, "privacy_level_option_mismatch"),
        (refused(500, "internal_error", "Something went wrong"), False, None, "internal_error"),
        (httpx.Response(502, text="Bad Gateway"), False, None, "502"),
    ],
)  # fmt: skip
async def test_tiktok_errors(answer: httpx.Response, permanent: bool, retry_after: float | None, says: str) -> None:
    with pytest.raises(CallFailed) as failed:
        await adapter(lambda request: answer).publish(CREDENTIALS, post(*PHOTOS))
    assert failed.value.permanent is permanent and failed.value.retry_after_s == retry_after
    assert says in str(failed.value)


async def test_a_failed_status_refuses_the_post_unless_tiktok_failed_inside() -> None:
    with pytest.raises(CallFailed) as pulled:
        await adapter(TikTok({"status": "FAILED", "fail_reason": "photo_pull_failed"})).publish(
            CREDENTIALS, post(*PHOTOS)
        )
    assert pulled.value.permanent and "photo_pull_failed" in str(pulled.value)
    with pytest.raises(CallFailed) as internal:
        await adapter(TikTok({"status": "FAILED", "fail_reason": "internal"})).publish(CREDENTIALS, post(*PHOTOS))
    assert not internal.value.permanent


async def test_a_post_not_named_yet_stands_as_its_publish_id() -> None:
    moderating = TikTok({"status": "PROCESSING_UPLOAD"})
    assert (await adapter(moderating).publish(CREDENTIALS, post(VIDEO))).network_post_id == "v_pub_url~v2-1.123"
    private = TikTok({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": []})
    assert (await adapter(private).publish(CREDENTIALS, post(VIDEO))).network_post_id == "v_pub_url~v2-1.123"

    def status_unreadable(request: httpx.Request) -> httpx.Response:
        return ok({"publish_id": "p1"}) if request.url.path.endswith("/init/") else refused(429, "rate_limit_exceeded")

    assert (await adapter(status_unreadable).publish(CREDENTIALS, post(VIDEO))).network_post_id == "p1"


async def test_find_pages_the_video_list_down_to_the_scheduled_time() -> None:
    long = "New set tonight " + "x" * 200
    asked: list[Any] = []
    pages = {
        None: {"videos": [{"id": "9", "title": "other", "create_time": int(AT.timestamp()) + 60}], "cursor": 1, "has_more": True},
        1: {"videos": [{"id": "8", "title": "", "video_description": long[:150], "create_time": int(AT.timestamp()) + 2}],
            "cursor": 2, "has_more": False},
    }  # fmt: skip

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        asked.append(body.get("cursor"))
        assert request.url.path == "/v2/video/list/" and body["max_count"] == 20
        assert request.url.params["fields"] == "id,title,video_description,create_time"
        return ok(pages[body.get("cursor")])

    found = await adapter(answer).find(CREDENTIALS, post(VIDEO, text=long))
    assert found is not None and (found.network_post_id, found.reconciled) == ("8", True) and asked == [None, 1]
    assert await adapter(answer).find(CREDENTIALS, post(VIDEO, text="not posted")) is None

    def older(request: httpx.Request) -> httpx.Response:
        video = {"id": "1", "title": "New set tonight", "create_time": int(AT.timestamp()) - 3600}
        return ok({"videos": [video], "cursor": 1, "has_more": True})

    assert await adapter(older).find(CREDENTIALS, post(VIDEO)) is None


async def test_media_a_tiktok_post_cannot_have_are_refused() -> None:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    for outgoing, says in (
        (post(media_ids=(uuid.uuid4(),)), "vault media could not be read"),
        (post(VIDEO, PHOTOS[0]), "one video or 1 to 35 photos"),
        (post(), "one video or 1 to 35 photos"),
    ):
        with pytest.raises(CallFailed) as failed:
            await adapter(never).publish(CREDENTIALS, outgoing)
        assert failed.value.permanent and says in str(failed.value)
    with pytest.raises(CallFailed) as credentials:
        await adapter(never).publish({}, post(VIDEO))
    assert credentials.value.permanent
