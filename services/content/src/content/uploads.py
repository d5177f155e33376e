"""The upload lifecycle of the media vault: presign, complete (a multipart upload assembled, then
checked by the worker), the object inspected, the verdict settled, the status polled, and the timer
that gives up an upload never completed.

S3 is never called inside a transaction. An upload is recorded (with the durable timer that
cleans it up if it is never completed) before anything is asked of S3; completing it reads the
object outside any transaction, then files the outcome in one (the media item and
``media.uploaded``, or the refusal); a refused or duplicate upload's objects are removed after the
commit (:mod:`.vault_deletion`). A crash between two steps leaves the upload ``pending``: completing
it again redoes the same reads and writes the same keys, and if nobody does, its timer removes what
reached S3."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from pydantic import BaseModel

from huntaze_events import MediaUploaded
from huntaze_service import Call, Subscriptions, Timer

from . import media_types, thumbnails
from .config import ContentSettings
from .vault import (
    Media,
    Upload,
    VaultError,
    clean_filename,
    not_found,
    object_key,
    part_bytes_for,
    thumb_key,
    title_of,
)
from .vault_deletion import delete_later
from .vault_ports import InvalidParts, ObjectStore

UPLOAD_EXPIRED = "vault.upload_expired"
CHECK_UPLOAD = "vault.check_upload"
CHECK_TIMEOUT_S = 300.0
"""One check of a large upload (its first bytes, its SHA-256 streamed, its thumbnail): 5 GiB at
20 MB/s. It is also how long a check waits when the worker making it dies (its lease: this + 10 s)."""
EXPIRY_GRACE = timedelta(hours=1)
"""An upload not completed this long after its URLs expired is given up and its objects removed."""
Uows = Callable[[], Any]


@dataclass(frozen=True)
class Ticket:
    upload: Upload
    url: str | None
    headers: dict[str, str]
    parts: list[tuple[int, str, int]]
    """(part number, presigned URL, size) of a multipart upload."""


@dataclass(frozen=True)
class Filed:
    media: Media
    duplicate: bool


# presign ------------------------------------------------------------------------------------------------


async def start_upload(
    uows: Uows,
    store: ObjectStore,
    s: ContentSettings,
    creator_id: uuid.UUID,
    filename: str,
    content_type: str,
    size: int,
) -> Ticket:
    mtype = media_types.declared(content_type)
    if mtype is None:
        allowed = ", ".join(sorted(media_types.ALLOWED))
        raise VaultError(415, "type_not_allowed", f"{content_type[:100]} is not accepted; allowed: {allowed}")
    if size > s.max_upload_bytes:
        raise VaultError(413, "too_large", f"the vault takes files of at most {s.max_upload_bytes} bytes")
    name = clean_filename(filename)
    multipart = size > s.multipart_threshold_bytes
    async with uows() as uow:
        now = uow.now()
        upload = Upload(
            id=uuid.uuid4(),
            creator_id=creator_id,
            filename=name,
            declared_type=mtype.mime,
            size_bytes=size,
            part_bytes=part_bytes_for(size, s.multipart_part_bytes) if multipart else None,
            created_at=now,
            expires_at=now + timedelta(seconds=s.upload_url_ttl_s),
        )
        await uow.repo.add_upload(upload)
        uow.schedule(UPLOAD_EXPIRED, key=str(upload.id), at=upload.expires_at + EXPIRY_GRACE, tenant=creator_id)
        await uow.commit()
    ttl = s.upload_url_ttl_s
    if not multipart:
        url = await store.presign_put(upload.object_key, mtype.mime, size, ttl)
        return Ticket(upload, url, {"Content-Type": mtype.mime, "Content-Length": str(size)}, [])
    multipart_id = await store.create_multipart(upload.object_key, mtype.mime)
    async with uows() as uow:
        await uow.repo.set_multipart(upload.id, multipart_id)
        await uow.commit()
    upload = replace(upload, multipart_id=multipart_id)
    parts = [
        (n, await store.presign_part(upload.object_key, multipart_id, n, part_size, ttl), part_size)
        for n, part_size in upload.parts()
    ]
    return Ticket(upload, None, {}, parts)


# complete ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What the object store says of an uploaded object: accepted (its type, hash, whether a
    thumbnail was written) or refused (a code and a message)."""

    mime: str | None = None
    sha256: str | None = None
    thumbnail: bool = False
    code: str | None = None
    message: str = ""


class CheckUpload(BaseModel):
    creator_id: uuid.UUID
    upload_id: uuid.UUID
    size_bytes: int


