"""Posts with media from the vault (``media_ids``), on fakes: the files' types checked against the
network when scheduled (a type it does not take, a video with other media on X or TikTok, Reddit);
at the post's time the files come from marketing's read model into the call (key, type, size, in
order), a medium unknown or deleted by then fails the post with nothing sent; X uploads the file's
bytes read from the bucket (the local X peer), Instagram and TikTok get presigned URLs (a video by its
type, not its name); the S3 reader against moto (streamed, bounded, a missing object permanent)."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import boto3
import httpx
import pytest
from cryptography.fernet import Fernet
from moto import mock_aws

import marketing.handlers as handlers
from huntaze_service import CallFailed
from huntaze_testkit.fakes import Clock, FakeWorker
from huntaze_testkit.social import XPeer, sample_medium
from huntaze_testkit.vault_media import media_updated, media_uploaded
from marketing.adapters.instagram import InstagramAdapter
from marketing.adapters.tiktok import TikTokAdapter
from marketing.adapters.vault_s3 import S3VaultFiles
from marketing.adapters.x import XAdapter
from marketing.config import MarketingSettings
from marketing.consumers import subscriptions
from marketing.credentials import Vault
from marketing.domain import Content, PostStatus, Refused
from marketing.networks import Network
from marketing.publishing_port import Outgoing, VaultFile

from .fakes import FakeMarketingRepository
from .test_publishing import FakeNetwork

CREATOR, OTHER = uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
VAULT = Vault(Fernet.generate_key().decode())
JPEG = sample_medium("a.jpg") or b""
MP4 = sample_medium("a.mp4") or b""


def worker(network: FakeNetwork | None = None) -> FakeWorker[FakeMarketingRepository]:
    adapters = {n: network or FakeNetwork() for n in Network}
    return FakeWorker(
        FakeMarketingRepository(), producer="marketing", subscriptions=subscriptions(adapters, VAULT), clock=Clock(NOW)
    )


async def account(w: FakeWorker[FakeMarketingRepository], network: Network = Network.X) -> uuid.UUID:
    credentials = {"access_token": "t", "user_id": "42"}
    return (await handlers.add_account(w.uow(), VAULT, CREATOR, network, f"mia_{network.value}", credentials)).id


async def refused(code: str, call: Any) -> str:
    with pytest.raises(Refused) as exc:
        await call
    assert exc.value.code == code, str(exc.value)
    return str(exc.value)


# scheduling ------------------------------------------------------------------------------------------


async def test_the_files_types_are_checked_against_the_network_when_scheduled() -> None:
    w = worker()
    photo, png, video, mov = (uuid.uuid4() for _ in range(4))
    await w.deliver(
        media_uploaded(photo, CREATOR),
        media_uploaded(png, CREATOR, "image/png"),
        media_uploaded(video, CREATOR, "video/mp4"),
        media_uploaded(mov, CREATOR, "video/quicktime"),
    )
    x, ig, tiktok, reddit = [
        await account(w, n) for n in (Network.X, Network.INSTAGRAM, Network.TIKTOK, Network.REDDIT)
    ]
    at = NOW + timedelta(hours=1)

    async def schedule(account_id: uuid.UUID, *media: uuid.UUID, **more: Any) -> Any:
        return await handlers.schedule_post(w.uow(), CREATOR, account_id, Content("set", tuple(media), **more), at)

    said = await refused("media_mix", schedule(x, photo, video))
    assert "up to 4 images, or one GIF or video" in said
    await refused("media_type_not_supported", schedule(x, mov))  # X's upload takes MP4 only
    await refused("media_type_not_supported", schedule(ig, png))  # the Graph API takes JPEG images
    await refused("media_mix", schedule(tiktok, video, photo))
    await refused("media_not_supported", schedule(reddit, photo, title="Hi", subreddit="pics"))
    await refused("unknown_media", _theirs(w, x))  # the vault's rule still first
    assert w.repo.posts_by_id == {}, "a refusal writes nothing"

    made = [await schedule(x, photo, png), await schedule(x, video), await schedule(ig, photo, mov),
            await schedule(tiktok, mov), await schedule(x, uuid.uuid4())]  # fmt: skip
    assert len(made) == 5, "an id never announced is accepted: its upload may be in flight"
    first = made[0]
    await refused("media_mix", handlers.edit_post(w.uow(), CREATOR, first.id, Content("set", (photo, video)), None))


async def _theirs(w: FakeWorker[FakeMarketingRepository], account_id: uuid.UUID) -> Any:
    theirs = uuid.uuid4()
    await w.deliver(media_uploaded(theirs, OTHER))
    return await handlers.schedule_post(
        w.uow(), CREATOR, account_id, Content("set", (theirs,)), NOW + timedelta(hours=1)
    )


# publishing ------------------------------------------------------------------------------------------


async def test_at_its_time_the_call_carries_the_files_in_order_and_post_published_names_the_media() -> None:
    network = FakeNetwork()
    w = worker(network)
    a, b = uuid.uuid4(), uuid.uuid4()
    await w.deliver(media_uploaded(a, CREATOR, "image/png", 2048), media_uploaded(b, CREATOR))
    post = await handlers.schedule_post(
        w.uow(), CREATOR, await account(w), Content("set", (b, a)), NOW + timedelta(hours=1)
    )
    await w.deliver(media_updated(b, CREATOR, 1))  # retitled: the file stays known
    w.clock.advance(hours=1)
    assert await w.fire_due() == 1
    assert [o[2] for o in await w.run_calls()] == ["done"]
    ((_, outgoing),) = network.published
    assert [(f.media_id, f.object_key, f.content_type, f.size_bytes) for f in outgoing.vault_files] == [
        (b, f"creators/{CREATOR}/uploads/{b}", "image/jpeg", 1234),
        (a, f"creators/{CREATOR}/uploads/{a}", "image/png", 2048),
    ]
    assert w.repo.posts_by_id[post.id].status is PostStatus.PUBLISHED
    (event,) = w.emitted("post.published")
    assert event.payload.media_ids == [b, a]


@pytest.mark.parametrize("case", ["never_announced", "deleted"])
async def test_a_medium_unknown_or_deleted_when_the_time_comes_fails_the_post_and_nothing_is_sent(case: str) -> None:
    network = FakeNetwork()
    w = worker(network)
    medium = uuid.uuid4()
    if case == "deleted":
        await w.deliver(media_uploaded(medium, CREATOR))
    post = await handlers.schedule_post(
        w.uow(), CREATOR, await account(w), Content("set", (medium,)), NOW + timedelta(hours=1)
    )
    if case == "deleted":  # the vault refuses it while the post is scheduled; its event says so anyway
        await w.deliver(media_updated(medium, CREATOR, 2, deleted=True))
    w.clock.advance(hours=1)
    assert await w.fire_due() == 1
    assert await w.run_calls() == [] and network.published == []
    failed = w.repo.posts_by_id[post.id]
    assert failed.status is PostStatus.FAILED
    assert ("never announced" if case == "never_announced" else "was deleted") in (failed.error or "")
    (event,) = w.emitted("post.failed")
    assert str(medium) in event.payload.reason


# the adapters ------------------------------------------------------------------------------------------


class FakeFiles:
    """The vault's bucket in memory: presigned URLs name the key; downloads count."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.downloads: list[str] = []

    async def presigned_url(self, file: VaultFile) -> str:
        return f"https://vault.s3.test/{file.object_key}?X-Amz-Signature=abc"

    async def download(self, file: VaultFile, limit: int) -> IO[bytes]:
        self.downloads.append(file.object_key)
        return io.BytesIO(self.files[file.object_key])


