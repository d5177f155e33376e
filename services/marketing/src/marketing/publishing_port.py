"""The port every network adapter implements: publish a post, and find one a previous attempt may
have published (networks take no idempotency key, so a retry after an interrupted attempt looks
first). Errors are the chassis' CallFailed: ``permanent`` for a refusal (the post ends ``failed``
with the network's reason), else retried, after ``retry_after_s`` when the network said so."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Protocol

from pydantic import BaseModel, ConfigDict


class VaultFile(BaseModel):
    """A medium of the creator's vault as publishing needs it: its file in the vault's bucket (from
    marketing's read model of ``media.uploaded``; marketing reads the bucket, never the content service)."""

    model_config = ConfigDict(frozen=True)

    media_id: uuid.UUID
    object_key: str
    content_type: str
    size_bytes: int

    @property
    def video(self) -> bool:
        return self.content_type.startswith("video/")


class VaultFiles(Protocol):
    """Read access to the vault's bucket (:mod:`.adapters.vault_s3`). Errors are CallFailed: a file
    no longer there is permanent, the store unreachable is retried."""

    async def presigned_url(self, file: VaultFile) -> str:
        """A GET URL a network pulls the file from, valid long enough for it to do so."""
        ...

    async def download(self, file: VaultFile, limit: int) -> IO[bytes]:
        """The file streamed into a spooled temporary file (memory, then disk), rewound; refused
        (permanent) past ``limit`` bytes. The caller closes it."""
        ...


@dataclass(frozen=True)
class Outgoing:
    """A post as its network receives it."""

    client_ref: uuid.UUID
    text: str
    media_ids: tuple[uuid.UUID, ...]
    title: str | None
    subreddit: str | None
    not_before: datetime
    """Its scheduled time: a post found on the network from before it is not this one."""
    media_urls: tuple[str, ...] = ()
    """Public https URLs the network fetches the media from (Instagram, TikTok)."""
    vault_files: tuple[VaultFile, ...] = ()
    """The files of ``media_ids``, in their order (resolved when the post's time came)."""

    def unresolved(self) -> bool:
        """Whether media ids came without their files (the adapters refuse: nothing to publish)."""
        return len(self.vault_files) != len(self.media_ids)


@dataclass(frozen=True)
class Published:
    network_post_id: str
    reconciled: bool = False


class NetworkAdapter(Protocol):
    name: str

    async def publish(self, credentials: dict[str, Any], post: Outgoing) -> Published: ...

    async def find(self, credentials: dict[str, Any], post: Outgoing) -> Published | None:
        """The post if a previous attempt published it, else None."""
        ...