async def complete_upload(
    uows: Uows,
    store: ObjectStore,
    creator_id: uuid.UUID,
    upload_id: uuid.UUID,
    parts: Sequence[tuple[int, str]] | None,
) -> Filed | None:
    """The upload filed (or found a duplicate), or None when a multipart upload is being checked by
    the worker (its hash takes longer than a request may): poll it with :func:`upload_status`."""
    async with uows() as uow:
        upload = await uow.repo.upload(creator_id, upload_id)
        if upload is None:
            raise not_found("upload")
        if upload.status != "pending":
            return await _outcome(uow, upload)
    if upload.multipart:
        await _assemble(store, upload, parts)
        async with uows() as uow:
            current = await uow.repo.upload(creator_id, upload_id, lock=True)
            if current is None or current.status != "pending":
                return await _outcome(uow, current or upload)
            await uow.repo.close_upload(replace(current, status="checking"))
            payload = CheckUpload(creator_id=creator_id, upload_id=upload_id, size_bytes=upload.size_bytes)
            uow.call(CHECK_UPLOAD, key=str(upload_id), payload=payload, tenant=creator_id)
            await uow.commit()
        return None
    verdict = await inspect(store, creator_id, upload_id, upload.size_bytes)
    async with uows() as uow:
        settled = await settle(uow, creator_id, upload_id, verdict)
        await uow.commit()
    if isinstance(settled, VaultError):
        raise settled
    return settled


async def _assemble(store: ObjectStore, upload: Upload, parts: Sequence[tuple[int, str]] | None) -> None:
    """Has S3 assemble a multipart upload's parts (done already: nothing happens)."""
    if upload.multipart_id is not None:
        try:
            await store.complete_multipart(upload.object_key, upload.multipart_id, parts)
        except InvalidParts as exc:
            raise VaultError(422, "invalid_parts", f"{exc}; upload the missing parts or send their ETags") from None
    if await store.size_of(upload.object_key) is None:
        raise NOT_UPLOADED


NOT_UPLOADED = VaultError(409, "not_uploaded", "nothing was uploaded for this upload id yet: upload the file first")


async def inspect(store: ObjectStore, creator_id: uuid.UUID, upload_id: uuid.UUID, declared: int) -> Verdict:
    """Reads the object (never inside a transaction): its size, its type by its first bytes, its
    hash in chunks; writes a photo's thumbnail (at a key of the upload's own: a retry rewrites it)."""
    key = object_key(creator_id, upload_id)
    size = await store.size_of(key)
    if size is None:
        raise NOT_UPLOADED
    if size != declared:
        return Verdict(code="size_mismatch", message=f"the file has {size} bytes, not the {declared} declared")
    mtype, found = media_types.sniff(await store.read_head(key, media_types.SNIFF_BYTES))
    if mtype is None:
        what = found or "not a recognised file type"
        return Verdict(code="type_not_allowed", message=f"the file's bytes are {what}, not an allowed image or video")
    digest = await store.digest(key, thumbnails.MAX_SOURCE_BYTES if mtype.thumbnail else 0)
    if digest.size != declared:
        return Verdict(code="size_mismatch", message="the file changed while it was checked")
    if digest.data is None:
        return Verdict(mtype.mime, digest.sha256)
    try:
        thumb = await asyncio.to_thread(thumbnails.thumbnail, digest.data)  # CPU: off the event loop
    except thumbnails.ImageRefused as exc:
        return Verdict(code=exc.code, message=str(exc))
    await store.put(thumb_key(creator_id, upload_id), thumb, thumbnails.THUMB_TYPE)
    return Verdict(mtype.mime, digest.sha256, thumbnail=True)


async def settle(uow: Any, creator_id: uuid.UUID, upload_id: uuid.UUID, verdict: Verdict) -> Filed | VaultError:
    """Files the verdict in the caller's transaction (which commits): the media item and
    ``media.uploaded``, the duplicate's objects to delete, or the refusal. An upload settled
    meanwhile answers what it was settled as."""
    current = await uow.repo.upload(creator_id, upload_id, lock=True)
    if current is None:
        return not_found("upload")
    upload = current
    if current.status not in ("pending", "checking"):
        if verdict.thumbnail and not (current.status == "completed" and current.media_id == upload.id):
            delete_later(uow, upload.creator_id, f"thumb:{upload.id}", [upload.thumb_key])
        try:
            return await _outcome(uow, current)
        except VaultError as exc:
            return exc
    now = uow.now()
    if verdict.code is not None:
        message = verdict.message[:300]
        refused = replace(current, status="refused", refusal_code=verdict.code, refusal=message, completed_at=now)
        await uow.repo.close_upload(refused)
        delete_later(uow, upload.creator_id, f"upload:{upload.id}", _keys(upload), upload.object_key)
        uow.cancel(UPLOAD_EXPIRED, key=str(upload.id))
        return VaultError(422, verdict.code, verdict.message)
    mtype = media_types.ALLOWED[verdict.mime or ""]
    assert verdict.sha256 is not None
    media = Media(
        id=upload.id,
        creator_id=upload.creator_id,
        kind=mtype.kind,
        title=title_of(upload.filename),
        created_at=now,
        updated_at=now,
        content_type=mtype.mime,
        size_bytes=upload.size_bytes,
        sha256=verdict.sha256,
        object_key=upload.object_key,
        thumb_key=upload.thumb_key if verdict.thumbnail else None,
        filename=upload.filename,
        upload_id=upload.id,
    )
    duplicate = not await uow.repo.add_media(media)
    if duplicate:  # the same bytes are already in the vault: that item, and this copy removed
        existing = await uow.repo.media_by_sha(upload.creator_id, verdict.sha256)
        assert existing is not None
        media = existing
        delete_later(uow, upload.creator_id, f"upload:{upload.id}", _keys(upload))
    else:
        uow.emit(MediaUploaded(**_uploaded(media)), creator_id=media.creator_id)
    await uow.repo.close_upload(
        replace(current, status="completed", media_id=media.id, duplicate=duplicate, completed_at=now)
    )
    uow.cancel(UPLOAD_EXPIRED, key=str(upload.id))
    return Filed(media, duplicate)


