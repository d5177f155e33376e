"""The vault's read model of the posts and mass messages that name media (``media_plans``): what
makes an item "in use" while a post or a mass message that names it is still scheduled.

From ``post.scheduled`` and ``massmessage.scheduled`` (status scheduled or cancelled; the highest
``revision`` wins, so redelivered or reordered events change nothing) and from their ends,
``post.published``, ``post.failed`` and ``massmessage.sent``: an end is final whatever arrives
after it (those events carry no revision; a late ``scheduled`` cannot bring the plan back)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from huntaze_events import (
    Envelope,
    MassMessageScheduled,
    MassMessageSent,
    PostFailed,
    PostPublished,
    PostScheduled,
)
from huntaze_service import Subscriptions

PlanKind = Literal["post", "massmessage"]
PlanStatus = Literal["scheduled", "cancelled", "published", "failed", "sent"]
FINAL: frozenset[str] = frozenset({"published", "failed", "sent"})


@dataclass(frozen=True)
class PlanChange:
    creator_id: uuid.UUID
    kind: PlanKind
    plan_id: uuid.UUID
    status: PlanStatus
    media_ids: tuple[uuid.UUID, ...]
    revision: int = 0
    """0 for an end (published, failed, sent): ends carry no revision and are final."""

    @property
    def final(self) -> bool:
        return self.status in FINAL


def supersedes(change: PlanChange, current: PlanChange | None) -> bool:
    """Whether ``change`` replaces what the read model holds (the rule the SQL adapter applies too)."""
    if current is None:
        return True
    if current.final:
        return False
    return change.final or change.revision > current.revision


def merged(change: PlanChange, current: PlanChange | None) -> PlanChange:
    """What the read model holds after ``change`` (an end without media keeps the plan's media)."""
    if not supersedes(change, current):
        assert current is not None
        return current
    if change.final and not change.media_ids and current is not None:
        return PlanChange(
            change.creator_id, change.kind, change.plan_id, change.status, current.media_ids, current.revision
        )
    return change


def change_of(event: Envelope[Any]) -> PlanChange:
    p = event.payload
    creator = event.creator_id
    if isinstance(p, PostScheduled):
        return PlanChange(creator, "post", p.post_id, p.status, tuple(p.media_ids), p.revision)
    if isinstance(p, PostPublished):
        return PlanChange(creator, "post", p.post_id, "published", tuple(p.media_ids))
    if isinstance(p, PostFailed):
        return PlanChange(creator, "post", p.post_id, "failed", ())
    if isinstance(p, MassMessageScheduled):
        return PlanChange(creator, "massmessage", p.mass_message_id, p.status, tuple(p.media_ids), p.revision)
    if isinstance(p, MassMessageSent):
        return PlanChange(creator, "massmessage", p.mass_message_id, "sent", tuple(p.media_ids))
    raise TypeError(f"not a plan event: {event.type}")


async def apply(uow: Any, events: Sequence[Envelope[Any]]) -> None:
    for event in events:
        await uow.repo.apply_plan(change_of(event))


def subscribe(subs: Subscriptions) -> None:
    """The vault's subscriptions: the plans that keep media in use."""
    for model, name in (
        (PostScheduled, "vault_post_scheduled"),
        (PostPublished, "vault_post_published"),
        (PostFailed, "vault_post_failed"),
        (MassMessageScheduled, "vault_massmessage_scheduled"),
        (MassMessageSent, "vault_massmessage_sent"),
    ):
        subs.on_batch(model, name=name)(_applier(name))


def _applier(name: str) -> Any:
    async def handler(uow: Any, events: Sequence[Envelope[Any]]) -> None:
        await apply(uow, events)

    handler.__name__ = name
    handler.__doc__ = "Keeps which scheduled posts and mass messages name which media (media in use)."
    return handler
