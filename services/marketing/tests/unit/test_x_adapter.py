"""The X adapter against X API v2's answers (httpx's mock transport): published, rate limited (its
reset header), token refused (permanent), a server error (retried), and an earlier attempt found by
its text — links rewritten by t.co included — when X answers duplicate content.

Media, against the local X peer (real HTTP on 127.0.0.1, its media host reached through the
adapter's ``media_origins``, the tests' one exception to the SSRF rules): fetched, uploaded
(initialize, 4 MB segments, finalize, STATUS for a video) and attached; not a medium by its first
bytes, or past its type's limit (the download stopped), or 404 → refused naming the host; a 5xx from
the media host or from X's upload → retried; private addresses, plain http and redirects to them
refused by default, the connection made to the address checked."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from huntaze_service import CallFailed
from huntaze_testkit.social import XPeer, sample_medium
from marketing.adapters.media_fetch import MediaFetcher, sniff
from marketing.adapters.x import XAdapter
from marketing.publishing_port import Outgoing

CREDENTIALS = {"access_token": "tok", "user_id": "42"}
JPEG_BYTES = sample_medium("a.jpg") or b""
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


# media: fetched from their URLs, uploaded with X API v2's chunked upload, attached to the post ---------------

HOST = XPeer.MEDIA_HOST
MB = 1024 * 1024


def media_post(*names: str, text: str = "new set tonight") -> Outgoing:
    urls = tuple(f"https://{HOST}/media/{name}" for name in names)
    return Outgoing(uuid.uuid4(), text, (), None, None, datetime.now(UTC), urls)


@pytest.fixture(scope="module")
def x() -> Iterator[XPeer]:
    with XPeer(tokens={"tok": "42", "tok-b": "43"}) as peer:
        yield peer


def on(peer: XPeer) -> XAdapter:
    """An adapter reaching the peer's media host the way the tests' settings allow (the only exception
    to the SSRF rules)."""
    return XAdapter(httpx.AsyncClient(), peer.url, media_origins={HOST: peer.media_host.url})


async def test_media_are_fetched_uploaded_and_attached_to_the_post(x: XPeer) -> None:
    run = uuid.uuid4().hex[:8]
    names = (f"{run}-1.jpg", f"{run}-2.png")
    published = await on(x).publish(CREDENTIALS, media_post(*names, text=f"two media {run}"))

    (tweet,) = x.by_text(f"two media {run}")
    assert tweet["id"] == published.network_post_id and len(tweet["media_ids"]) == 2
    uploads = [x.media[m] for m in tweet["media_ids"]]
    assert [u["name"] for u in uploads] == list(names) and [u["user"] for u in uploads] == ["42", "42"]
    assert [u["data"] for u in uploads] == [x.file(n) for n in names]  # the bytes served, unchanged
    assert [(u["media_type"], u["media_category"]) for u in uploads] == [
        ("image/jpeg", "tweet_image"),
        ("image/png", "tweet_image"),
    ]
    routes = [r["path"].split("?")[0] for r in x.server.requests if any(m in r["path"] for m in tweet["media_ids"])]
    assert routes == [f"/2/media/upload/{m}/{step}" for m in tweet["media_ids"] for step in ("append", "finalize")]
    sent = [r["body"] for r in x.server.requests if r["path"] == "/2/tweets" and run in str(r["body"])]
    assert sent == [{"text": f"two media {run}", "media": {"media_ids": tweet["media_ids"]}}]


async def test_a_video_is_waited_for_while_x_processes_it_and_a_post_may_be_media_only(x: XPeer) -> None:
    run = uuid.uuid4().hex[:8]
    published = await on(x).publish(CREDENTIALS, media_post(f"{run}-teaser.mp4", text=""))
    (tweet,) = [t for t in x.tweets if t["id"] == published.network_post_id]
    (upload,) = [x.media[m] for m in tweet["media_ids"]]
    assert (tweet["text"], upload["media_category"], upload["state"]) == ("", "tweet_video", "succeeded")
    assert upload["looks"] == 2, "STATUS asked until succeeded"


async def test_segments_are_at_most_4_mb(x: XPeer) -> None:
    run = uuid.uuid4().hex[:8]
    x.media_files[f"{run}-big.gif"] = sample_medium("a.gif")[:-1] + b"\x00" * (9 * MB) + b";"  # type: ignore[index]
    published = await on(x).publish(CREDENTIALS, media_post(f"{run}-big.gif", text=f"big gif {run}"))
    (tweet,) = [t for t in x.tweets if t["id"] == published.network_post_id]
    appends = [r for r in x.server.requests if r["path"] == f"/2/media/upload/{tweet['media_ids'][0]}/append"]
    assert len(appends) == 3 and x.media[tweet["media_ids"][0]]["data"] == x.file(f"{run}-big.gif")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<!doctype html><title>Not found</title>", "is not a JPEG, PNG, GIF, WEBP or MP4"),  # served as image/jpeg
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "is not a JPEG, PNG, GIF, WEBP or MP4"),  # HEIC
        (b"\xff\xd8\xff" + b"\x00" * (5 * MB), "is larger than 5 MB, the limit for a JPEG"),
        (b"\xff\xd8", "is not a JPEG, PNG, GIF, WEBP or MP4"),  # shorter than its magic
    ],
)
async def test_what_is_not_a_medium_or_too_big_is_refused_naming_the_host(x: XPeer, body: bytes, reason: str) -> None:
    run = uuid.uuid4().hex[:8]
    x.media_files[f"{run}.jpg"] = body
    uploads = len(x.media)
    with pytest.raises(CallFailed) as refused:
        await on(x).publish(CREDENTIALS, media_post(f"{run}-ok.jpg", f"{run}.jpg", text=f"refused {run}"))
    assert refused.value.permanent and f"x: the medium at {HOST} {reason}" in str(refused.value)
    assert len(x.media) == uploads and not x.by_text(run), "nothing uploaded, nothing posted"


async def test_an_unknown_medium_is_refused_and_a_media_host_5xx_is_retried(x: XPeer) -> None:
    run = uuid.uuid4().hex[:8]
    with pytest.raises(CallFailed) as missing:
        await on(x).publish(CREDENTIALS, media_post(f"{run}.txt", text=f"missing {run}"))
    assert missing.value.permanent and f"the medium at {HOST} answered 404" in str(missing.value)

    flaky = media_post(f"{run}-host-503-once.jpg", text=f"flaky host {run}")
    with pytest.raises(CallFailed) as unavailable:
        await on(x).publish(CREDENTIALS, flaky)
    assert not unavailable.value.permanent and f"the medium at {HOST} answered 503" in str(unavailable.value)
    await on(x).publish(CREDENTIALS, flaky)  # the call's retry
    assert len(x.by_text(f"flaky host {run}")) == 1


async def test_an_upload_x_answers_503_is_retried_and_leaves_one_unused_medium(x: XPeer) -> None:
    run = uuid.uuid4().hex[:8]
    flaky, before = media_post(f"{run}-media-503-once.jpg", text=f"flaky upload {run}"), len(x.media)
    with pytest.raises(CallFailed) as unavailable:
        await on(x).publish(CREDENTIALS, flaky)
    assert not unavailable.value.permanent and "x: media upload 503" in str(unavailable.value)
    published = await on(x).publish(CREDENTIALS, flaky)  # the call's retry uploads again
    (tweet,) = x.by_text(f"flaky upload {run}")
    assert tweet["id"] == published.network_post_id and len(tweet["media_ids"]) == 1
    sessions = [m for m in x.media.values() if m["name"] == f"{run}-media-503-once.jpg"]
    assert len(x.media) == before + 2 and [m["state"] for m in sessions] == ["uploading", "succeeded"], "one orphan"


async def test_upload_errors_map_like_the_posts(x: XPeer) -> None:
    run = uuid.uuid4().hex[:8]
    with pytest.raises(CallFailed) as limited:
        await on(x).publish(CREDENTIALS, media_post(f"{run}-media-429-once.jpg", text=f"limited {run}"))
    assert not limited.value.permanent and limited.value.retry_after_s == 2
    with pytest.raises(CallFailed) as revoked:
        await on(x).publish({"access_token": "expired", "user_id": "42"}, media_post(f"{run}.jpg"))
    assert revoked.value.permanent and "token was refused" in str(revoked.value)
    with pytest.raises(CallFailed) as mixed:  # X: up to 4 images, or one GIF or video
        await on(x).publish(CREDENTIALS, media_post(f"{run}.jpg", f"{run}.gif", text=f"mixed {run}"))
    assert mixed.value.permanent and "(JPEG, GIF given)" in str(mixed.value)
    assert not x.uploads(f"{run}.jpg") and not x.by_text(run)


async def test_x_refuses_media_of_another_user(x: XPeer) -> None:
    run = uuid.uuid4().hex[:8]
    await on(x).publish(CREDENTIALS, media_post(f"{run}.jpg", text=f"mine {run}"))
    (mine,) = x.by_text(f"mine {run}")
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{x.url}/2/tweets",
            json={"text": f"theirs {run}", "media": {"media_ids": mine["media_ids"]}},
            headers={"Authorization": "Bearer tok-b"},
        )
    assert answer.status_code == 400 and answer.json()["errors"] == [{"message": "Your media IDs are invalid."}]


# the SSRF rules: https, public addresses, the address checked is the one connected to ---------------------------


def no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no request may leave: {request.url}")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://127.0.0.1/a.jpg", "resolves to a non-public address (127.0.0.1)"),
        ("https://localhost/a.jpg", "resolves to a non-public address"),
        ("https://[::1]/a.jpg", "resolves to a non-public address (::1)"),
        ("https://[::ffff:127.0.0.1]/a.jpg", "resolves to a non-public address"),
        ("https://10.1.2.3/a.jpg", "resolves to a non-public address (10.1.2.3)"),
        ("https://169.254.169.254/latest/meta-data/", "resolves to a non-public address (169.254.169.254)"),
        ("https://100.64.0.1/a.jpg", "resolves to a non-public address (100.64.0.1)"),
        ("https://0.0.0.0/a.jpg", "resolves to a non-public address (0.0.0.0)"),
        ("http://cdn.mia.example/a.jpg", "is not served over https"),
        ("https://user:pw@cdn.mia.example/a.jpg", "has no plain https URL"),
    ],
)
async def test_private_addresses_and_plain_http_are_refused_by_default(url: str, reason: str) -> None:
    adapter = XAdapter(httpx.AsyncClient(transport=httpx.MockTransport(no_network)), "https://api.x.test")
    post = Outgoing(uuid.uuid4(), "new set", (), None, None, POST.not_before, (url,))
    with pytest.raises(CallFailed) as refused:
        await adapter.publish(CREDENTIALS, post)
    assert refused.value.permanent and reason in str(refused.value)


async def test_the_peer_itself_is_refused_without_the_tests_exception(x: XPeer) -> None:
    strict = XAdapter(httpx.AsyncClient(), x.url)  # no media_origins: the default
    for url in (f"{x.media_host.url}/media/a.jpg", f"https://{HOST}/media/a.jpg"):
        post = Outgoing(uuid.uuid4(), "new set", (), None, None, POST.not_before, (url,))
        with pytest.raises(CallFailed) as refused:
            await strict.publish(CREDENTIALS, post)
        assert refused.value.permanent


def resolving(table: dict[str, list[str]]) -> Any:
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("no such host")
        return table[host]

    return resolve


async def test_the_connection_goes_to_the_address_checked_with_the_hosts_name_for_tls() -> None:
    seen: list[httpx.Request] = []

    def cdn(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/old.jpg":
            return httpx.Response(302, headers={"location": "/set/1.jpg"})
        return httpx.Response(200, content=JPEG_BYTES, headers={"content-type": "text/html"})

    fetcher = MediaFetcher(
        httpx.AsyncClient(transport=httpx.MockTransport(cdn)),
        resolve=resolving({"cdn.mia.example": ["93.184.216.34", "2606:2800:220:1::1"]}),
    )
    medium = await fetcher.fetch("https://cdn.mia.example/old.jpg")
    assert (medium.kind.mime, medium.size, b"".join(medium.chunks(100))) == ("image/jpeg", len(JPEG_BYTES), JPEG_BYTES)
    assert [str(r.url) for r in seen] == ["https://93.184.216.34/old.jpg", "https://93.184.216.34/set/1.jpg"]
    assert {(r.headers["host"], r.extensions["sni_hostname"], r.headers["connection"]) for r in seen} == {
        ("cdn.mia.example", "cdn.mia.example", "close")
    }


@pytest.mark.parametrize(
    ("table", "url", "reason"),
    [
        ({"cdn.mia.example": ["93.184.216.34", "10.0.0.7"]}, "https://cdn.mia.example/a.jpg", "(10.0.0.7)"),
        ({}, "https://nowhere.mia.example/a.jpg", "is unreachable (its name does not resolve)"),
        ({"cdn.mia.example": ["93.184.216.34"], "internal.mia.example": ["192.168.1.20"]},
         "https://cdn.mia.example/redirect", "(192.168.1.20)"),
    ],
)  # fmt: skip
async def test_every_address_and_every_redirect_is_checked(table: dict[str, list[str]], url: str, reason: str) -> None:
    def cdn(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "93.184.216.34"
        return httpx.Response(302, headers={"location": "https://internal.mia.example/a.jpg"})

    fetcher = MediaFetcher(httpx.AsyncClient(transport=httpx.MockTransport(cdn)), resolve=resolving(table))
    with pytest.raises(CallFailed) as refused:
        await fetcher.fetch(url)
    assert refused.value.permanent and reason in str(refused.value)


async def test_the_download_stops_past_the_limit_whatever_the_server_declares() -> None:
    sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        yield b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
        while True:
            sent.append(MB)
            yield b"\x00" * MB

    def cdn(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless(), headers={"content-length": "1000"})

    fetcher = MediaFetcher(
        httpx.AsyncClient(transport=httpx.MockTransport(cdn)), resolve=resolving({"cdn.test": ["93.184.216.34"]})
    )
    with pytest.raises(CallFailed) as refused:
        await fetcher.fetch("https://cdn.test/a.png")
    assert refused.value.permanent and "larger than 5 MB, the limit for a PNG" in str(refused.value)
    assert len(sent) <= 6


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\r", "image/png"),
        (b"GIF87a\x01\x00\x01\x00\x80\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x20ftypmp42\x00\x00\x00\x00", "video/mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", None),  # QuickTime
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", None),
        (b"<svg xmlns='ht", None),
    ],
)
def test_the_type_is_read_from_the_first_bytes(head: bytes, mime: str | None) -> None:
    kind = sniff(head)
    assert (kind.mime if kind else None) == mime
