"""The file types the vault accepts, read from a file's first bytes (never from its name).

A type is declared by the client at presign time (it must be one of :data:`DECLARABLE`) and read
again from the uploaded object's first bytes with ``filetype`` at completion: the type read is
the one kept, and a file whose bytes are no allowed image or video (an executable named ``.jpg``)
is refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import filetype

FileKind = Literal["photo", "video"]
SNIFF_BYTES = 8192
"""How much of the object is read to tell its type (filetype needs at most 8 KiB)."""


@dataclass(frozen=True)
class MediaType:
    mime: str
    kind: FileKind
    extension: str
    thumbnail: bool
    """Whether Pillow can read it for a thumbnail (HEIC needs a plugin the service does not ship)."""


ALLOWED: dict[str, MediaType] = {
    t.mime: t
    for t in (
        MediaType("image/jpeg", "photo", "jpg", True),
        MediaType("image/png", "photo", "png", True),
        MediaType("image/webp", "photo", "webp", True),
        MediaType("image/gif", "photo", "gif", True),
        MediaType("image/heic", "photo", "heic", False),
        MediaType("video/mp4", "video", "mp4", False),
        MediaType("video/quicktime", "video", "mov", False),
        MediaType("video/webm", "video", "webm", False),
    )
}
"""What the vault keeps, by the MIME type read from the bytes."""

_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/heif": "image/heic",
    "image/apng": "image/png",
}
DECLARABLE = frozenset(ALLOWED) | frozenset(_ALIASES)
"""What a client may declare at presign time (``image/heif`` and ``image/jpg`` included)."""


def declared(content_type: str) -> MediaType | None:
    """The allowed type a client declared (parameters such as ``; charset`` ignored), or None."""
    mime = content_type.split(";", 1)[0].strip().lower()
    return ALLOWED.get(_ALIASES.get(mime, mime))


def sniff(head: bytes) -> tuple[MediaType | None, str | None]:
    """(the allowed type the bytes are, the MIME type read — None when unknown)."""
    found = filetype.guess(head[:SNIFF_BYTES])
    if found is None:
        return None, None
    mime = _ALIASES.get(found.mime, found.mime)
    return ALLOWED.get(mime), found.mime
