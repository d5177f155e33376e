"""The media vault's read model on fakes (:mod:`huntaze_service.vault_media`), for the unit tests of
every service that keeps it: the in-memory repository mixin and the content service's two events.

    class FakeMarketingRepository(FakeVaultMedia, FakeLinks): ...
    await worker.deliver(media_uploaded(media_id, owner), media_updated(media_id, owner, 2, deleted=True))
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from huntaze_events import MediaUpdated, MediaUploaded
from huntaze_service.vault_media import VaultMedium, merged

from .fakes import envelope


class FakeVaultMedia:
    """The read model in memory, with the SQL adapter's semantics (:func:`merged`: the highest
    revision wins, the first owner keeps the id, the file's fields kept once known). A mixin of a
    service's fake repository."""

    def __init__(self) -> None:
        super().__init__()
        self.vault: dict[uuid.UUID, VaultMedium] = {}

    async def record_vault_medium(self, medium: VaultMedium) -> None:
        stored = merged(medium, self.vault.get(medium.media_id))
        if stored is not None:
            self.vault[medium.media_id] = stored

    async def vault_media(self, media_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, VaultMedium]:
        return {i: self.vault[i] for i in media_ids if i in self.vault}


def media_uploaded(
    media_id: uuid.UUID, owner: uuid.UUID, content_type: str = "image/jpeg", size_bytes: int = 1234
) -> Any:
    """``media.uploaded`` of ``owner``'s photo (or the type given), as the content service emits it:
    its file at ``creators/<owner>/uploads/<media_id>``."""
    payload = MediaUploaded(
        media_id=media_id,
        kind="video" if content_type.startswith("video/") else "photo",
        content_type=content_type,
        size_bytes=size_bytes,
        sha256="a" * 64,
        title="beach",
        uploaded_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        object_key=f"creators/{owner}/uploads/{media_id}",
    )
    return envelope(payload, producer="content", creator_id=owner)


def media_updated(media_id: uuid.UUID, owner: uuid.UUID, revision: int, *, deleted: bool = False) -> Any:
    """``media.updated`` at ``revision`` (>= 1) of ``owner``'s photo, deleted or not."""
    payload = MediaUpdated(media_id=media_id, revision=revision, kind="photo", title="beach", deleted=deleted)
    return envelope(payload, producer="content", creator_id=owner)
