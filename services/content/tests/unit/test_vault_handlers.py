"""The vault's use cases on fakes (a fake unit of work, repository and object store): presign,
complete (type by the bytes, size, hash, thumbnail, duplicates, refusals, idempotency), the timer
that cleans up an upload never completed, the objects deleted after the commit, PATCH, DELETE
refused while in use, bundles, pagination, and the tenant wall."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from content import plans, uploads, vault_deletion
from content import vault_handlers as h
from content.config import ContentSettings
from content.vault import MediaQuery, VaultError
from content.vault_ports import StoreUnavailable
from huntaze_events import PostPublished, PostScheduled, make_envelope
from huntaze_service import Subscriptions
from huntaze_testkit.fakes import FakeWorker

from .fake_vault import FakeObjectStore, FakeVaultRepository

CREATOR, OTHER = uuid.uuid4(), uuid.uuid4()
MiB = 1024 * 1024
SETTINGS = ContentSettings(
    database_url="postgresql+psycopg://x@localhost/x",
    max_upload_bytes=64 * MiB,
    multipart_threshold_bytes=10 * MiB,
    multipart_part_bytes=5 * MiB,
)


def jpeg(color: str = "red", size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 4000


@pytest.fixture
def store() -> FakeObjectStore:
    return FakeObjectStore()


@pytest.fixture
def worker(store: FakeObjectStore) -> FakeWorker[FakeVaultRepository]:
    subs = Subscriptions()
    plans.subscribe(subs)
    uploads.subscribe(subs, lambda: store)
    vault_deletion.subscribe(subs, lambda: store)
    return FakeWorker(FakeVaultRepository(), producer="content", subscriptions=subs)


async def presign(w: FakeWorker[Any], store: FakeObjectStore, data: bytes, name: str = "beach day.jpg",
                  declared: str = "image/jpeg", creator: uuid.UUID = CREATOR) -> uploads.Ticket:  # fmt: skip
    return await uploads.start_upload(w.uow, store, SETTINGS, creator, name, declared, len(data))


async def upload(w: FakeWorker[Any], store: FakeObjectStore, data: bytes, **kw: Any) -> uploads.Filed:
    ticket = await presign(w, store, data, **kw)
    store.uploaded(ticket.upload.object_key, data)
    return await uploads.complete_upload(w.uow, store, kw.get("creator", CREATOR), ticket.upload.id, None)


async def refused(work: Any) -> VaultError:
    with pytest.raises(VaultError) as caught:
        await work
    return caught.value


# presign -----------------------------------------------------------------------------------------------------


async def test_presign_signs_the_type_and_size_and_schedules_the_cleanup(worker, store) -> None:
    ticket = await presign(worker, store, b"x" * 1000, name="../../etc/My Photo.JPG", declared="image/jpg")
    u = ticket.upload
    assert ticket.headers == {"Content-Type": "image/jpeg", "Content-Length": "1000"}
    assert ticket.url and "size=1000" in ticket.url and not ticket.parts
    assert u.filename == "My Photo.JPG" and u.object_key == f"creators/{CREATOR}/uploads/{u.id}"
    assert u.expires_at - u.created_at == timedelta(seconds=SETTINGS.upload_url_ttl_s)
    timer = worker.timers[(uploads.UPLOAD_EXPIRED, str(u.id))].write
    assert timer.due_at == u.expires_at + uploads.EXPIRY_GRACE and timer.tenant == CREATOR


async def test_oversize_and_types_not_allowed_are_refused_at_presign(worker, store) -> None:
    too_big = await refused(
        uploads.start_upload(worker.uow, store, SETTINGS, CREATOR, "a.mp4", "video/mp4", 64 * MiB + 1)
    )
    assert (too_big.status, too_big.code) == (413, "too_large")
    for declared in ("application/pdf", "application/x-msdownload", "image/svg+xml", "text/html"):
        err = await refused(uploads.start_upload(worker.uow, store, SETTINGS, CREATOR, "a.jpg", declared, 10))
        assert (err.status, err.code) == (415, "type_not_allowed")
    assert not worker.repo.uploads


async def test_large_files_get_presigned_parts(worker, store) -> None:
    ticket = await uploads.start_upload(worker.uow, store, SETTINGS, CREATOR, "clip.mp4", "video/mp4", 12 * MiB)
    assert ticket.url is None and ticket.upload.multipart_id in store.multipart
    assert [(n, size) for n, _, size in ticket.parts] == [(1, 5 * MiB), (2, 5 * MiB), (3, 2 * MiB)]
    assert worker.repo.uploads[ticket.upload.id].multipart_id == ticket.upload.multipart_id


# complete -----------------------------------------------------------------------------------------------------


async def test_a_photo_is_checked_hashed_thumbnailed_and_filed_once(worker, store) -> None:
    data = jpeg()
    filed = await upload(worker, store, data, name="beach_day.png", declared="image/png")
    m = filed.media
    assert not filed.duplicate and m.kind == "photo" and m.content_type == "image/jpeg"  # the bytes, not the name
    assert m.sha256 == hashlib.sha256(data).hexdigest() and m.size_bytes == len(data) and m.title == "beach day"
    thumb = Image.open(io.BytesIO(store.objects[m.thumb_key][0]))
    assert thumb.format == "JPEG" and max(thumb.size) == 320
    [event] = worker.emitted("media.uploaded")
    assert event.payload.media_id == m.id and event.creator_id == CREATOR
    assert event.payload.object_key == m.object_key and m.object_key in store.objects  # where marketing reads it
    assert (event.payload.content_type, event.payload.size_bytes) == ("image/jpeg", len(data))
    assert (uploads.UPLOAD_EXPIRED, str(m.id)) not in worker.timers  # cleaned-up timer cancelled
    again = await uploads.complete_upload(worker.uow, store, CREATOR, m.id, None)
    assert again.media == m and not again.duplicate and len(worker.emitted("media.uploaded")) == 1


async def test_the_same_bytes_twice_are_one_item_and_the_copy_is_removed(worker, store) -> None:
    data = jpeg("blue")
    first = await upload(worker, store, data)
    ticket = await presign(worker, store, data, name="copy.jpg")
    store.uploaded(ticket.upload.object_key, data)
    second = await uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, None)
    assert second.duplicate and second.media.id == first.media.id
    assert len(worker.emitted("media.uploaded")) == 1 and len(worker.repo.media_rows) == 1
    await worker.run_calls()
    assert ticket.upload.object_key not in store.objects and first.media.object_key in store.objects
    repeat = await uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, None)
    assert repeat.duplicate and repeat.media.id == first.media.id


async def test_another_creator_uploading_the_same_bytes_gets_their_own_item(worker, store) -> None:
    data = jpeg("green")
    mine = await upload(worker, store, data)
    theirs = await upload(worker, store, data, creator=OTHER)
    assert not theirs.duplicate and theirs.media.id != mine.media.id


@pytest.mark.parametrize("payload", [ELF, PE, b"<html><script>alert(1)</script></html>" * 10])
async def test_an_executable_named_jpg_is_refused_and_deleted(worker, store, payload: bytes) -> None:
    ticket = await presign(worker, store, payload, name="cute.jpg")
    store.uploaded(ticket.upload.object_key, payload)
    err = await refused(uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, None))
    assert (err.status, err.code) == (422, "type_not_allowed")
    assert worker.repo.uploads[ticket.upload.id].status == "refused" and not worker.repo.media_rows
    await worker.run_calls()
    assert ticket.upload.object_key not in store.objects
    again = await refused(uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, None))
    assert again.code == "type_not_allowed" and not worker.emitted("media.uploaded")


async def test_completing_before_uploading_is_a_clear_conflict_and_can_be_retried(worker, store) -> None:
    data = jpeg("yellow")
    ticket = await presign(worker, store, data)
    err = await refused(uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, None))
    assert (err.status, err.code) == (409, "not_uploaded")
    assert worker.repo.uploads[ticket.upload.id].status == "pending"
    store.uploaded(ticket.upload.object_key, data)
    assert (
        await uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, None)
    ).media.id == ticket.upload.id


async def test_a_size_other_than_declared_is_refused(worker, store) -> None:
    ticket = await presign(worker, store, b"x" * 100)
    store.uploaded(ticket.upload.object_key, jpeg())
    err = await refused(uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, None))
    assert (err.status, err.code) == (422, "size_mismatch")


async def test_a_decompression_bomb_is_refused(worker, store) -> None:
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # 100 Mpx in a few kB
    err = await refused(upload(worker, store, out.getvalue(), name="bomb.png", declared="image/png"))
    assert (err.status, err.code) == (422, "image_too_large")


async def test_a_video_is_filed_without_a_thumbnail(worker, store) -> None:
    filed = await upload(worker, store, MP4, name="clip.mp4", declared="video/mp4")
    assert filed.media.kind == "video" and filed.media.content_type == "video/mp4" and filed.media.thumb_key is None


async def test_another_creators_upload_id_is_not_found(worker, store) -> None:
    ticket = await presign(worker, store, jpeg())
    store.uploaded(ticket.upload.object_key, jpeg())
    err = await refused(uploads.complete_upload(worker.uow, store, OTHER, ticket.upload.id, None))
    assert err.status == 404
    err = await refused(uploads.complete_upload(worker.uow, store, CREATOR, uuid.uuid4(), None))
    assert err.status == 404


async def test_the_store_down_leaves_the_upload_pending(worker, store) -> None:
    ticket = await presign(worker, store, jpeg())
    store.uploaded(ticket.upload.object_key, jpeg())
    store.down = True
    with pytest.raises(StoreUnavailable):
        await uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, None)
    assert worker.repo.uploads[ticket.upload.id].status == "pending" and not worker.events
    store.down = False
    assert (await uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, None)).media.kind == "photo"


async def test_multipart_parts_assemble_then_a_worker_checks_and_files_them(worker, store) -> None:
    data = MP4 + b"\x01" * (12 * MiB - len(MP4))
    ticket = await uploads.start_upload(worker.uow, store, SETTINGS, CREATOR, "clip.mp4", "video/mp4", len(data))
    mid = ticket.upload.multipart_id
    etags = [(n, store.part(mid, n, data[(n - 1) * 5 * MiB : n * 5 * MiB])) for n, _, _ in ticket.parts]
    err = await refused(uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, [(1, "bad"), *etags[1:]]))
    assert (err.status, err.code) == (422, "invalid_parts")
    assert await uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, etags) is None  # being checked
    assert worker.repo.uploads[ticket.upload.id].status == "checking"
    assert await uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, etags) is None  # S3 done already
    assert await worker.run_calls() == [(uploads.CHECK_UPLOAD, str(ticket.upload.id), "done")]
    async with worker.uow() as uow:
        upload, filed = await uploads.upload_status(uow, CREATOR, ticket.upload.id)
    assert upload.status == "completed" and isinstance(filed, uploads.Filed)
    assert filed.media.size_bytes == len(data) and filed.media.sha256 == hashlib.sha256(data).hexdigest()
    assert (await uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, etags)) == filed
    assert len(worker.emitted("media.uploaded")) == 1


async def test_a_large_executable_is_refused_by_the_worker(worker, store) -> None:
    data = ELF + b"\x00" * (11 * MiB)
    ticket = await uploads.start_upload(worker.uow, store, SETTINGS, CREATOR, "big.mov", "video/quicktime", len(data))
    mid = ticket.upload.multipart_id
    for n, _, size in ticket.parts:
        store.part(mid, n, data[(n - 1) * 5 * MiB : (n - 1) * 5 * MiB + size])
    assert await uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, None) is None
    await worker.run_calls()  # the check, then the deletion it recorded
    await worker.run_calls()
    assert ticket.upload.object_key not in store.objects and not worker.repo.media_rows
    err = await refused(uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, None))
    assert (err.status, err.code) == (422, "type_not_allowed")


async def test_an_upload_never_completed_expires_and_its_objects_go(worker, store) -> None:
    ticket = await uploads.start_upload(worker.uow, store, SETTINGS, CREATOR, "clip.mp4", "video/mp4", 12 * MiB)
    store.part(ticket.upload.multipart_id, 1, b"x" * 5 * MiB)
    worker.clock.advance(seconds=SETTINGS.upload_url_ttl_s + 3601)
    assert await worker.fire_due() == 1
    assert worker.repo.uploads[ticket.upload.id].status == "expired"
    await worker.run_calls()
    assert ticket.upload.multipart_id not in store.multipart
    err = await refused(uploads.complete_upload(worker.uow, store, CREATOR, ticket.upload.id, None))
    assert (err.status, err.code) == (410, "upload_expired")


# describe, delete, bundles, list ----------------------------------------------------------------------------------


async def test_patch_moves_the_revision_and_announces_it_once(worker, store) -> None:
    m = (await upload(worker, store, jpeg())).media
    async with worker.uow() as uow:
        changed = await h.describe(uow, CREATOR, m.id, {"title": "Sunset", "tags": ("beach", "gold")})
    assert changed.revision == 2 and changed.title == "Sunset"
    async with worker.uow() as uow:
        same = await h.describe(uow, CREATOR, m.id, {"title": "Sunset"})
    assert same.revision == 2 and len(worker.emitted("media.updated")) == 1
    async with worker.uow() as uow:
        err = await refused(h.describe(uow, CREATOR, m.id, {"suggested_price_cents": 1500}))
    assert err.code == "invalid_price"
    async with worker.uow() as uow:
        priced = await h.describe(uow, CREATOR, m.id, {"suggested_price_cents": 1500, "currency": "USD"})
    [_, event] = worker.emitted("media.updated")
    assert priced.revision == 3 and event.payload.suggested_price_cents == 1500 and event.payload.revision == 3
    async with worker.uow() as uow:
        assert (await refused(h.describe(uow, OTHER, m.id, {"title": "x"}))).status == 404


def post(post_id: uuid.UUID, revision: int, status: str, media: list[uuid.UUID]) -> Any:
    from datetime import UTC, datetime

    payload = PostScheduled(
        post_id=post_id, revision=revision, account_id=uuid.uuid4(), network="x",
        publish_at=datetime(2026, 12, 1, tzinfo=UTC), status=status, caption_excerpt="hi", media_ids=media,
    )  # fmt: skip
    return make_envelope(payload, producer="marketing", creator_id=CREATOR)


async def test_delete_is_refused_while_a_scheduled_post_uses_it(worker, store) -> None:
    m = (await upload(worker, store, jpeg())).media
    post_id = uuid.uuid4()
    await worker.deliver(post(post_id, 1, "scheduled", [m.id]))
    async with worker.uow() as uow:
        err = await refused(h.delete_media(uow, CREATOR, m.id))
    assert (err.status, err.code) == (409, "media_in_use")
    from datetime import UTC, datetime

    published = PostPublished(
        post_id=post_id, account_id=uuid.uuid4(), network="x", network_post_id="1",
        scheduled_for=datetime(2026, 12, 1, tzinfo=UTC), published_at=datetime(2026, 12, 1, tzinfo=UTC), media_ids=[m.id],
    )  # fmt: skip
    await worker.deliver(make_envelope(published, producer="marketing", creator_id=CREATOR))
    await worker.deliver(post(post_id, 1, "scheduled", [m.id]))  # redelivered late: the end stays final
    async with worker.uow() as uow:
        await h.delete_media(uow, CREATOR, m.id)
    [event] = worker.emitted("media.updated")
    assert event.payload.deleted and event.payload.revision == 2
    await worker.run_calls()
    assert m.object_key not in store.objects and m.thumb_key not in store.objects
    async with worker.uow() as uow:
        assert (await refused(h.get_media(uow, CREATOR, m.id))).status == 404
    again = await upload(worker, store, jpeg())  # the same bytes after a delete: a new item
    assert not again.duplicate and again.media.id != m.id


async def test_bundles_group_the_creators_items_and_keep_them_in_use(worker, store) -> None:
    a = (await upload(worker, store, jpeg("red"))).media
    b = (await upload(worker, store, MP4, name="clip.mp4", declared="video/mp4")).media
    theirs = (await upload(worker, store, jpeg("red"), creator=OTHER)).media
    key = uuid.uuid4()
    async with worker.uow() as uow:
        err = await refused(h.create_bundle(uow, CREATOR, "Set", [a.id, theirs.id], (), None, key))
    assert (err.status, err.code) == (404, "media_not_found")
    async with worker.uow() as uow:
        bundle, created = await h.create_bundle(uow, CREATOR, "Set", [b.id, a.id], ("set",), (2500, "USD"), key)
    assert created and bundle.kind == "bundle" and bundle.item_ids == (b.id, a.id)
    assert bundle.thumb_key == a.thumb_key  # the first item with a thumbnail (b is a video)
    async with worker.uow() as uow:
        same, created = await h.create_bundle(uow, CREATOR, "Set", [b.id, a.id], (), None, key)
    assert not created and same.id == bundle.id and same.item_ids == (b.id, a.id)
    [event] = worker.emitted("media.updated")
    assert event.payload.kind == "bundle" and event.payload.revision == 1
    await worker.deliver(post(uuid.uuid4(), 1, "scheduled", [bundle.id]))
    async with worker.uow() as uow:
        assert (await refused(h.delete_media(uow, CREATOR, a.id))).code == "media_in_use"
    other = (await upload(worker, store, jpeg("navy"))).media
    async with worker.uow() as uow:
        loose, _ = await h.create_bundle(uow, CREATOR, "Loose", [a.id, other.id], (), None, uuid.uuid4())
    async with worker.uow() as uow:
        await h.delete_media(uow, CREATOR, loose.id)  # a bundle's deletion leaves its items' objects alone
    await worker.run_calls()
    assert a.thumb_key in store.objects and a.object_key in store.objects
    async with worker.uow() as uow:
        err = await refused(h.create_bundle(uow, CREATOR, "Again", [a.id, other.id], (), None, loose.id))
    assert (err.status, err.code) == (409, "idempotency_key_reused")


async def test_the_list_pages_newest_first_and_filters(worker, store) -> None:
    ids = []
    for n in range(5):
        worker.clock.advance(seconds=1)
        ids.append((await upload(worker, store, jpeg(size=(10 + n, 10)), name=f"pic {n}.jpg")).media.id)
    async with worker.uow() as uow:
        await h.describe(uow, CREATOR, ids[1], {"tags": ("beach",)})
    seen, after = [], None
    while True:
        async with worker.uow() as uow:
            page, more, _ = await h.list_media(uow, CREATOR, MediaQuery(limit=2, after=after))
        seen += [m.id for m in page]
        if not more:
            break
        after = (page[-1].created_at, page[-1].id)
    assert seen == ids[::-1]
    async with worker.uow() as uow:
        assert [m.id for m in (await h.list_media(uow, CREATOR, MediaQuery(limit=10, tag="beach")))[0]] == [ids[1]]
        assert [m.id for m in (await h.list_media(uow, CREATOR, MediaQuery(limit=10, q="PIC 3")))[0]] == [ids[3]]
        assert (await h.list_media(uow, OTHER, MediaQuery(limit=10)))[0] == []


async def test_a_scheduled_mass_message_keeps_its_media_until_it_is_sent_or_cancelled(worker, store) -> None:
    from datetime import UTC, datetime

    from huntaze_events import MassAudience, MassMessageScheduled, MassMessageSent

    m = (await upload(worker, store, jpeg("teal"))).media
    mass_id, at = uuid.uuid4(), datetime(2026, 12, 1, tzinfo=UTC)

    def plan(revision: int, status: str) -> Any:
        payload = MassMessageScheduled(
            mass_message_id=mass_id, revision=revision, send_at=at, status=status,
            audience=MassAudience(segments=["whales"]), text_excerpt="new set", price_cents=1500, currency="USD",
            media_ids=[m.id], created_by=uuid.uuid4(),
        )  # fmt: skip
        return make_envelope(payload, producer="inbox", creator_id=CREATOR)

    await worker.deliver(plan(2, "cancelled"), plan(1, "scheduled"))  # reordered: revision 2 wins
    async with worker.uow() as uow:
        assert await h.in_use(uow, m) == []
    await worker.deliver(plan(3, "scheduled"))
    async with worker.uow() as uow:
        assert await h.in_use(uow, m) == [("massmessage", mass_id)]
        assert (await refused(h.delete_media(uow, CREATOR, m.id))).code == "media_in_use"
    sent = MassMessageSent(
        mass_message_id=mass_id, status="done", recipients=3, sent=3, failed=0, skipped=0, cancelled=0,
        price_cents=1500, currency="USD", media_ids=[m.id], created_by=uuid.uuid4(), started_at=at, finished_at=at,
    )  # fmt: skip
    await worker.deliver(make_envelope(sent, producer="inbox", creator_id=CREATOR))
    async with worker.uow() as uow:
        assert await h.in_use(uow, m) == []
        await h.delete_media(uow, CREATOR, m.id)