async def upload_status(
    uow: Any, creator_id: uuid.UUID, upload_id: uuid.UUID
) -> tuple[Upload, Filed | VaultError | None]:
    """An upload and, once settled, what completing it answers (None while pending or checking)."""
    upload = await uow.repo.upload(creator_id, upload_id)
    if upload is None:
        raise not_found("upload")
    if upload.status in ("pending", "checking"):
        return upload, None
    try:
        return upload, await _outcome(uow, upload)
    except VaultError as exc:
        return upload, exc


async def _outcome(uow: Any, upload: Upload) -> Filed | None:
    """What completing an upload that is no longer pending answers (the same, every time)."""
    if upload.status == "checking":
        return None
    if upload.status == "refused":
        raise VaultError(422, upload.refusal_code or "refused", upload.refusal or "the file was refused")
    if upload.status == "expired":
        raise VaultError(410, "upload_expired", "this upload was never completed and has expired: start a new one")
    assert upload.media_id is not None
    media = await uow.repo.media(upload.creator_id, upload.media_id)
    if media is None:
        raise VaultError(410, "media_deleted", "this upload was filed, and the item has been deleted since")
    return Filed(media, upload.duplicate)


def _keys(upload: Upload) -> list[str]:
    return [upload.object_key, upload.thumb_key]


def _uploaded(m: Media) -> dict[str, Any]:
    """``media.uploaded`` of a newly filed item (its fields: the emit names the event, for readers)."""
    assert m.content_type and m.size_bytes and m.sha256
    return {
        "media_id": m.id,
        "kind": m.kind,
        "content_type": m.content_type,
        "size_bytes": m.size_bytes,
        "sha256": m.sha256,
        "title": m.title,
        "tags": list(m.tags),
        "uploaded_at": m.created_at,
        "object_key": m.object_key,
    }


# the worker's part ------------------------------------------------------------------------------------------


def subscribe(subs: Subscriptions, store: Callable[[], ObjectStore]) -> None:
    """The upload lifecycle's timer (an upload never completed) and external call (a large upload's
    check); the objects they give up are deleted by :func:`.vault_deletion.subscribe`'s call."""

    @subs.timer(UPLOAD_EXPIRED)
    async def upload_expired(uow: Any, timer: Timer[Any]) -> None:
        """An upload was never completed: marked expired, whatever reached S3 removed."""
        upload = await uow.repo.upload(timer.tenant, uuid.UUID(timer.key), lock=True)
        if upload is not None and upload.status == "pending":
            await uow.repo.close_upload(replace(upload, status="expired", completed_at=uow.now()))
            delete_later(
                uow, upload.creator_id, f"upload:{upload.id}", [upload.object_key, upload.thumb_key], upload.object_key
            )

    async def check(call: Call[CheckUpload]) -> Verdict:
        p = call.payload
        try:
            return await inspect(store(), p.creator_id, p.upload_id, p.size_bytes)
        except VaultError as exc:  # the object went away after it was assembled
            return Verdict(code=exc.code, message=str(exc))

    async def checked(uow: Any, call: Call[CheckUpload], verdict: Verdict) -> None:
        await settle(uow, call.payload.creator_id, call.payload.upload_id, verdict)

    async def unchecked(uow: Any, call: Call[CheckUpload], error: str) -> None:
        verdict = Verdict(code="check_failed", message=f"the file could not be checked: {error}"[:300])
        await settle(uow, call.payload.creator_id, call.payload.upload_id, verdict)

    subs.call(
        CHECK_UPLOAD,
        CheckUpload,
        remote=check,
        on_result=checked,
        on_failure=unchecked,
        timeout_s=CHECK_TIMEOUT_S,
        description="Checks a large upload (type by its first bytes, sha256 in chunks) and files it.",
    )
