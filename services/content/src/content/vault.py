"""Rules of the media vault (pure, no I/O): uploads, media items, bundles, tags, titles, prices.

An upload is ``pending`` from its presign (``checking`` while a worker checks a large one) until
it is ``completed`` (filed as a media item, or found to be a duplicate of one), ``refused`` (its bytes are not what the vault keeps: the object is
deleted) or ``expired`` (never completed: a durable timer removes whatever reached S3). A media
item is a photo or a video (one checked file) or a bundle (existing items grouped); its
``revision`` grows by one at every change, each announced by ``media.updated``."""

from __future__ import annotations

import math
import re
import unicodedata
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

MediaKind = Literal["photo", "video", "bundle"]
UploadStatus = Literal["pending", "checking", "completed", "refused", "expired"]

MAX_TITLE = 200
MAX_FILENAME = 255
MAX_TAGS = 30
MAX_TAG = 40
MAX_PRICE_CENTS = 1_000_000
"""A suggested price above $10,000 (or the same in another currency) is surely a typo."""
MAX_BUNDLE = 50
MIN_PART_BYTES = 5 * 1024**2
MAX_PARTS = 10_000
_SPACES = re.compile(r"\s+")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/;]')


class VaultError(Exception):
    """A request the vault refuses: ``status`` (404, 409, 410, 413, 415, 422) and a machine ``code``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def not_found(what: str = "media") -> VaultError:
    return VaultError(404, "not_found", f"{what} not found")


@dataclass(frozen=True)
class Upload:
    id: uuid.UUID
    creator_id: uuid.UUID
    filename: str
    declared_type: str
    size_bytes: int
    part_bytes: int | None
    """Set for a multipart upload: every part but the last has this size."""
    created_at: datetime
    expires_at: datetime
    multipart_id: str | None = None
    status: UploadStatus = "pending"
    media_id: uuid.UUID | None = None
    duplicate: bool = False
    refusal_code: str | None = None
    refusal: str | None = None
    completed_at: datetime | None = None

    @property
    def object_key(self) -> str:
        return object_key(self.creator_id, self.id)

    @property
    def thumb_key(self) -> str:
        return thumb_key(self.creator_id, self.id)

    @property
    def multipart(self) -> bool:
        return self.part_bytes is not None

    def parts(self) -> list[tuple[int, int]]:
        """(part number, size) of each part of a multipart upload."""
        if self.part_bytes is None:
            return []
        count = math.ceil(self.size_bytes / self.part_bytes)
        return [(n, min(self.part_bytes, self.size_bytes - (n - 1) * self.part_bytes)) for n in range(1, count + 1)]


@dataclass(frozen=True)
class Media:
    id: uuid.UUID
    creator_id: uuid.UUID
    kind: MediaKind
    title: str
    created_at: datetime
    updated_at: datetime
    tags: tuple[str, ...] = ()
    content_type: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    object_key: str | None = None
    thumb_key: str | None = None
    filename: str | None = None
    suggested_price_cents: int | None = None
    currency: str | None = None
    revision: int = 1
    deleted_at: datetime | None = None
    upload_id: uuid.UUID | None = None
    item_ids: tuple[uuid.UUID, ...] = field(default=())
    """A bundle's items, in order (filled when read one by one)."""

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def stored_keys(self) -> list[str]:
        """Its own objects in the bucket (a bundle has none: its thumbnail is its first item's)."""
        return [] if self.kind == "bundle" else [k for k in (self.object_key, self.thumb_key) if k]


@dataclass(frozen=True)
class MediaQuery:
    limit: int
    tag: str | None = None
    kind: MediaKind | None = None
    q: str | None = None
    after: tuple[datetime, uuid.UUID] | None = None
    sold: bool | None = None
    """Only items sold (an unlock not fully refunded, from the usage history) or never sold."""
    fan_id: uuid.UUID | None = None
    """The fan whose sent/bought flags the page carries."""


# keys in the bucket, all under the creator's prefix --------------------------------------------------


def creator_prefix(creator_id: uuid.UUID) -> str:
    return f"creators/{creator_id}/"


def object_key(creator_id: uuid.UUID, upload_id: uuid.UUID) -> str:
    return f"{creator_prefix(creator_id)}uploads/{upload_id}"


def thumb_key(creator_id: uuid.UUID, upload_id: uuid.UUID) -> str:
    return f"{creator_prefix(creator_id)}thumbs/{upload_id}.jpg"


# names, titles, tags, prices ----------------------------------------------------------------------------


def clean_filename(filename: str) -> str:
    """The file's own name (no directories, no control characters), 1 to 255 characters."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("", name).strip()
    if not name or name in {".", ".."}:
        raise VaultError(422, "invalid_filename", "filename must name a file")
    return name[:MAX_FILENAME]


def title_of(filename: str) -> str:
    """The default title: the file name without its extension."""
    stem = filename.rsplit(".", 1)[0] if "." in filename.lstrip(".") else filename
    return clean_title(stem.replace("_", " ")) if stem.strip() else "Untitled"


def clean_title(title: str) -> str:
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", title)).strip()
    if not text or "\x00" in text:
        raise VaultError(422, "invalid_title", "a title is 1 to 200 visible characters")
    return text[:MAX_TITLE]


def normalise_tag(tag: str) -> str:
    """Lower case, no leading '#', inner spaces collapsed: ``" #Beach  Day "`` → ``"beach day"``."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", tag)).strip().lstrip("#").strip().casefold()


def clean_tags(tags: list[str]) -> tuple[str, ...]:
    """Normalised, without repeats (first occurrence kept), at most 30 of at most 40 characters."""
    out: list[str] = []
    for raw in tags:
        tag = normalise_tag(raw)
        if "\x00" in tag:
            raise VaultError(422, "invalid_tag", "a tag may not contain NUL")
        if len(tag) > MAX_TAG:
            raise VaultError(422, "invalid_tag", f"a tag is at most {MAX_TAG} characters: {tag[:50]!r}")
        if tag and tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise VaultError(422, "too_many_tags", f"at most {MAX_TAGS} tags")
    return tuple(out)


def check_price(price_cents: int | None, currency: str | None) -> None:
    if (price_cents is None) != (currency is None):
        raise VaultError(422, "invalid_price", "suggested_price_cents and currency go together (or both null)")
    if price_cents is not None and not 0 < price_cents <= MAX_PRICE_CENTS:
        raise VaultError(422, "invalid_price", f"suggested_price_cents is 1 to {MAX_PRICE_CENTS}")


def download_name(media: Media, extension: str) -> str:
    """The file name a download is saved as: the title, with the type's extension."""
    base = _UNSAFE_NAME.sub("", media.title).strip(" .") or "media"
    return f"{base[:150]}.{extension}"


def part_bytes_for(size: int, preferred: int) -> int:
    """The part size of a multipart upload: the preferred one, larger when 10,000 parts would not do."""
    return max(preferred, MIN_PART_BYTES, math.ceil(size / MAX_PARTS))


def described(media: Media, now: datetime, **changes: object) -> Media:
    """The item with ``changes`` applied and its revision moved on (unchanged: the same item)."""
    updated = replace(media, **changes)  # type: ignore[arg-type]
    if updated == media:
        return media
    return replace(updated, revision=media.revision + 1, updated_at=now)
