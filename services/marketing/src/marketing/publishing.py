"""Publishing a scheduled post at its time, once.

Flow (each arrow one transaction, the network call outside any)::

    schedule / edit ─▶ timer publish_post (key: the post) at publish_at   cancel ─▶ the timer dropped
    timer fires ─▶ the post ``publishing`` + external call publish_to_network (key: its client_ref),
        with the files of its vault media from the read model (a medium still unknown, without its
        file or deleted by then: the post ``failed`` + post.failed, nothing sent)
    the call (a worker, no transaction): the network's adapter publishes; after a crash of the
        replica making it, ``reconcile`` first looks the post up on the network (no network takes an
        idempotency key) and only publishes when it is not there
    outcome ─▶ ``published`` with the network's id + post.published, or ``failed`` with the
        network's reason + post.failed (refused at once, or still failing after the retries; a 429
        waits for the time the network gave)

Any number of worker replicas: a timer and a call are claimed by one at a time (the chassis' leases).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from pydantic import AwareDatetime, BaseModel

from huntaze_events import PostFailed, PostPublished
from huntaze_service import Call, Timer

from .domain import Post, PostStatus
from .networks import Network
from .ports import Uow
from .publishing_port import Outgoing, Published, VaultFile

PUBLISH_DUE = "publish_post"
PUBLISH = "publish_to_network"


class PublishCall(BaseModel):
    """What the call needs, fixed when the post's time came (the credentials stay sealed)."""

    post_id: uuid.UUID
    account_id: uuid.UUID
    network: Network
    sealed_credentials: str
    client_ref: uuid.UUID
    text: str
    media_ids: list[uuid.UUID]
    media_urls: list[str] = []
    vault_files: list[VaultFile] = []
    """The files of ``media_ids`` (read model), in their order."""
    title: str | None = None
    subreddit: str | None = None
    not_before: AwareDatetime

    def outgoing(self) -> Outgoing:
        return Outgoing(
            self.client_ref,
            self.text,
            tuple(self.media_ids),
            self.title,
            self.subreddit,
            self.not_before,
            tuple(self.media_urls),
            tuple(self.vault_files),
        )


def schedule_publication(uow: Uow, post: Post) -> None:
    """(Re)sets the post's timer to its publish time."""
    uow.schedule(PUBLISH_DUE, key=str(post.id), at=post.publish_at, tenant=post.creator_id)


def drop_publication(uow: Uow, post: Post) -> None:
    uow.cancel(PUBLISH_DUE, key=str(post.id))


async def due(uow: Uow, timer: Timer[None]) -> None:
    """The post's time came: ``publishing``, and the call recorded (nothing if it was cancelled or
    moved meanwhile — a moved post has its own timer)."""
    post = await uow.repo.post(timer.tenant, uuid.UUID(timer.key), lock=True)
    if post is None or post.status is not PostStatus.SCHEDULED or post.publish_at > uow.now():
        return
    sealed = await uow.repo.sealed_credentials(post.creator_id, post.account_id)
    if sealed is None:
        await _fail(uow, post, "the account was removed")
        return
    c = post.content
    files = await vault_files(uow, post)
    if isinstance(files, str):
        await _fail(uow, post, files)
        return
    await uow.repo.save_post(_with(post, PostStatus.PUBLISHING, uow.now()))
    uow.call(
        PUBLISH,
        key=str(post.client_ref),
        payload=PublishCall(
            post_id=post.id,
            account_id=post.account_id,
            network=post.network,
            sealed_credentials=sealed.decode("ascii"),
            client_ref=post.client_ref,
            text=c.text(),
            media_ids=list(c.media_ids),
            media_urls=list(c.media_urls),
            vault_files=files,
            title=c.title,
            subreddit=c.subreddit,
            not_before=post.publish_at,
        ),
        tenant=post.creator_id,
    )


async def vault_files(uow: Uow, post: Post) -> list[VaultFile] | str:
    """The files of the post's vault media, from marketing's read model of the vault, or why it
    cannot be published (the reason its ``post.failed`` gives)."""
    ids = post.content.media_ids
    known = await uow.repo.vault_media(ids) if ids else {}
    files: list[VaultFile] = []
    for media_id in ids:
        medium = known.get(media_id)
        if medium is None or medium.creator_id != post.creator_id:
            return f"media {media_id} is not in this creator's vault (the vault never announced it)"
        if medium.deleted:
            return f"media {media_id} was deleted from the vault"
        if not medium.has_file:
            return f"media {media_id}: the vault has not announced its file (a bundle, or announced before files were)"
        assert medium.object_key and medium.content_type and medium.size_bytes
        files.append(VaultFile(media_id=media_id, object_key=medium.object_key,
                               content_type=medium.content_type, size_bytes=medium.size_bytes))  # fmt: skip
    return files


async def record_published(uow: Uow, call: Call[PublishCall], published: Published) -> None:
    post = await uow.repo.post(call.tenant, call.payload.post_id, lock=True)
    if post is None or post.status is not PostStatus.PUBLISHING:
        return  # recorded already (the outcome is recorded once; a repeat changes nothing)
    now = uow.now()
    done = _with(post, PostStatus.PUBLISHED, now, network_post_id=published.network_post_id, published_at=now)
    await uow.repo.save_post(done)
    uow.emit(
        PostPublished(
            post_id=post.id,
            account_id=post.account_id,
            network=post.network.value,
            network_post_id=published.network_post_id,
            scheduled_for=post.publish_at,
            published_at=now,
            media_ids=list(post.content.media_ids),
            reconciled=published.reconciled,
        ),
        creator_id=post.creator_id,
    )


async def record_failure(uow: Uow, call: Call[PublishCall], reason: str) -> None:
    post = await uow.repo.post(call.tenant, call.payload.post_id, lock=True)
    if post is None or post.status is not PostStatus.PUBLISHING:
        return
    await _fail(uow, post, reason)


async def _fail(uow: Uow, post: Post, reason: str) -> None:
    await uow.repo.save_post(_with(post, PostStatus.FAILED, uow.now(), error=reason[:500]))
    uow.emit(
        PostFailed(
            post_id=post.id,
            account_id=post.account_id,
            network=post.network.value,
            scheduled_for=post.publish_at,
            reason=reason[:500],
        ),
        creator_id=post.creator_id,
    )


def _with(post: Post, status: PostStatus, now: datetime, **changes: object) -> Post:
    return replace(post, status=status, updated_at=now, **changes)  # type: ignore[arg-type]
