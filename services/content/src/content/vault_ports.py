"""What the vault use cases need: storage of their rows (:class:`VaultRepository`, the SQL adapter
and the unit tests' fake) and the object store holding the files (:class:`ObjectStore`, S3)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .plans import PlanChange
from .vault import Media, MediaQuery, Upload


class StoreUnavailable(Exception):
    """The object store failed or timed out: worth retrying later (answered 503)."""


class InvalidParts(Exception):
    """The multipart upload cannot be assembled from the parts given (wrong ETags, a part missing)."""


@dataclass(frozen=True)
class Digest:
    sha256: str
    size: int
    data: bytes | None
    """The whole object when it was no larger than asked (for a thumbnail), else None."""


class ObjectStore(Protocol):
    async def presign_put(self, key: str, content_type: str, size: int, ttl_s: int) -> str: ...

    async def create_multipart(self, key: str, content_type: str) -> str:
        """S3's UploadId of a new multipart upload at ``key``."""
        ...

    async def presign_part(self, key: str, multipart_id: str, number: int, size: int, ttl_s: int) -> str: ...

    async def complete_multipart(self, key: str, multipart_id: str, parts: Sequence[tuple[int, str]] | None) -> bool:
        """Assembles the object from ``parts`` (number, ETag), or from every part S3 holds when None.
        False when S3 knows no such multipart upload (never started, or already completed)."""
        ...

    async def abort_multipart(self, key: str) -> None:
        """Aborts every unfinished multipart upload at ``key`` (none: nothing happens)."""
        ...

    async def size_of(self, key: str) -> int | None:
        """The object's size, None when there is no object at ``key``."""
        ...

    async def read_head(self, key: str, count: int) -> bytes: ...

    async def digest(self, key: str, keep_up_to: int) -> Digest:
        """The object's sha256, read in chunks (never whole in memory, unless ``keep_up_to`` allows)."""
        ...

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def presign_get(self, key: str, ttl_s: int, *, content_type: str, download_as: str | None) -> str: ...

    async def delete(self, keys: Sequence[str]) -> None:
        """Deletes the objects (a missing one is no error)."""
        ...


class VaultRepository(Protocol):
    # uploads
    async def add_upload(self, upload: Upload) -> None: ...
    async def upload(self, creator_id: uuid.UUID, upload_id: uuid.UUID, *, lock: bool = False) -> Upload | None: ...
    async def set_multipart(self, upload_id: uuid.UUID, multipart_id: str) -> None: ...
    async def close_upload(self, upload: Upload) -> None:
        """Saves the upload's final state (completed, refused or expired)."""
        ...

    # media
    async def add_media(self, media: Media) -> bool:
        """False (nothing stored) when the creator already has a live item with the same sha256, or
        the id is taken (a bundle made concurrently with the same Idempotency-Key)."""
        ...

    async def media(self, creator_id: uuid.UUID, media_id: uuid.UUID, *, lock: bool = False) -> Media | None: ...
    async def media_by_sha(self, creator_id: uuid.UUID, sha256: str) -> Media | None: ...
    async def media_many(self, creator_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[Media]: ...
    async def save_media(self, media: Media) -> None: ...
    async def list_media(self, creator_id: uuid.UUID, query: MediaQuery) -> list[Media]: ...
    async def add_bundle_items(self, bundle_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> None: ...
    async def bundle_items(self, creator_id: uuid.UUID, bundle_id: uuid.UUID) -> list[Media]: ...
    async def bundles_of(self, creator_id: uuid.UUID, media_id: uuid.UUID) -> list[uuid.UUID]: ...

    # plans using media (read model of posts and mass messages)
    async def apply_plan(self, change: PlanChange) -> None: ...
    async def plans_using(self, creator_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> list[tuple[str, uuid.UUID]]:
        """(kind, id) of the scheduled posts and mass messages naming any of ``media_ids``."""
        ...
