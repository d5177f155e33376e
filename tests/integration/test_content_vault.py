"""The media vault on the real platform (gateway → content, PostgreSQL, Kafka) and the real
S3-compatible server: uploads straight to S3 through presigned URLs, completed, checked by their
bytes, deduplicated, thumbnailed; downloads through short-lived URLs; PATCH, DELETE refused while a
scheduled post uses the item; bundles; cursor pages; the tenant wall and bad input. The multipart
path is proven on the S3 adapter against the same server (the platform's threshold is 100 MB)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from aiokafka import AIOKafkaProducer
from PIL import Image

from content.adapters.s3 import S3ObjectStore
from content.config import ContentSettings
from huntaze_events import (
    REGISTRY,
    EventPayload,
    MediaUpdated,
    MediaUploaded,
    PostPublished,
    PostScheduled,
    kafka_headers,
    make_envelope,
)
from huntaze_testkit import Api, EventTap

MEDIA = "/v1/content/media"


def jpeg(color: str, size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 4000


def store() -> S3ObjectStore:
    return S3ObjectStore(ContentSettings())


async def presign(api: Api, data: bytes, name: str = "beach.jpg", content_type: str = "image/jpeg") -> Any:
    answer = await api.post(
        f"{MEDIA}/uploads", json={"filename": name, "content_type": content_type, "size": len(data)}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def put(ticket: dict[str, Any], data: bytes) -> None:
    async with httpx.AsyncClient(timeout=30) as s3:
        answer = await s3.put(ticket["url"], content=data, headers=ticket["headers"])
    assert answer.status_code == 200, answer.text


async def upload(api: Api, data: bytes, **kw: Any) -> Any:
    ticket = await presign(api, data, **kw)
    await put(ticket, data)
    return await api.post(f"{MEDIA}/uploads/{ticket['upload_id']}/complete")


async def gone(key: str, timeout: float = 20) -> bool:
    s3 = store()
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await s3.size_of(key) is None:
            return True
        await asyncio.sleep(0.3)
    return False


def key_of(api: Api, upload_id: str) -> str:
    return f"creators/{api.creator_id}/uploads/{upload_id}"


async def publish(kafka: str, creator_id: str, *payloads: EventPayload) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all")
    await producer.start()
    try:
        for p in payloads:
            spec = REGISTRY.for_model(type(p))
            event = make_envelope(p, producer=spec.producer, creator_id=uuid.UUID(creator_id))
            await producer.send_and_wait(
                spec.topic, event.to_json(), key=spec.key_for(p).encode(), headers=kafka_headers(event)
            )
    finally:
        await producer.stop()


def topic(model: type[EventPayload]) -> str:
    return REGISTRY.for_model(model).topic


def about(field: str, value: object, **more: object) -> Any:
    def match(record: Any) -> bool:
        body = record.value["payload"]
        return body.get(field) == str(value) and all(body.get(k) == v for k, v in more.items())

    return match


async def until(api: Api, path: str, check: Any, timeout: float = 20) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        answer = await api.get(path)
        if check(answer):
            return answer
        assert asyncio.get_running_loop().time() < deadline, answer.text
        await asyncio.sleep(0.3)


# upload, complete, duplicate, download ---------------------------------------------------------------------------


async def test_upload_through_a_presigned_url_then_complete_dedupe_and_download(
    gateway: Any, event_tap: EventTap
) -> None:
    api = await Api.sign_up(gateway, "VaultUpload")
    data = jpeg("red")
    ticket = await presign(api, data, name="beach_day.jpg")
    assert ticket["multipart"] is False and ticket["parts"] == [] and ticket["part_size"] is None
    assert ticket["headers"] == {"Content-Type": "image/jpeg", "Content-Length": str(len(data))}
    signed = parse_qs(urlparse(ticket["url"]).query)["X-Amz-SignedHeaders"][0].split(";")
    assert {"content-type", "content-length"} <= set(signed)
    await put(ticket, data)
    done = await api.post(f"{MEDIA}/uploads/{ticket['upload_id']}/complete")
    assert done.status_code == 200, done.text
    media = done.json()["media"]
    assert done.json()["status"] == "completed" and done.json()["duplicate"] is False
    assert media["media_id"] == ticket["upload_id"]
    state = (await api.get(f"{MEDIA}/uploads/{ticket['upload_id']}")).json()
    assert state["status"] == "completed" and state["media"]["media_id"] == media["media_id"]
    assert media["kind"] == "photo" and media["content_type"] == "image/jpeg" and media["title"] == "beach day"
    assert media["sha256"] == hashlib.sha256(data).hexdigest() and media["size_bytes"] == len(data)
    async with httpx.AsyncClient(timeout=10) as s3:
        thumb = await s3.get(media["thumbnail_url"])
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.content)).size) == 320
    await event_tap.wait_for(topic(MediaUploaded), about("media_id", media["media_id"], sha256=media["sha256"]))

    again = await api.post(f"{MEDIA}/uploads/{ticket['upload_id']}/complete")  # idempotent
    assert again.status_code == 200 and again.json()["media"]["media_id"] == media["media_id"]

    copy = await presign(api, data, name="same bytes.jpg")
    await put(copy, data)
    dup = await api.post(f"{MEDIA}/uploads/{copy['upload_id']}/complete")
    assert dup.status_code == 200 and dup.json()["duplicate"] is True
    assert dup.json()["media"]["media_id"] == media["media_id"]
    assert await gone(key_of(api, copy["upload_id"]))  # the copy's object is removed after the commit
    listed = (await api.get(MEDIA)).json()["items"]
    assert [m["media_id"] for m in listed] == [media["media_id"]]
    await asyncio.sleep(0.5)
    assert len(event_tap.select(topic(MediaUploaded), about("media_id", media["media_id"]))) == 1
    assert not event_tap.select(topic(MediaUploaded), about("media_id", copy["upload_id"]))

    down = await api.get(f"{MEDIA}/{media['media_id']}/download")
    assert down.status_code == 200, down.text
    body = down.json()
    query = parse_qs(urlparse(body["url"]).query)
    assert query["X-Amz-Expires"] == ["300"]  # short-lived (S3 refuses it after; moto does not check)
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(seconds=290) < expires - datetime.now(UTC) <= timedelta(seconds=301)
    async with httpx.AsyncClient(timeout=10) as s3:
        file = await s3.get(body["url"])
    assert file.status_code == 200 and file.content == data
    assert file.headers["content-disposition"].startswith('attachment; filename="beach day.jpg"')


async def test_an_executable_named_jpg_is_refused_and_removed(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "VaultExe")
    ticket = await presign(api, ELF, name="cute.jpg")
    await put(ticket, ELF)
    refused = await api.post(f"{MEDIA}/uploads/{ticket['upload_id']}/complete")
    assert refused.status_code == 422 and refused.json()["code"] == "type_not_allowed", refused.text
    assert await gone(key_of(api, ticket["upload_id"]))
    state = (await api.get(f"{MEDIA}/uploads/{ticket['upload_id']}")).json()
    assert state["status"] == "refused" and state["code"] == "type_not_allowed" and state["media"] is None
    again = await api.post(f"{MEDIA}/uploads/{ticket['upload_id']}/complete")
    assert again.status_code == 422 and again.json()["code"] == "type_not_allowed"
    assert (await api.get(MEDIA)).json()["items"] == []


async def test_refusals_at_presign_and_completion(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "VaultRefusals")
    big = await api.post(
        f"{MEDIA}/uploads", json={"filename": "a.mp4", "content_type": "video/mp4", "size": 6 * 1024**3}
    )
    assert big.status_code == 413 and big.json()["code"] == "too_large"
    pdf = await api.post(f"{MEDIA}/uploads", json={"filename": "a.pdf", "content_type": "application/pdf", "size": 10})
    assert pdf.status_code == 415 and pdf.json()["code"] == "type_not_allowed"
    ticket = await presign(api, jpeg("blue"))
    early = await api.post(f"{MEDIA}/uploads/{ticket['upload_id']}/complete")
    assert early.status_code == 409 and early.json()["code"] == "not_uploaded"
    assert (await api.get(f"{MEDIA}/uploads/{ticket['upload_id']}")).json()["status"] == "pending"
    unknown = await api.post(f"{MEDIA}/uploads/{uuid.uuid4()}/complete")
    assert unknown.status_code == 404
    wrong_size = await presign(api, b"\xff" * 10)
    async with httpx.AsyncClient(timeout=10) as s3:  # a client ignoring the signed length (S3 refuses it; moto not)
        await s3.put(wrong_size["url"], content=jpeg("blue"), headers={"Content-Type": "image/jpeg"})
    mismatch = await api.post(f"{MEDIA}/uploads/{wrong_size['upload_id']}/complete")
    assert mismatch.status_code == 422 and mismatch.json()["code"] == "size_mismatch"


# describe, delete, bundles, list ----------------------------------------------------------------------------------


async def test_patch_and_delete_refused_while_a_scheduled_post_uses_it(
    gateway: Any, infra: Any, event_tap: EventTap
) -> None:
    api = await Api.sign_up(gateway, "VaultInUse")
    media = (await upload(api, jpeg("green"))).json()["media"]
    path = f"{MEDIA}/{media['media_id']}"
    patched = await api.patch(
        path, json={"title": "Golden hour", "tags": ["#Beach", "beach", " Sun Set "], "suggested_price_cents": 1500,
                    "currency": "USD"},
    )  # fmt: skip
    assert patched.status_code == 200, patched.text
    assert patched.json()["revision"] == 2 and patched.json()["tags"] == ["beach", "sun set"]
    await event_tap.wait_for(topic(MediaUpdated), about("media_id", media["media_id"], revision=2, title="Golden hour"))
    half = await api.patch(path, json={"currency": None})
    assert half.status_code == 422 and half.json()["code"] == "invalid_price"

    post_id, now = uuid.uuid4(), datetime.now(UTC)
    scheduled = PostScheduled(
        post_id=post_id, revision=1, account_id=uuid.uuid4(), network="x", publish_at=now + timedelta(days=1),
        status="scheduled", caption_excerpt="soon", media_ids=[uuid.UUID(media["media_id"])],
    )  # fmt: skip
    await publish(infra.kafka, api.creator_id, scheduled)
    await until(api, path, lambda a: a.json().get("scheduled_in"))
    refused = await api.delete(path)
    assert refused.status_code == 409 and refused.json()["code"] == "media_in_use"
    published = PostPublished(
        post_id=post_id, account_id=scheduled.account_id, network="x", network_post_id="1",
        scheduled_for=scheduled.publish_at, published_at=now, media_ids=scheduled.media_ids,
    )  # fmt: skip
    await publish(infra.kafka, api.creator_id, published)
    await until(api, path, lambda a: a.json().get("scheduled_in") == [])
    assert (await api.delete(path)).status_code == 204
    await event_tap.wait_for(topic(MediaUpdated), about("media_id", media["media_id"], deleted=True, revision=3))
    assert (await api.get(path)).status_code == 404
    assert await gone(key_of(api, media["media_id"]))
    assert (await api.delete(path)).status_code == 404


async def test_bundles_and_cursor_pages(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "VaultBundles")
    ids = []
    for n, color in enumerate(("red", "orange", "purple")):
        answer = await upload(api, jpeg(color), name=f"set {n}.jpg")
        ids.append(answer.json()["media"]["media_id"])
    body = {
        "title": "Sunset set",
        "media_ids": ids[:2],
        "tags": ["Sunset"],
        "suggested_price_cents": 2500,
        "currency": "EUR",
    }
    made = await api.post(f"{MEDIA}/bundles", json=body, headers={"Idempotency-Key": "set-1"})
    assert made.status_code == 201, made.text
    bundle = made.json()
    assert bundle["kind"] == "bundle" and bundle["item_ids"] == ids[:2] and bundle["thumbnail_url"]
    repeat = await api.post(f"{MEDIA}/bundles", json=body, headers={"Idempotency-Key": "set-1"})
    assert repeat.status_code == 200 and repeat.json()["media_id"] == bundle["media_id"]
    assert (await api.get(f"{MEDIA}/{bundle['media_id']}/download")).json()["code"] == "bundle_not_downloadable"
    unknown = await api.post(f"{MEDIA}/bundles", json={"title": "x", "media_ids": [ids[0], str(uuid.uuid4())]})
    assert unknown.status_code == 404 and unknown.json()["code"] == "media_not_found"

    seen, cursor = [], None
    while True:
        page = (await api.get(MEDIA, params={"limit": 2, **({"cursor": cursor} if cursor else {})})).json()
        seen += [m["media_id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [bundle["media_id"], *ids[::-1]]
    by_kind = (await api.get(MEDIA, params={"kind": "bundle"})).json()["items"]
    assert [m["media_id"] for m in by_kind] == [bundle["media_id"]]
    assert [m["media_id"] for m in (await api.get(MEDIA, params={"tag": "#SUNSET"})).json()["items"]] == [
        bundle["media_id"]
    ]
    assert [m["media_id"] for m in (await api.get(MEDIA, params={"q": "set 1"})).json()["items"]] == [ids[1]]
    # the usage history (its own tests drive real offers and unlocks): nothing sold yet, no such fan
    assert (await api.get(MEDIA, params={"sold": "true"})).json()["items"] == []
    assert len((await api.get(MEDIA, params={"sold": "false"})).json()["items"]) == 4
    stranger = await api.get(MEDIA, params={"fan_id": str(uuid.uuid4())})
    assert stranger.status_code == 404 and stranger.json()["code"] == "fan_not_found"


# the tenant wall and bad input ------------------------------------------------------------------------------------


async def test_another_creators_media_and_uploads_are_not_found(gateway: Any) -> None:
    mia, eve = await Api.sign_up(gateway, "VaultMia"), await Api.sign_up(gateway, "VaultEve")
    data = jpeg("white")
    ticket = await presign(mia, data)
    await put(ticket, data)
    assert (await eve.post(f"{MEDIA}/uploads/{ticket['upload_id']}/complete")).status_code == 404
    assert (await eve.get(f"{MEDIA}/uploads/{ticket['upload_id']}")).status_code == 404
    media = (await mia.post(f"{MEDIA}/uploads/{ticket['upload_id']}/complete")).json()["media"]
    path = f"{MEDIA}/{media['media_id']}"
    assert (await eve.get(path)).status_code == 404
    assert (await eve.get(f"{path}/download")).status_code == 404
    assert (await eve.patch(path, json={"title": "mine"})).status_code == 404
    assert (await eve.delete(path)).status_code == 404
    stolen = await eve.post(
        f"{MEDIA}/bundles", json={"title": "x", "media_ids": [media["media_id"], media["media_id"]]}
    )
    assert stolen.status_code in (404, 422)
    assert (await eve.get(MEDIA)).json()["items"] == []
    assert (await mia.get(path)).json()["title"] == "beach"


async def test_bad_input_is_a_clear_4xx(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "VaultBadInput")
    uploads = f"{MEDIA}/uploads"
    malformed = await api.post(uploads, content=b"{not json", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 422
    for body in (
        {"filename": "a.jpg", "content_type": "image/jpeg", "size": "big"},
        {"filename": "a.jpg", "content_type": "image/jpeg", "size": 0},
        {"filename": "", "content_type": "image/jpeg", "size": 10},
        {"filename": "a.jpg", "content_type": "image/jpeg"},
        {"filename": "a.jpg", "content_type": "image/jpeg", "size": 10, "extra": 1},
        ["a.jpg"],
    ):
        answer = await api.post(uploads, json=body)
        assert answer.status_code == 422, (body, answer.text)
    assert (await api.get(f"{MEDIA}/not-a-uuid")).status_code == 422
    assert (await api.get(f"{MEDIA}/{uuid.uuid4()}")).status_code == 404
    assert (await api.patch(f"{MEDIA}/{uuid.uuid4()}", json={"title": "x"})).status_code == 404
    assert (await api.get(MEDIA, params={"cursor": "garbage!"})).status_code == 422
    assert (await api.get(MEDIA, params={"limit": 0})).status_code == 422
    assert (await api.get(MEDIA, params={"kind": "audio"})).status_code == 422
    assert (await api.get(MEDIA, params={"sold": "maybe"})).status_code == 422
    assert (await api.get(MEDIA, params={"fan_id": "x"})).status_code == 422
    media = (await upload(api, jpeg("black"))).json()["media"]
    path = f"{MEDIA}/{media['media_id']}"
    for body in ({"title": None}, {"tags": ["x" * 41]}, {"suggested_price_cents": -5, "currency": "USD"},
                 {"currency": "usd", "suggested_price_cents": 100}, {"unknown": 1}):  # fmt: skip
        answer = await api.patch(path, json=body)
        assert answer.status_code == 422, (body, answer.text)
    parts = await api.post(
        f"{MEDIA}/uploads/{uuid.uuid4()}/complete", json={"parts": [{"part_number": 0, "etag": "x"}]}
    )
    assert parts.status_code == 422


# multipart, on the S3 adapter against the same S3 server -----------------------------------------------------------


async def test_multipart_upload_through_presigned_parts_on_the_real_s3_server(infra: Any) -> None:
    s3 = store()
    key = f"creators/{uuid.uuid4()}/uploads/{uuid.uuid4()}"
    data = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * (6 * 4096)
    part = 5 * 1024 * 1024
    multipart_id = await s3.create_multipart(key, "video/mp4")
    etags = []
    async with httpx.AsyncClient(timeout=30) as client:
        for n, start in enumerate(range(0, len(data), part), start=1):
            chunk = data[start : start + part]
            url = await s3.presign_part(key, multipart_id, n, len(chunk), 60)
            answer = await client.put(url, content=chunk)
            assert answer.status_code == 200, answer.text
            etags.append((n, answer.headers["etag"]))
    assert len(etags) == 2
    assert await s3.complete_multipart(key, multipart_id, etags) is True
    await s3.complete_multipart(key, multipart_id, etags)  # a retry after a crash: no error (AWS may answer either)
    assert await s3.size_of(key) == len(data)
    digest = await s3.digest(key, keep_up_to=0)
    assert digest.sha256 == hashlib.sha256(data).hexdigest() and digest.data is None
    assert (await s3.read_head(key, 32)) == data[:32]

    # the parts S3 holds, when the client sends no ETags; then an abandoned one aborted
    other = key + "-b"
    mid = await s3.create_multipart(other, "video/mp4")
    async with httpx.AsyncClient(timeout=30) as client:
        await client.put(await s3.presign_part(other, mid, 1, 100, 60), content=data[:100])
    assert await s3.complete_multipart(other, mid, None) is True and await s3.size_of(other) == 100
    third = key + "-c"
    await s3.create_multipart(third, "video/mp4")
    await s3.abort_multipart(third)
    assert await s3.complete_multipart(third, "unknown-id", None) is False
    await s3.delete([key, other, third])
    assert await s3.size_of(key) is None
