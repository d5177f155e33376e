"""Use cases of content ideas: ask the ai (``ideas.requested`` through the outbox, in the request's
transaction), keep its answer once (``ideas.generated``), edit, dismiss, accept into the calendar."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from huntaze_events import Envelope, IdeasGenerated, IdeasRequested
from huntaze_service import Subscriptions, UnitOfWork

from . import moves
from .calendar import MAX_TITLE
from .ideas import Idea, IdeaRequest, IdeaStatus, Target, accepted, edited, idea_id
from .ports import ContentRepository

Uow = UnitOfWork[ContentRepository]
log = logging.getLogger("content.ideas")
NETWORKS = {"onlyfans": "OnlyFans", "instagram": "Instagram", "tiktok": "TikTok", "x": "X", "reddit": "Reddit"}


class IdeaNotFound(LookupError):
    """No such idea or request for this creator (another creator's answers the same)."""


async def request_ideas(
    uow: Uow, creator_id: uuid.UUID, user_id: uuid.UUID, *, target: Target, count: int, theme: str | None
) -> IdeaRequest:
    """Stores the request (pending) and emits ``ideas.requested``, in one transaction."""
    request = IdeaRequest(
        id=uuid.uuid4(),
        creator_id=creator_id,
        target=target,
        count=count,
        theme=theme,
        requested_by=user_id,
        requested_at=uow.now(),
    )
    await uow.repo.add_idea_request(request)
    uow.emit(
        IdeasRequested(request_id=request.id, target=target, count=count, theme=theme, requested_by=user_id),
        creator_id=creator_id,
    )
    await uow.commit()
    return request


async def store_generated(uow: Uow, event: Envelope[IdeasGenerated]) -> None:
    """Keeps the ai's ideas of a request (at most the count asked) and marks it done — once: a
    redelivered answer finds them stored (same ids) and changes nothing. An answer to a request this
    creator never made (another tenant's id) is dropped."""
    answer = event.payload
    request = await uow.repo.idea_request(event.creator_id, answer.request_id)
    if request is None:
        log.warning("ideas.generated for unknown request %s of creator %s", answer.request_id, event.creator_id)
        return
    now = uow.now()
    ideas = [
        Idea(
            id=idea_id(request.id, position),
            creator_id=request.creator_id,
            request_id=request.id,
            position=position,
            target=request.target,
            title=idea.title,
            body=idea.body,
            hashtags=tuple(idea.hashtags),
            grounded_on=tuple(idea.grounded_on),
            created_at=request.requested_at,
            updated_at=now,
        )
        for position, idea in enumerate(answer.ideas[: request.count])
    ]
    await uow.repo.add_ideas(ideas)
    await uow.repo.finish_idea_request(
        request.creator_id, request.id, provider=answer.provider, model=answer.model, at=now
    )


async def edit_idea(
    uow: Uow,
    creator_id: uuid.UUID,
    idea: uuid.UUID,
    *,
    title: str | None = None,
    body: str | None = None,
    hashtags: tuple[str, ...] | None = None,
    status: IdeaStatus | None = None,
) -> Idea:
    """A person's edit (text, hashtags) or dismissal; raises IdeaNotFound, IdeaRefused."""
    current = await uow.repo.idea(creator_id, idea, for_update=True)
    if current is None:
        raise IdeaNotFound(idea)
    changed = edited(current, now=uow.now(), title=title, body=body, hashtags=hashtags, status=status)
    await uow.repo.save_idea(changed)
    await uow.commit()
    return changed


async def accept_idea(uow: Uow, creator_id: uuid.UUID, idea: uuid.UUID, starts_at: datetime) -> Idea:
    """The idea accepted and planned in the calendar at ``starts_at``, in one transaction (the idea's
    new status, its calendar item and that item's ``content.planned``)."""
    current = await uow.repo.idea(creator_id, idea, for_update=True)
    if current is None:
        raise IdeaNotFound(idea)
    planned = accepted(current, starts_at=starts_at.astimezone(UTC), now=uow.now())
    await uow.repo.save_idea(planned)
    await plan_from_idea(uow, creator_id, planned, starts_at.astimezone(UTC))
    if not uow.committed:  # the calendar item was planned already (same id): the idea is saved here
        await uow.commit()
    return planned


async def plan_from_idea(uow: Uow, creator_id: uuid.UUID, idea: Idea, starts_at: datetime) -> uuid.UUID:
    """The calendar item an accepted idea becomes, through the calendar's own use case (the
    ``calendar_entries`` row and its ``content.planned``, committed with the caller's changes): an
    OnlyFans idea is a ``drop``, an idea for a social network a ``note`` named for it (a post needs
    an account: it is scheduled from the note). Its id is fixed by the idea: planning it again
    changes nothing. Returns the item's id."""
    assert idea.calendar_item_id is not None
    kind: moves.ItemKind = "drop" if idea.target == "onlyfans" else "note"
    title = idea.title if kind == "drop" else f"{NETWORKS[idea.target]} idea: {idea.title}"
    entry = await moves.plan_item(uow, creator_id, kind, title[:MAX_TITLE], starts_at, item_id=idea.calendar_item_id)
    return entry.entry_id


def subscribe(subs: Subscriptions) -> None:
    """The ideas part of the content workers (``consumers.subscriptions`` calls it)."""

    @subs.on(IdeasGenerated, name="ideas_generated")
    async def ideas_generated(uow: Uow, event: Envelope[IdeasGenerated]) -> None:
        """Keeps the ideas the ai generated for a request, once, and marks the request done."""
        await store_generated(uow, event)
