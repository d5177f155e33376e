"""The Instagram adapter against the Graph API's answers (httpx's mock transport): an image, a reel
and a carousel made into containers, waited for and published; the Graph API's errors refused or
retried (token, rate limits, caption, media subcodes, 5xx); a container still processing; a publish
whose outcome is unknown looked up on the account; an earlier attempt found by its caption."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from huntaze_service import CallFailed
from marketing.adapters.instagram import InstagramAdapter
from marketing.publishing_port import Outgoing

CREDENTIALS = {"access_token": "tok", "ig_user_id": "1784"}
AT = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
IMAGE, VIDEO = "https://cdn.mia.example/set/1.jpg", "https://cdn.mia.example/set/teaser.mp4"


def post(*urls: str, text: str = "New set tonight", media_ids: tuple[uuid.UUID, ...] = ()) -> Outgoing:
    return Outgoing(uuid.uuid4(), text, media_ids, None, None, AT, urls)


def adapter(handler: Any) -> InstagramAdapter:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return InstagramAdapter(client, "https://graph.test/v21.0", poll_delays=(0.0, 0.0, 0.0))


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


class Graph:
    """Answers like the Graph API: containers numbered from 100, videos IN_PROGRESS at the first look."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []
        self.made: dict[str, dict[str, str]] = {}
        self.looks: dict[str, int] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        path = request.url.path.removeprefix("/v21.0")
        if request.method == "POST" and path == "/1784/media":
            cid = str(100 + len(self.made))
            self.made[cid] = form(request)
            return httpx.Response(200, json={"id": cid})
        if request.method == "POST" and path == "/1784/media_publish":
            return httpx.Response(200, json={"id": "17900000000000001"})
        cid = path.strip("/")
        self.looks[cid] = self.looks.get(cid, 0) + 1
        video = "video_url" in self.made[cid]
        return httpx.Response(
            200, json={"status_code": "IN_PROGRESS" if video and self.looks[cid] == 1 else "FINISHED"}
        )


async def test_an_image_is_a_container_then_published() -> None:
    graph = Graph()
    published = await adapter(graph).publish(CREDENTIALS, post(IMAGE))
    assert published.network_post_id == "17900000000000001" and not published.reconciled
    made, look, publish = graph.seen
    assert made.url.path == "/v21.0/1784/media" and form(made) == {
        "image_url": IMAGE,
        "caption": "New set tonight",
        "access_token": "tok",
    }
    assert look.url.params["fields"] == "status_code,status" and "tok" not in str(look.url)
    assert publish.url.path == "/v21.0/1784/media_publish" and form(publish)["creation_id"] == "100"
    assert all(r.headers["authorization"] == "Bearer tok" for r in graph.seen)


async def test_a_video_is_a_reel_waited_for() -> None:
    graph = Graph()
    await adapter(graph).publish(CREDENTIALS, post(VIDEO))
    assert graph.made["100"] == {"video_url": VIDEO, "media_type": "REELS", "caption": "New set tonight",
                                 "access_token": "tok"}  # fmt: skip
    assert graph.looks == {"100": 2}


async def test_a_carousel_is_an_item_per_medium_then_the_carousel() -> None:
    graph = Graph()
    await adapter(graph).publish(CREDENTIALS, post(IMAGE, VIDEO, "https://cdn.mia.example/set/2.webp"))
    assert graph.made["100"] == {"image_url": IMAGE, "is_carousel_item": "true", "access_token": "tok"}
    assert graph.made["101"] == {"video_url": VIDEO, "media_type": "VIDEO", "is_carousel_item": "true",
                                 "access_token": "tok"}  # fmt: skip
    assert graph.made["103"] == {"media_type": "CAROUSEL", "children": "100,101,102", "caption": "New set tonight",
                                 "access_token": "tok"}  # fmt: skip
    assert graph.looks == {"101": 2, "103": 1}  # the video item waited for before the carousel is made
    assert form(graph.seen[-1])["creation_id"] == "103"


def error(code: int, subcode: int | None = None, message: str = "said no", **more: Any) -> dict[str, Any]:
    body = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "x", **more}
    return {"error": body | ({"error_subcode": subcode} if subcode else {})}


