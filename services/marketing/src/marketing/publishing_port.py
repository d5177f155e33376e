"""The port every network adapter implements: publish a post, and find one a previous attempt may
have published (networks take no idempotency key, so a retry after an interrupted attempt looks
first). Errors are the chassis' CallFailed: ``permanent`` for a refusal (the post ends ``failed``
with the network's reason), else retried, after ``retry_after_s`` when the network said so."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


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
