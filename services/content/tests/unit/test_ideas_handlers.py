"""Content ideas on fakes: a request stored with its ideas.requested in one transaction; the ai's
answer kept once per request (a redelivery stores nothing twice); edits, dismissal, acceptance into
the calendar (a drop or a note, with its content.planned) — each creator sees only their own."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from content import ideas_handlers as handlers
from content.consumers import subscriptions
from content.ideas import Idea, IdeaRefused, IdeaRequest, IdeaStatus, RequestStatus, Target, idea_id
from content.ideas_ports import IdeasPosition
from huntaze_events import Idea as IdeaIn
from huntaze_events import IdeasGenerated
from huntaze_testkit.fakes import FakeUnitOfWork, FakeWorker, envelope

from .fake_calendar import FakeCalendar

CREATOR, OTHER, USER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
AT = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)


class FakeIdeas(FakeCalendar):
    """The ideas tables in memory (with the SQL adapter's semantics), and the calendar's."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: dict[uuid.UUID, IdeaRequest] = {}
        self.ideas_by_id: dict[uuid.UUID, Idea] = {}

    async def add_idea_request(self, request: IdeaRequest) -> None:
        self.requests[request.id] = request

    async def idea_request(self, creator_id: uuid.UUID, request_id: uuid.UUID) -> IdeaRequest | None:
        r = self.requests.get(request_id)
        return r if r is not None and r.creator_id == creator_id else None

    async def pending_idea_requests(self, creator_id: uuid.UUID, limit: int) -> list[IdeaRequest]:
        mine = [r for r in self.requests.values() if r.creator_id == creator_id and r.status is RequestStatus.PENDING]
        return sorted(mine, key=lambda r: (r.requested_at, r.id), reverse=True)[:limit]

    async def finish_idea_request(
        self, creator_id: uuid.UUID, request_id: uuid.UUID, *, provider: str, model: str | None, at: datetime
    ) -> bool:
        r = await self.idea_request(creator_id, request_id)
        if r is None or r.status is RequestStatus.DONE:
            return False
        self.requests[request_id] = replace(r, status=RequestStatus.DONE, provider=provider, model=model, done_at=at)
        return True

    async def add_ideas(self, ideas: Sequence[Idea]) -> int:
        new = [i for i in ideas if i.id not in self.ideas_by_id]
        self.ideas_by_id.update({i.id: i for i in new})
        return len(new)

    async def idea(self, creator_id: uuid.UUID, idea_id: uuid.UUID, *, for_update: bool = False) -> Idea | None:
        i = self.ideas_by_id.get(idea_id)
        return i if i is not None and i.creator_id == creator_id else None

    async def ideas(
        self,
        creator_id: uuid.UUID,
        *,
        status: IdeaStatus | None,
        target: Target | None,
        request_id: uuid.UUID | None,
        after: IdeasPosition | None,
        limit: int,
    ) -> list[Idea]:
        mine = [
            i
            for i in self.ideas_by_id.values()
            if i.creator_id == creator_id
            and (status is None or i.status is status)
            and (target is None or i.target == target)
            and (request_id is None or i.request_id == request_id)
        ]
        mine.sort(key=lambda i: (-i.created_at.timestamp(), -i.request_id.int, i.position))
        if after is not None:
            key = (-after[0].timestamp(), -after[1].int, after[2])
            mine = [i for i in mine if (-i.created_at.timestamp(), -i.request_id.int, i.position) > key]
        return mine[:limit]

    async def save_idea(self, idea: Idea) -> None:
        self.ideas_by_id[idea.id] = idea


def answer(request_id: uuid.UUID, *titles: str, creator: uuid.UUID = CREATOR, target: str = "onlyfans") -> object:
    return envelope(
        IdeasGenerated(
            request_id=request_id,
            target=target,  # type: ignore[arg-type]
            ideas=[
                IdeaIn(title=t, body=f"{t}, body", hashtags=["#a"], grounded_on=["best-selling theme: beach"])
                for t in titles
            ],
            provider="offline",
        ),
        producer="ai",
        creator_id=creator,
    )


async def asked(
    repo: FakeIdeas, count: int = 3, target: Target = "onlyfans", creator: uuid.UUID = CREATOR
) -> tuple[IdeaRequest, FakeUnitOfWork[FakeIdeas]]:
    uow = FakeUnitOfWork(repo, producer="content")
    request = await handlers.request_ideas(uow, creator, USER, target=target, count=count, theme="beach")
    return request, uow


async def test_a_request_is_stored_pending_with_its_event_in_one_commit() -> None:
    repo = FakeIdeas()
    request, uow = await asked(repo, count=4, target="tiktok")
    assert uow.commits == 1 and repo.requests[request.id].status is RequestStatus.PENDING
    (event,) = uow.events
    assert event.type == "ideas.requested" and event.creator_id == CREATOR
    p = event.payload
    assert (p.request_id, p.target, p.count, p.theme, p.requested_by) == (request.id, "tiktok", 4, "beach", USER)


async def test_the_answer_is_kept_once_and_the_request_is_done() -> None:
    repo = FakeIdeas()
    request, _ = await asked(repo, count=2)
    worker = FakeWorker(repo, producer="content", subscriptions=subscriptions())
    generated = answer(request.id, "Beach drop", "Beach bundle", "One too many")
    await worker.deliver(generated)
    await worker.deliver(generated)  # redelivered
    kept = sorted(repo.ideas_by_id.values(), key=lambda i: i.position)
    assert [i.title for i in kept] == ["Beach drop", "Beach bundle"]  # never more than asked
    assert [i.id for i in kept] == [idea_id(request.id, 0), idea_id(request.id, 1)]
    assert kept[0].grounded_on == ("best-selling theme: beach",) and kept[0].status is IdeaStatus.NEW
    done = repo.requests[request.id]
    assert done.status is RequestStatus.DONE and done.provider == "offline"
    assert await repo.pending_idea_requests(CREATOR, 20) == []

    # a person edits an idea; a late redelivery of the answer does not undo it
    uow = FakeUnitOfWork(repo, producer="content")
    await handlers.edit_idea(uow, CREATOR, kept[0].id, title="Sunset beach drop")
    await worker.deliver(generated)
    assert repo.ideas_by_id[kept[0].id].title == "Sunset beach drop" and len(repo.ideas_by_id) == 2


async def test_an_answer_to_another_creators_request_is_dropped() -> None:
    repo = FakeIdeas()
    request, _ = await asked(repo)
    worker = FakeWorker(repo, producer="content", subscriptions=subscriptions())
    await worker.deliver(answer(request.id, "Stolen", creator=OTHER))
    assert repo.ideas_by_id == {} and repo.requests[request.id].status is RequestStatus.PENDING


async def test_edit_dismiss_and_the_tenant_wall() -> None:
    repo = FakeIdeas()
    request, _ = await asked(repo)
    worker = FakeWorker(repo, producer="content", subscriptions=subscriptions())
    await worker.deliver(answer(request.id, "Beach drop"))
    first = idea_id(request.id, 0)
    uow = FakeUnitOfWork(repo, producer="content")
    edited = await handlers.edit_idea(uow, CREATOR, first, body="New body", hashtags=("#beach",))
    assert (edited.title, edited.body, edited.hashtags) == ("Beach drop", "New body", ("#beach",))
    dismissed = await handlers.edit_idea(uow, CREATOR, first, status=IdeaStatus.DISMISSED)
    assert dismissed.status is IdeaStatus.DISMISSED and uow.events == []
    with pytest.raises(handlers.IdeaNotFound):
        await handlers.edit_idea(uow, OTHER, first, title="mine now")
    with pytest.raises(IdeaRefused) as refused:
        await handlers.edit_idea(uow, CREATOR, first, status=IdeaStatus.ACCEPTED)
    assert refused.value.code == "use_accept"
    assert repo.ideas_by_id[first].title == "Beach drop"


@pytest.mark.parametrize(
    ("target", "kind", "title"), [("onlyfans", "drop", "Beach drop"), ("x", "note", "X idea: Beach drop")]
)
async def test_accepting_plans_it_in_the_calendar_once(target: Target, kind: str, title: str) -> None:
    repo = FakeIdeas()
    request, _ = await asked(repo, target=target)
    worker = FakeWorker(repo, producer="content", subscriptions=subscriptions())
    await worker.deliver(answer(request.id, "Beach drop", target=target))
    first = idea_id(request.id, 0)
    uow = FakeUnitOfWork(repo, producer="content")
    planned = await handlers.accept_idea(uow, CREATOR, first, AT)
    assert planned.status is IdeaStatus.ACCEPTED and planned.planned_for == AT and uow.commits == 1
    entry = repo.entries[(CREATOR, planned.calendar_item_id)]
    assert (entry.kind, entry.title, entry.starts_at, entry.status, entry.source) == (
        kind,
        title,
        AT,
        "planned",
        "content",
    )
    (event,) = uow.events
    assert event.type == "content.planned" and event.payload.item_id == planned.calendar_item_id

    again = FakeUnitOfWork(repo, producer="content")
    with pytest.raises(IdeaRefused) as refused:
        await handlers.accept_idea(again, CREATOR, first, AT)
    assert refused.value.code == "idea_accepted" and again.events == []
    with pytest.raises(IdeaRefused):
        await handlers.edit_idea(again, CREATOR, first, status=IdeaStatus.DISMISSED)
    with pytest.raises(handlers.IdeaNotFound):
        await handlers.accept_idea(again, OTHER, first, AT)