def file(data: bytes, content_type: str) -> VaultFile:
    media_id = uuid.uuid4()
    return VaultFile(media_id=media_id, object_key=f"k/{media_id}", content_type=content_type, size_bytes=len(data))


def outgoing(*files: VaultFile, text: str = "from the vault") -> Outgoing:
    ids = tuple(f.media_id for f in files)
    return Outgoing(uuid.uuid4(), text, ids, None, None, datetime.now(UTC), (), files)


@pytest.fixture(scope="module")
def x() -> Iterator[XPeer]:
    with XPeer(tokens={"tok": "42"}) as peer:
        yield peer


async def test_x_uploads_the_vault_files_bytes_and_refuses_a_type_or_bytes_it_cannot_take(x: XPeer) -> None:
    run = uuid.uuid4().hex[:8]
    photo, video = file(JPEG, "image/jpeg"), file(MP4, "video/mp4")
    liar, mov = file(b"<!doctype html>" * 10, "image/jpeg"), file(MP4, "video/quicktime")
    files = FakeFiles({photo.object_key: JPEG, video.object_key: MP4, liar.object_key: b"<!doctype html>" * 10})
    adapter = XAdapter(httpx.AsyncClient(), x.url, vault=files)
    credentials = {"access_token": "tok", "user_id": "42"}

    for medium in (photo, video):
        published = await adapter.publish(credentials, outgoing(medium, text=f"vault {run} {medium.content_type}"))
        (tweet,) = [t for t in x.tweets if t["id"] == published.network_post_id]
        (upload,) = [x.media[m] for m in tweet["media_ids"]]
        data = files.files[medium.object_key]
        assert hashlib.sha256(upload["data"]).digest() == hashlib.sha256(data).digest()
        assert (upload["media_type"], upload["state"]) == (medium.content_type, "succeeded")

    for bad, says in ((liar, "not the JPEG the vault announced"), (mov, "X takes JPEG, PNG, GIF, WEBP or MP4")):
        with pytest.raises(CallFailed) as failed:
            await adapter.publish(credentials, outgoing(bad, text=f"bad {run}"))
        assert failed.value.permanent and says in str(failed.value), str(failed.value)
    assert mov.object_key not in files.downloads, "a type X does not take is never read"
    assert not x.by_text(f"bad {run}")


