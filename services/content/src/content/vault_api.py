"""HTTP API of the media vault (through the gateway, whose internal token names the creator):
uploads straight to S3 through presigned URLs, then completed; media items and bundles; downloads
through short-lived presigned URLs only."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from huntaze_service import ApiError, CreatorId, NoNul, Runtime, RuntimeDep
from huntaze_service.pagination import Cursor, Limit, decode_time_id_cursor, encode_cursor

from . import media_types, uploads, usage_handlers, vault_handlers
from .thumbnails import THUMB_TYPE
from .usage_api import MediaUsageOut
from .vault import (
    MAX_BUNDLE,
    MAX_TAG,
    MAX_TAGS,
    MAX_TITLE,
    Media,
    MediaQuery,
    Upload,
    VaultError,
    clean_tags,
    clean_title,
    download_name,
    normalise_tag,
)
from .vault_ports import ObjectStore, StoreUnavailable

router = APIRouter(prefix="/v1/content/media", tags=["content vault"])
REFUSED = {"description": "Refused: `code` says why."}
T = TypeVar("T")
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. `USD`.")]
Tag = Annotated[str, NoNul, Field(max_length=MAX_TAG + 10)]


def _store(runtime: Runtime[Any]) -> ObjectStore:
    return runtime.state["object_store"]  # type: ignore[no-any-return]  # set by bootstrap


async def _answer(work: Awaitable[T]) -> T:
    try:
        return await work
    except VaultError as exc:
        raise ApiError(exc.status, str(exc), exc.code) from None
    except StoreUnavailable:
        raise ApiError(503, "the media store is unavailable; retry shortly", "storage_unavailable",
                       headers={"Retry-After": "2"}) from None  # fmt: skip


# shapes ---------------------------------------------------------------------------------------------------


class UploadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: Annotated[str, NoNul] = Field(min_length=1, max_length=1000, description="The title defaults to it.")
    content_type: str = Field(min_length=1, max_length=100, description="What the client declares; checked again.")
    size: int = Field(gt=0, description="Bytes; above the vault's maximum: 413.")


class PartOut(BaseModel):
    part_number: int
    url: str
    size: int


class UploadOut(BaseModel):
    upload_id: uuid.UUID
    expires_at: datetime = Field(description="When the upload URL(s) stop working.")
    size: int
    content_type: str
    multipart: bool
    url: str | None = Field(description="Single upload: PUT the whole file here, with `headers`.")
    headers: dict[str, str] = Field(description="Headers the PUT must carry exactly (they are signed).")
    part_size: int | None = Field(description="Multipart: every part but the last has this size.")
    parts: list[PartOut] = Field(description="Multipart: PUT each part to its URL; keep each answer's ETag.")


class PartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    part_number: int = Field(ge=1, le=10_000)
    etag: str = Field(min_length=1, max_length=128)


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parts: list[PartIn] | None = Field(
        default=None, max_length=10_000, description="Multipart: the parts' ETags (omitted: the parts S3 holds)."
    )


class PlanRef(BaseModel):
    kind: Literal["post", "massmessage"]
    id: uuid.UUID


class MediaOut(BaseModel):
    media_id: uuid.UUID
    kind: Literal["photo", "video", "bundle"]
    title: str
    tags: list[str]
    content_type: str | None = Field(description="Read from the file's bytes (None for a bundle).")
    size_bytes: int | None
    sha256: str | None
    filename: str | None
    suggested_price_cents: int | None
    currency: str | None
    revision: int
    created_at: datetime
    updated_at: datetime
    thumbnail_url: str | None = Field(description="A short-lived presigned URL (photos; a bundle: its first item's).")
    thumbnail_expires_at: datetime | None
    item_ids: list[uuid.UUID] | None = Field(default=None, description="A bundle's items, in order (detail only).")
    fan_flag: Literal["sent", "bought"] | None = Field(
        default=None, description="With `fan_id`: `bought`, `sent`, or null (never offered to that fan)."
    )
    scheduled_in: list[PlanRef] | None = Field(
        default=None, description="Detail only: the scheduled posts and mass messages using it (DELETE waits for them)."
    )
    usage: MediaUsageOut | None = Field(
        default=None,
        description="Detail only: the offers, mass messages and posts that used it, who bought it, its revenue.",
    )


class UploadStateOut(BaseModel):
    upload_id: uuid.UUID
    status: Literal["pending", "checking", "completed", "refused", "expired"] = Field(
        description="`checking`: a large upload is being checked by a worker; poll `GET .../uploads/{id}`."
    )
    filename: str
    size: int
    expires_at: datetime
    duplicate: bool | None = Field(description="Completed: true when the same bytes were already in the vault.")
    media: MediaOut | None = Field(description="Completed: the item (the existing one for a duplicate).")
    code: str | None = Field(description="Refused or expired: why (`type_not_allowed`, `size_mismatch`, ...).")
    detail: str | None


class MediaPage(BaseModel):
    items: list[MediaOut]
    next_cursor: str | None


class DownloadOut(BaseModel):
    url: str
    expires_at: datetime
    filename: str


class MediaPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, NoNul] | None = Field(default=None, min_length=1, max_length=MAX_TITLE)
    tags: list[Tag] | None = Field(default=None, max_length=MAX_TAGS * 2)
    suggested_price_cents: int | None = Field(default=None, gt=0, description="null clears it (with currency).")
    currency: Currency | None = None


class BundleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, NoNul] = Field(min_length=1, max_length=MAX_TITLE)
    media_ids: list[uuid.UUID] = Field(min_length=2, max_length=MAX_BUNDLE)
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS * 2)
    suggested_price_cents: int | None = Field(default=None, gt=0)
    currency: Currency | None = None


async def _out(store: ObjectStore, m: Media, ttl: int, now: datetime, detail: bool = False) -> MediaOut:
    thumb = (
        await store.presign_get(m.thumb_key, ttl, content_type=THUMB_TYPE, download_as=None) if m.thumb_key else None
    )
    return MediaOut(
        media_id=m.id,
        kind=m.kind,
        title=m.title,
        tags=list(m.tags),
        content_type=m.content_type,
        size_bytes=m.size_bytes,
        sha256=m.sha256,
        filename=m.filename,
        suggested_price_cents=m.suggested_price_cents,
        currency=m.currency,
        revision=m.revision,
        created_at=m.created_at,
        updated_at=m.updated_at,
        thumbnail_url=thumb,
        thumbnail_expires_at=now + timedelta(seconds=ttl) if thumb else None,
        item_ids=list(m.item_ids) if detail and m.kind == "bundle" else None,
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _ttl(runtime: Runtime[Any]) -> int:
    return int(runtime.settings.download_url_ttl_s)  # type: ignore[attr-defined]


def _uows(runtime: Runtime[Any]) -> Callable[[], Any]:
    return runtime.uow


# uploads --------------------------------------------------------------------------------------------------


@router.post(
    "/uploads", status_code=201, response_model=UploadOut, responses={413: REFUSED, 415: REFUSED, 422: REFUSED}
)
async def start_upload(body: UploadIn, runtime: RuntimeDep, creator_id: CreatorId) -> UploadOut:
    """An upload slot: the file goes straight to S3 (one presigned PUT, or presigned parts above the
    multipart threshold), then `POST .../complete`."""
    t = await _answer(
        uploads.start_upload(
            runtime.uow,
            _store(runtime),
            runtime.settings,
            creator_id,
            body.filename,
            body.content_type,
            body.size,  # type: ignore[arg-type]
        )
    )
    u = t.upload
    return UploadOut(
        upload_id=u.id,
        expires_at=u.expires_at,
        size=u.size_bytes,
        content_type=u.declared_type,
        multipart=u.multipart,
        url=t.url,
        headers=t.headers,
        part_size=u.part_bytes,
        parts=[PartOut(part_number=n, url=url, size=size) for n, url, size in t.parts],
    )


async def _state(runtime: Runtime[Any], upload: Upload, outcome: uploads.Filed | VaultError | None) -> UploadStateOut:
    filed = outcome if isinstance(outcome, uploads.Filed) else None
    refusal = outcome if isinstance(outcome, VaultError) else None
    media = await _out(_store(runtime), filed.media, _ttl(runtime), _now()) if filed else None
    return UploadStateOut(
        upload_id=upload.id,
        status="completed" if filed else upload.status,
        filename=upload.filename,
        size=upload.size_bytes,
        expires_at=upload.expires_at,
        duplicate=filed.duplicate if filed else None,
        media=media,
        code=refusal.code if refusal else None,
        detail=str(refusal) if refusal else None,
    )


@router.post(
    "/uploads/{upload_id}/complete",
    response_model=UploadStateOut,
    responses={
        202: {"description": "A multipart upload: assembled, being checked (poll it).", "model": UploadStateOut},
        404: REFUSED,
        409: REFUSED,
        410: REFUSED,
        422: REFUSED,
        503: REFUSED,
    },
)
async def complete_upload(
    upload_id: uuid.UUID,
    runtime: RuntimeDep,
    creator_id: CreatorId,
    response: Response,
    body: CompleteIn | None = None,
) -> UploadStateOut:
    """Checks the uploaded object (size, type by its first bytes, hash), makes a photo's thumbnail and
    files it; the same bytes already in the vault answer that item (`duplicate`). Idempotent. A
    multipart upload is assembled, then checked by a worker: 202 `checking`."""
    parts = None if body is None or body.parts is None else [(p.part_number, p.etag) for p in body.parts]
    filed = await _answer(uploads.complete_upload(runtime.uow, _store(runtime), creator_id, upload_id, parts))
    async with runtime.uow() as uow:
        upload, outcome = await _answer(uploads.upload_status(uow, creator_id, upload_id))
    if filed is None:
        response.status_code = 202
    return await _state(runtime, upload, filed or outcome)


@router.get("/uploads/{upload_id}", response_model=UploadStateOut, responses={404: REFUSED})
async def get_upload(upload_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> UploadStateOut:
    """Where an upload is: pending, checking, completed (with its item), refused (with why) or expired."""
    async with runtime.uow() as uow:
        upload, outcome = await _answer(uploads.upload_status(uow, creator_id, upload_id))
    return await _state(runtime, upload, outcome)


# bundles --------------------------------------------------------------------------------------------------


@router.post("/bundles", status_code=201, response_model=MediaOut, responses={404: REFUSED, 422: REFUSED})
async def create_bundle(
    body: BundleIn,
    runtime: RuntimeDep,
    creator_id: CreatorId,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> MediaOut:
    """A bundle of existing photos and videos of the creator's (2 to 50, in order). With an
    `Idempotency-Key`, repeating the request answers the same bundle (200)."""

    async def work() -> tuple[Media, bool, datetime]:
        key = uuid.uuid5(creator_id, f"bundle:{idempotency_key}") if idempotency_key else uuid.uuid4()
        price = (body.suggested_price_cents, body.currency) if body.suggested_price_cents or body.currency else None
        async with runtime.uow() as uow:
            if price is not None and (price[0] is None or price[1] is None):
                raise VaultError(422, "invalid_price", "suggested_price_cents and currency go together")
            bundle, created = await vault_handlers.create_bundle(
                uow,
                creator_id,
                clean_title(body.title),
                body.media_ids,
                clean_tags(body.tags),
                price,
                key,  # type: ignore[arg-type]
            )
            return bundle, created, uow.now()

    bundle, created, now = await _answer(work())
    if not created:
        response.status_code = 200
    return await _out(_store(runtime), bundle, _ttl(runtime), now, detail=True)


# media ------------------------------------------------------------------------------------------------------


@router.get("", response_model=MediaPage, responses={422: REFUSED})
async def list_media(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    tag: Annotated[str | None, Query(max_length=MAX_TAG + 10)] = None,
    kind: Literal["photo", "video", "bundle"] | None = None,
    q: Annotated[str | None, Query(max_length=100, description="In titles and tags.")] = None,
    sold: Annotated[bool | None, Query(description="Sold at least once (true) or never (false).")] = None,
    fan_id: Annotated[uuid.UUID | None, Query(description="Flags each item sent to / bought by this fan.")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> MediaPage:
    """The vault, newest first, with cursor pagination; `sold` keeps what sold (or never did), `fan_id`
    flags each item `sent` or `bought` for that fan (404 `fan_not_found` for a fan not the creator's)."""
    query = MediaQuery(
        limit=limit,
        tag=normalise_tag(tag) if tag else None,
        kind=kind,
        q=q.strip() or None if q else None,
        after=decode_time_id_cursor(cursor),
        sold=sold,
        fan_id=fan_id,
    )
    async with runtime.uow() as uow:
        items, more, flags = await _answer(vault_handlers.list_media(uow, creator_id, query))
        now = uow.now()
    store, ttl = _store(runtime), _ttl(runtime)
    last = items[-1] if items and more else None
    out = [await _out(store, m, ttl, now) for m in items]
    if flags is not None:
        for item in out:
            item.fan_flag = flags.get(item.media_id)
    return MediaPage(
        items=out,
        next_cursor=encode_cursor(last.created_at, last.id) if last else None,
    )


@router.get("/{media_id}", response_model=MediaOut, responses={404: REFUSED})
async def get_media(media_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> MediaOut:
    async with runtime.uow() as uow:
        media = await _answer(vault_handlers.get_media(uow, creator_id, media_id))
        plans = await vault_handlers.in_use(uow, media)
        history = await usage_handlers.usage_of(uow, creator_id, media_id)
        now = uow.now()
    out = await _out(_store(runtime), media, _ttl(runtime), now, detail=True)
    out.scheduled_in = [PlanRef(kind=kind, id=plan_id) for kind, plan_id in plans]  # type: ignore[arg-type]
    out.usage = MediaUsageOut.of(history)
    return out


@router.get("/{media_id}/download", response_model=DownloadOut, responses={404: REFUSED, 409: REFUSED})
async def download(media_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> DownloadOut:
    """A short-lived presigned URL that downloads the file (saved under its title)."""
    async with runtime.uow() as uow:
        media = await _answer(vault_handlers.get_media(uow, creator_id, media_id))
        now = uow.now()
    if media.object_key is None or media.content_type is None:
        raise ApiError(409, "a bundle has no file of its own: download its items", "bundle_not_downloadable")
    mtype = media_types.ALLOWED.get(media.content_type)
    name = download_name(media, mtype.extension if mtype else "bin")
    ttl = _ttl(runtime)
    url = await _store(runtime).presign_get(media.object_key, ttl, content_type=media.content_type, download_as=name)
    return DownloadOut(url=url, expires_at=now + timedelta(seconds=ttl), filename=name)


@router.patch("/{media_id}", response_model=MediaOut, responses={404: REFUSED, 422: REFUSED})
async def patch_media(media_id: uuid.UUID, body: MediaPatch, runtime: RuntimeDep, creator_id: CreatorId) -> MediaOut:
    """Title, tags, suggested price (null clears it, with its currency): `media.updated`, revision + 1."""
    fields = body.model_fields_set
    changes: dict[str, Any] = {}

    async def work() -> tuple[Media, datetime]:
        if "title" in fields:
            if body.title is None:
                raise VaultError(422, "invalid_title", "title cannot be null")
            changes["title"] = clean_title(body.title)
        if "tags" in fields:
            changes["tags"] = clean_tags(body.tags or [])
        for name in ("suggested_price_cents", "currency"):
            if name in fields:
                changes[name] = getattr(body, name)
        async with runtime.uow() as uow:
            return await vault_handlers.describe(uow, creator_id, media_id, changes), uow.now()

    media, now = await _answer(work())
    return await _out(_store(runtime), media, _ttl(runtime), now)


@router.delete("/{media_id}", status_code=204, responses={404: REFUSED, 409: REFUSED})
async def delete_media(media_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> Response:
    """Refused (409 `media_in_use`) while a scheduled post or mass message uses it."""

    async def work() -> None:
        async with runtime.uow() as uow:
            await vault_handlers.delete_media(uow, creator_id, media_id)

    await _answer(work())
    return Response(status_code=204)


def keep_store(store: ObjectStore) -> Callable[[Runtime[Any]], Awaitable[None]]:
    """A startup hook putting the vault's object store where the routes find it (bootstrap wires it)."""

    async def start(runtime: Runtime[Any]) -> None:
        runtime.state["object_store"] = store

    return start
