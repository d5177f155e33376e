"""Rules of the marketing service (pure): social accounts and scheduled posts.

A post is ``scheduled`` until its time; while scheduled it may be edited or cancelled. Its network's
rules (:mod:`.networks`) are checked when it is scheduled and on every edit, never first at publish
time. Publishing (next step of issue 12) moves it to ``published`` with the network's post id, or to
``failed`` with the network's reason. ``client_ref`` is our reference for the post on the network, so
a publication interrupted between the network's answer and our commit can be found there again.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from .networks import Draft, Network, check

MAX_HANDLE = 64
MAX_CAPTION = 40_000
MAX_CTA = 200
MAX_MEDIA = 35
PAST_GRACE = timedelta(seconds=60)
"""A publish time this far in the past is refused (a clock a little behind is not)."""
MAX_AHEAD = timedelta(days=366)
_HANDLE = re.compile(r"^@?[A-Za-z0-9_.\-]{1,64}$")
_MEDIA_URL = re.compile(r"^https://[A-Za-z0-9.\-]+(:443)?/[^\s@]{0,2000}$")


class Refused(ValueError):
    """A request the rules refuse (answered 422 with ``code``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class PlanRefused(Refused):
    """A network the organisation's plan does not include (``marketing_networks``): answered 402
    ``plan_limit``; a calendar command names it in its refusal like any other."""

    def __init__(self, message: str) -> None:
        super().__init__("plan_limit", message)


class Conflict(Exception):
    """The thing is not in a state that allows it (answered 409 with ``code``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    creator_id: uuid.UUID
    network: Network
    handle: str
    created_at: datetime


def new_account(creator_id: uuid.UUID, network: Network, handle: str, now: datetime) -> Account:
    handle = handle.strip()
    if not _HANDLE.match(handle):
        raise Refused("invalid_handle", "a handle is 1 to 64 letters, digits, '_', '.' or '-' (an optional '@' first)")
    return Account(uuid.uuid4(), creator_id, network, handle.removeprefix("@"), now)


class PostStatus(StrEnum):
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Content:
    """What a post says: the part a person writes and may edit while it is scheduled."""

    caption: str
    media_ids: tuple[uuid.UUID, ...] = ()
    """Media of the creator's vault (the content service, issue 13)."""
    cta: str | None = None
    """A call-to-action line appended to the caption when published."""
    title: str | None = None
    subreddit: str | None = None
    media_urls: tuple[str, ...] = ()
    """Media from public https URLs: Instagram and TikTok fetch them; for X the worker fetches and
    uploads them (Reddit refuses them)."""

    def text(self) -> str:
        return f"{self.caption}\n{self.cta}" if self.cta else self.caption

    def checked(self, network: Network) -> Content:
        if len(set(self.media_ids)) != len(self.media_ids) or len(set(self.media_urls)) != len(self.media_urls):
            raise Refused("duplicate_media", "a medium appears twice")
        if self.media_ids and network is Network.REDDIT:
            raise Refused("media_not_supported", "reddit posts take no media from the vault yet")
        if self.media_urls and network is Network.REDDIT:  # X: fetched and uploaded when published
            raise Refused(
                "media_urls_not_supported",
                f"{network.value} takes uploaded media, not URLs: use media_ids (the media vault)",
            )
        for url in self.media_urls:
            if not _MEDIA_URL.match(url):
                raise Refused("invalid_media_url", "a media URL is a public https URL (no spaces, no credentials)")
        subreddit = self.subreddit.strip().removeprefix("r/") if self.subreddit else None
        content = replace(self, subreddit=subreddit, title=self.title.strip() if self.title else None)
        try:
            media = len(self.media_ids) + len(self.media_urls)
            check(Draft(network, content.text(), media, content.title, content.subreddit))
        except ValueError as exc:
            raise Refused(getattr(exc, "code", "invalid_post"), str(exc)) from None
        return content


@dataclass(frozen=True)
class Post:
    id: uuid.UUID
    creator_id: uuid.UUID
    account_id: uuid.UUID
    network: Network
    content: Content
    publish_at: datetime
    status: PostStatus
    client_ref: uuid.UUID
    created_at: datetime
    updated_at: datetime
    network_post_id: str | None = None
    error: str | None = None
    published_at: datetime | None = None
    campaign_id: uuid.UUID | None = None
    cta_test_id: uuid.UUID | None = None
    """The posts of one CTA test share it (the first variant's id); None: not a test."""
    variant: str | None = None
    """A, B, C or D within its CTA test."""
    revision: int = 1
    """Grows by one at every change of its plan (an edit, a move, a cancel): ``post.scheduled``'s."""
    command_id: uuid.UUID | None = None
    """The calendar command (``post.requested``) that made it, if any: one post per command."""


def _check_time(publish_at: datetime, now: datetime) -> None:
    if publish_at < now - PAST_GRACE:
        raise Refused("publish_at_in_past", "publish_at is in the past")
    if publish_at > now + MAX_AHEAD:
        raise Refused("publish_at_too_far", "publish_at is at most a year ahead")


def schedule(
    account: Account, content: Content, publish_at: datetime, now: datetime, campaign_id: uuid.UUID | None = None
) -> Post:
    _check_time(publish_at, now)
    return Post(
        id=uuid.uuid4(),
        creator_id=account.creator_id,
        account_id=account.id,
        network=account.network,
        content=content.checked(account.network),
        publish_at=max(publish_at, now),
        status=PostStatus.SCHEDULED,
        client_ref=uuid.uuid4(),
        created_at=now,
        updated_at=now,
        campaign_id=campaign_id,
    )


def edit(post: Post, content: Content | None, publish_at: datetime | None, now: datetime) -> Post:
    if post.status is not PostStatus.SCHEDULED:
        raise Conflict("not_editable", f"a {post.status.value} post cannot be edited")
    if publish_at is not None:
        _check_time(publish_at, now)
    return replace(
        post,
        content=(content or post.content).checked(post.network),
        publish_at=post.publish_at if publish_at is None else max(publish_at, now),
        updated_at=now,
        revision=post.revision + 1,
    )


def cancel(post: Post, now: datetime) -> Post:
    if post.status is not PostStatus.SCHEDULED:
        raise Conflict("not_cancellable", f"a {post.status.value} post cannot be cancelled")
    return replace(post, status=PostStatus.CANCELLED, updated_at=now, revision=post.revision + 1)