def graph(made: list[dict[str, str]]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/media"):
            made.append(dict(httpx.QueryParams(request.content.decode())))
            return httpx.Response(200, json={"id": str(100 + len(made))})
        if request.url.path.endswith("/media_publish"):
            return httpx.Response(200, json={"id": "17900000000000001"})
        return httpx.Response(200, json={"status_code": "FINISHED"})

    return httpx.MockTransport(answer)


async def test_instagram_and_tiktok_get_presigned_urls_a_video_by_its_type() -> None:
    video, photo = file(MP4, "video/quicktime"), file(JPEG, "image/jpeg")
    files = FakeFiles({})
    made: list[dict[str, str]] = []
    ig = InstagramAdapter(httpx.AsyncClient(transport=graph(made)), "https://g.test/v21.0", poll_delays=(0.0,),
                          vault=files)  # fmt: skip
    await ig.publish({"access_token": "t", "ig_user_id": "1784"}, outgoing(video))
    assert made[0]["video_url"] == f"https://vault.s3.test/{video.object_key}?X-Amz-Signature=abc"
    assert made[0]["media_type"] == "REELS", "a video by the vault's type, though its key has no suffix"

    sent: list[dict[str, Any]] = []

    def tiktok_answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        data = {"publish_id": "p1"} if "init" in request.url.path else {"status": "PUBLISH_COMPLETE"}
        return httpx.Response(200, json={"data": data, "error": {"code": "ok"}})

    tiktok = TikTokAdapter(httpx.AsyncClient(transport=httpx.MockTransport(tiktok_answer)), "https://t.test",
                           poll_delays=(0.0,), vault=files)  # fmt: skip
    await tiktok.publish({"access_token": "t"}, outgoing(photo))
    assert sent[0]["source_info"]["photo_images"] == [f"https://vault.s3.test/{photo.object_key}?X-Amz-Signature=abc"]
    assert files.downloads == [], "networks that pull are never sent the bytes by us"


# the S3 reader ------------------------------------------------------------------------------------------


async def test_the_s3_reader_streams_a_file_bounds_it_and_presigns_a_get() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="vault-test")
        big = JPEG + b"\0" * (9 * 1024 * 1024)  # past the spool's memory: kept on disk
        s3.put_object(Bucket="vault-test", Key="creators/c/uploads/m", Body=big)
        # moto's in-process S3: no endpoint, whatever the environment names (make test exports the local server's)
        settings = MarketingSettings(
            s3_bucket="vault-test",
            s3_endpoint_url=None,
            s3_public_endpoint_url=None,
            s3_region="us-east-1",
            media_url_ttl_s=3600,
        )
        reader = S3VaultFiles(settings)
        medium = VaultFile(media_id=uuid.uuid4(), object_key="creators/c/uploads/m", content_type="image/jpeg",
                           size_bytes=len(big))  # fmt: skip

        body = await reader.download(medium, len(big))
        try:
            assert hashlib.sha256(body.read()).hexdigest() == hashlib.sha256(big).hexdigest()
        finally:
            body.close()
        with pytest.raises(CallFailed) as too_big:
            await reader.download(medium, len(big) - 1)
        assert too_big.value.permanent and "larger than" in str(too_big.value)
        with pytest.raises(CallFailed) as gone:
            await reader.download(medium.model_copy(update={"object_key": "nope"}), 10)
        assert gone.value.permanent and "no longer in the vault" in str(gone.value)

        url = await reader.presigned_url(medium)
        assert "creators/c/uploads/m" in url and "X-Amz-Expires=3600" in url and "X-Amz-Signature=" in url