@pytest.mark.parametrize(
    ("answer", "permanent", "retry_after", "says"),
    [
        (httpx.Response(400, json=error(190, 463, "Session has expired")), True, None, "token was refused"),
        (httpx.Response(400, json=error(4, message="Application request limit reached"), headers={"retry-after": "7"}), False, 7, "rate limited"),
        (httpx.Response(403, json=error(17, message="User request limit reached")), False, None, "rate limited"),
        (httpx.Response(400, json=error(9, 2207042, "Max posts in 24 hours")), False, None, "rate limited"),
        (httpx.Response(400, json=error(100, message="Invalid parameter", error_user_msg="The caption is too long")), True, None, "caption is too long"),
        (httpx.Response(400, json=error(36000, 2207004, "The image size is too large.")), True, None, "2207004"),
        (httpx.Response(400, json=error(4, 2207051, "We restrict certain activity")), True, None, "restrict"),
        (httpx.Response(400, json=error(-1, 2207001, "Instagram server error")), False, None, "2207001"),
        (httpx.Response(500, json=error(2, message="Service temporarily unavailable", is_transient=True)), False, None, "unavailable"),
        (httpx.Response(502, text="Bad Gateway"), False, None, "502"),
    ],
)  # fmt: skip
async def test_graph_errors(answer: httpx.Response, permanent: bool, retry_after: float | None, says: str) -> None:
    with pytest.raises(CallFailed) as failed:
        await adapter(lambda request: answer).publish(CREDENTIALS, post(IMAGE))
    assert failed.value.permanent is permanent and failed.value.retry_after_s == retry_after
    assert says in str(failed.value)


async def test_a_container_still_processing_is_retried_and_one_in_error_refused() -> None:
    def status(code: str, status: str = "") -> Any:
        def answer(request: httpx.Request) -> httpx.Response:
            if request.method == "POST":
                return httpx.Response(200, json={"id": "100"})
            return httpx.Response(200, json={"status_code": code, "status": status})

        return answer

    with pytest.raises(CallFailed) as busy:
        await adapter(status("IN_PROGRESS")).publish(CREDENTIALS, post(VIDEO))
    assert not busy.value.permanent and "still processing" in str(busy.value)
    with pytest.raises(CallFailed) as broken:
        await adapter(status("ERROR", "Error: 2207026 unsupported video format")).publish(CREDENTIALS, post(VIDEO))
    assert broken.value.permanent and "2207026" in str(broken.value)


async def test_a_publish_with_an_unknown_outcome_is_looked_for_on_the_account() -> None:
    def answer(listed: list[dict[str, str]]) -> Any:
        def respond(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/media_publish"):
                return httpx.Response(503, text="Service Unavailable")
            if request.method == "POST":
                return httpx.Response(200, json={"id": "100"})
            if request.url.path.endswith("/1784/media"):
                return httpx.Response(200, json={"data": listed})
            return httpx.Response(200, json={"status_code": "FINISHED"})

        return respond

    landed = [{"id": "179", "caption": "New set tonight", "timestamp": "2026-11-02T20:00:03+0000"}]
    found = await adapter(answer(landed)).publish(CREDENTIALS, post(IMAGE))
    assert (found.network_post_id, found.reconciled) == ("179", True)
    with pytest.raises(CallFailed) as failed:
        await adapter(answer([])).publish(CREDENTIALS, post(IMAGE))
    assert not failed.value.permanent and "503" in str(failed.value)


async def test_find_pages_newest_first_down_to_the_scheduled_time() -> None:
    asked: list[str | None] = []
    pages = {
        None: {"data": [{"id": "3", "caption": "other", "timestamp": "2026-11-02T21:00:00+0000"}],
               "paging": {"cursors": {"after": "c2"}, "next": "https://graph.test/next"}},
        "c2": {"data": [{"id": "2", "caption": "New  set\ntonight", "timestamp": "2026-11-02T20:00:01+0000"}],
               "paging": {"cursors": {"after": "c3"}}},
    }  # fmt: skip

    def answer(request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("after")
        asked.append(after)
        assert request.url.params["fields"] == "id,caption,timestamp"
        return httpx.Response(200, json=pages[after])

    found = await adapter(answer).find(CREDENTIALS, post(IMAGE))
    assert found is not None and (found.network_post_id, found.reconciled) == ("2", True) and asked == [None, "c2"]

    def older(request: httpx.Request) -> httpx.Response:
        media = [{"id": "1", "caption": "New set tonight", "timestamp": "2026-11-01T20:00:00+0000"}]
        return httpx.Response(200, json={"data": media, "paging": {"cursors": {"after": "x"}, "next": "n"}})

    assert await adapter(older).find(CREDENTIALS, post(IMAGE)) is None


async def test_media_ids_without_their_files_and_incomplete_credentials_are_refused() -> None:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with pytest.raises(CallFailed) as vault:
        await adapter(never).publish(CREDENTIALS, post(media_ids=(uuid.uuid4(),)))
    assert vault.value.permanent and "vault media could not be read" in str(vault.value)
    with pytest.raises(CallFailed) as credentials:
        await adapter(never).publish({"access_token": "tok"}, post(IMAGE))
    assert credentials.value.permanent and "ig_user_id" in str(credentials.value)
