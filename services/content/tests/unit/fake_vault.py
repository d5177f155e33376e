"""In-memory vault rows and object store with the SQL adapter's and S3's semantics."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import replace

from content.plans import PlanChange, merged
from content.vault import Media, MediaQuery, Upload
from content.vault_ports import Digest, InvalidParts, StoreUnavailable


class FakeVaultRepository:
    def __init__(self) -> None:
        self.uploads: dict[uuid.UUID, Upload] = {}
        self.media_rows: dict[uuid.UUID, Media] = {}
        self.bundles: dict[uuid.UUID, list[uuid.UUID]] = {}
        self.plans: dict[tuple[str, uuid.UUID], PlanChange] = {}

    async def add_upload(self, upload: Upload) -> None:
        self.uploads[upload.id] = upload

    async def upload(self, creator_id: uuid.UUID, upload_id: uuid.UUID, *, lock: bool = False) -> Upload | None:
        u = self.uploads.get(upload_id)
        return u if u is not None and u.creator_id == creator_id else None

    async def set_multipart(self, upload_id: uuid.UUID, multipart_id: str) -> None:
        self.uploads[upload_id] = replace(self.uploads[upload_id], multipart_id=multipart_id)

    async def close_upload(self, upload: Upload) -> None:
        self.uploads[upload.id] = upload

    def _live(self, creator_id: uuid.UUID) -> list[Media]:
        rows = [m for m in self.media_rows.values() if m.creator_id == creator_id and m.deleted_at is None]
        return [self._shown(m) for m in rows]

    def _shown(self, m: Media) -> Media:
        """A bundle shows its first live item's thumbnail (as the SQL adapter reads it)."""
        if m.kind != "bundle":
            return m
        items = [self.media_rows[i] for i in self.bundles.get(m.id, [])]
        thumbs = [i.thumb_key for i in items if i.deleted_at is None and i.thumb_key]
        return replace(m, thumb_key=thumbs[0] if thumbs else None)

    async def add_media(self, media: Media) -> bool:
        if media.sha256 and any(m.sha256 == media.sha256 for m in self._live(media.creator_id)):
            return False
        if media.id in self.media_rows:
            return False
        self.media_rows[media.id] = replace(media, item_ids=())
        return True

    async def media(self, creator_id: uuid.UUID, media_id: uuid.UUID, *, lock: bool = False) -> Media | None:
        return next((m for m in self._live(creator_id) if m.id == media_id), None)

    async def media_by_sha(self, creator_id: uuid.UUID, sha256: str) -> Media | None:
        return next((m for m in self._live(creator_id) if m.sha256 == sha256), None)

    async def media_many(self, creator_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[Media]:
        return [m for m in self._live(creator_id) if m.id in set(ids)]

    async def save_media(self, media: Media) -> None:
        assert self.media_rows[media.id].creator_id == media.creator_id
        self.media_rows[media.id] = replace(media, item_ids=())

    async def list_media(self, creator_id: uuid.UUID, query: MediaQuery) -> list[Media]:
        rows = sorted(self._live(creator_id), key=lambda m: (m.created_at, m.id), reverse=True)
        if query.tag is not None:
            rows = [m for m in rows if query.tag in m.tags]
        if query.kind is not None:
            rows = [m for m in rows if m.kind == query.kind]
        if query.q:
            q = query.q.casefold()
            rows = [m for m in rows if q in m.title.casefold() or q in " ".join(m.tags)]
        if query.after is not None:
            rows = [m for m in rows if (m.created_at, m.id) < query.after]
        if query.sold is not None:  # with the usage part's fake (FakeVaultWithUsage)
            sold = await self.sold_among(creator_id, [m.id for m in rows])  # type: ignore[attr-defined]
            rows = [m for m in rows if (m.id in sold) == query.sold]
        return rows[: query.limit]

    async def add_bundle_items(self, bundle_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> None:
        self.bundles[bundle_id] = list(media_ids)

    async def bundle_items(self, creator_id: uuid.UUID, bundle_id: uuid.UUID) -> list[Media]:
        live = {m.id: m for m in self._live(creator_id)}
        return [live[i] for i in self.bundles.get(bundle_id, []) if i in live]

    async def bundles_of(self, creator_id: uuid.UUID, media_id: uuid.UUID) -> list[uuid.UUID]:
        live = {m.id for m in self._live(creator_id)}
        return [b for b, items in self.bundles.items() if media_id in items and b in live]

    async def apply_plan(self, change: PlanChange) -> None:
        key = (change.kind, change.plan_id)
        self.plans[key] = merged(change, self.plans.get(key))

    async def plans_using(self, creator_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> list[tuple[str, uuid.UUID]]:
        return sorted(
            (p.kind, p.plan_id)
            for p in self.plans.values()
            if p.creator_id == creator_id and p.status == "scheduled" and set(p.media_ids) & set(media_ids)
        )


class FakeObjectStore:
    """A bucket in a dict; ``uploaded`` plays the client's PUTs."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.multipart: dict[str, dict[int, bytes]] = {}
        self.multipart_keys: dict[str, str] = {}
        self.down = False
        self.deletes: list[str] = []

    def _check(self) -> None:
        if self.down:
            raise StoreUnavailable("S3 down")

    def uploaded(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.objects[key] = (data, content_type)

    async def presign_put(self, key: str, content_type: str, size: int, ttl_s: int) -> str:
        return f"https://s3.test/{key}?put&type={content_type}&size={size}&ttl={ttl_s}"

    async def create_multipart(self, key: str, content_type: str) -> str:
        self._check()
        mid = f"mp-{uuid.uuid4().hex[:8]}"
        self.multipart[mid] = {}
        self.multipart_keys[mid] = key
        return mid

    async def presign_part(self, key: str, multipart_id: str, number: int, size: int, ttl_s: int) -> str:
        return f"https://s3.test/{key}?uploadId={multipart_id}&partNumber={number}&size={size}"

    def part(self, multipart_id: str, number: int, data: bytes) -> str:
        self.multipart[multipart_id][number] = data
        return hashlib.md5(data).hexdigest()

    async def complete_multipart(self, key: str, multipart_id: str, parts: Sequence[tuple[int, str]] | None) -> bool:
        self._check()
        held = self.multipart.get(multipart_id)
        if held is None:
            return False
        numbers = sorted(held) if parts is None else [n for n, _ in sorted(parts)]
        for n, etag in parts or []:
            if n not in held or hashlib.md5(held[n]).hexdigest() != etag:
                raise InvalidParts(f"part {n}")
        if not numbers:
            raise InvalidParts("no part was uploaded")
        self.objects[key] = (b"".join(held[n] for n in numbers), "")
        del self.multipart[multipart_id]
        return True

    async def abort_multipart(self, key: str) -> None:
        self._check()
        for mid in [m for m, k in self.multipart_keys.items() if k == key and m in self.multipart]:
            del self.multipart[mid]

    async def size_of(self, key: str) -> int | None:
        self._check()
        obj = self.objects.get(key)
        return None if obj is None else len(obj[0])

    async def read_head(self, key: str, count: int) -> bytes:
        self._check()
        return self.objects[key][0][:count]

    async def digest(self, key: str, keep_up_to: int) -> Digest:
        self._check()
        data = self.objects[key][0]
        return Digest(hashlib.sha256(data).hexdigest(), len(data), data if len(data) <= keep_up_to else None)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self._check()
        self.objects[key] = (data, content_type)

    async def presign_get(self, key: str, ttl_s: int, *, content_type: str, download_as: str | None) -> str:
        return f"https://s3.test/{key}?get&ttl={ttl_s}&as={download_as}"

    async def delete(self, keys: Sequence[str]) -> None:
        self._check()
        for key in keys:
            self.deletes.append(key)
            self.objects.pop(key, None)
