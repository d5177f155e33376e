"""Content ideas on fakes: the read model from events, ideas.requested → a recorded call (the writer
is never called inside the consumer's transaction) → ideas.generated once per request, whatever is
redelivered or made twice after a worker died."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ai.adapters.offline import OfflineProvider
from ai.adapters.offline_ideas import OfflineIdeas
from ai.consumers import subscriptions
from ai.ideas import WRITE_IDEAS, IdeaBrief, IdeasWritten
from huntaze_events import (
    ConversionTracked,
    FanRef,
    FanSegmentChanged,
    IdeasRequested,
    MediaUpdated,
    MediaUploaded,
    OfferBy,
    PostPublished,
    PpvUnlocked,
    TransactionRecorded,
)
from huntaze_testkit.fakes import FakeWorker, TimerRow, envelope

from .fakes import FakeAiRepository as FakeIdeasRepository

CREATOR, OTHER = uuid.uuid4(), uuid.uuid4()
T0 = datetime(2026, 11, 1, 21, 15, tzinfo=UTC)


class CountingWriter:
    name = "counting"

    def __init__(self) -> None:
        self.briefs: list[IdeaBrief] = []
        self.offline = OfflineIdeas()

    async def ideas(self, creator_id: uuid.UUID, brief: IdeaBrief) -> IdeasWritten:
        self.briefs.append(brief)
        return await self.offline.ideas(creator_id, brief)


def media(media_id: uuid.UUID, title: str, tags: list[str], creator: uuid.UUID = CREATOR) -> object:
    return envelope(
        MediaUploaded(
            media_id=media_id,
            kind="photo",
            content_type="image/jpeg",
            size_bytes=10,
            sha256="0" * 64,
            title=title,
            tags=tags,
            uploaded_at=T0,
        ),
        producer="content",
        creator_id=creator,
    )


def unlock(media_ids: list[uuid.UUID], net: int, fan: uuid.UUID, creator: uuid.UUID = CREATOR) -> object:
    return envelope(
        PpvUnlocked(
            offer_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            fan_id=fan,
            transaction_id=uuid.uuid4(),
            price_cents=net + net // 4,
            gross_cents=net + net // 4,
            net_cents=net,
            currency="USD",
            media_ids=media_ids,
            by=OfferBy(),
            offered_at=T0,
            unlocked_at=T0,
        ),
        producer="inbox",
        creator_id=creator,
    )


def sale(net: int, fan: uuid.UUID, at: datetime, creator: uuid.UUID = CREATOR) -> object:
    return envelope(
        TransactionRecorded(
            transaction_id=uuid.uuid4(),
            fan_id=fan,
            fan=FanRef(fan_id=fan, external_id="f", display_name="F"),
            type="message",
            gross_cents=net + net // 4,
            fee_cents=net // 4,
            net_cents=net,
            currency="USD",
            occurred_at=at,
            source="connector",
        ),
        producer="fans",
        creator_id=creator,
    )


def asked(count: int = 3, target: str = "instagram", creator: uuid.UUID = CREATOR) -> object:
    return envelope(
        IdeasRequested(request_id=uuid.uuid4(), target=target, count=count, requested_by=uuid.uuid4()),  # type: ignore[arg-type]
        producer="content",
        creator_id=creator,
    )


def field_of(event: object, name: str) -> object:
    if not hasattr(event, "payload"):
        raise AssertionError(f"not an envelope: {event!r}")
    return getattr(event.payload, name)


async def a_creator_who_sells(worker: FakeWorker[FakeIdeasRepository]) -> None:
    beach, gym = uuid.uuid4(), uuid.uuid4()
    whale, fan = uuid.uuid4(), uuid.uuid4()
    post = uuid.uuid4()
    await worker.deliver(media(beach, "Golden hour", ["beach", "sunset"]), media(gym, "Leg day", ["gym"]))
    await worker.deliver(
        envelope(
            MediaUpdated(media_id=gym, revision=1, kind="photo", title="Leg day", tags=["gym", "fitness"]),
            producer="content",
            creator_id=CREATOR,
        )
    )
    await worker.deliver(unlock([beach], 4000, whale), unlock([beach, gym], 3000, whale), unlock([gym], 1500, fan))
    await worker.deliver(
        envelope(
            FanSegmentChanged(fan_id=whale, segment="whales", change="entered", segment_name="whales", at=T0),
            producer="fans",
            creator_id=CREATOR,
        )
    )
    await worker.deliver(sale(7000, whale, T0), sale(1500, fan, T0 - timedelta(hours=12)))
    await worker.deliver(
        envelope(
            PostPublished(
                post_id=post,
                account_id=uuid.uuid4(),
                network="tiktok",
                network_post_id="1",
                scheduled_for=T0,
                published_at=T0 - timedelta(days=2),
            ),
            producer="marketing",
            creator_id=CREATOR,
        ),
        envelope(
            ConversionTracked(
                fan_id=fan,
                link_id=uuid.uuid4(),
                post_id=post,
                network="tiktok",
                onlyfans_link="https://onlyfans.com/x",
                converted_at=T0 - timedelta(days=1),
            ),
            producer="marketing",
            creator_id=CREATOR,
        ),
    )
    # another creator's much bigger sales of another theme never count for this one
    other_media = uuid.uuid4()
    await worker.deliver(media(other_media, "Cosplay", ["cosplay"], OTHER))
    await worker.deliver(unlock([other_media], 900_000, uuid.uuid4(), OTHER))


async def test_ideas_are_written_after_the_commit_from_the_creators_facts_and_emitted_once() -> None:
    writer = CountingWriter()
    repo = FakeIdeasRepository()
    worker = FakeWorker(repo, producer="ai", subscriptions=subscriptions(OfflineProvider(), idea_writer=writer))
    await a_creator_who_sells(worker)
    request = asked(count=4)
    await worker.deliver(request)
    assert writer.briefs == [], "the writer is never called inside the consumer's transaction"
    calls = {key: row for key, row in worker.timers.items() if row.write.is_call}  # (pricing has a daily timer)
    assert [k for k, _ in calls] == [WRITE_IDEAS]

    row = next(iter(calls.values()))
    assert [o[2] for o in await worker.run_calls()] == ["done"]
    (facts,) = [b.facts for b in writer.briefs]
    assert [t.tag for t in facts.themes][:2] == ["beach", "sunset"]  # 70.00 of unlocks each; gym 45.00
    assert facts.themes[0].revenue_cents == 7000 and "cosplay" not in {t.tag for t in facts.themes}
    assert [(s.segment, s.revenue_cents) for s in facts.segments] == [("whales", 7000)]
    assert facts.hours[0].hour == 21 and facts.hours[0].revenue_cents == 7000
    assert [(n.network, n.conversions, n.revenue_cents) for n in facts.networks] == [
        ("tiktok", 1, 1500)
    ]  # their sale after they came

    (generated,) = worker.emitted("ideas.generated")
    assert field_of(generated, "request_id") == field_of(request, "request_id")
    assert generated.creator_id == CREATOR and generated.causation_id == request.event_id  # type: ignore[attr-defined]
    ideas = field_of(generated, "ideas")
    assert len(ideas) == 4 and "beach" in ideas[0].title.lower()  # type: ignore[arg-type,index]
    assert field_of(generated, "provider") == "offline" and field_of(generated, "target") == "instagram"

    # the request redelivered: no second call, nothing emitted again
    await worker.deliver(request)
    assert not any(r.write.is_call for r in worker.timers.values()) and await worker.run_calls() == []
    # the call made again (a worker died after the peer answered, before recording it): emitted once
    worker.timers[(row.write.kind, row.write.key)] = TimerRow(row.write)
    assert [o[2] for o in await worker.run_calls()] == ["done"]
    assert len(writer.briefs) == 2 and len(worker.emitted("ideas.generated")) == 1
    assert len(repo.answers) == 1


async def test_redelivered_events_count_once_and_a_later_media_revision_wins() -> None:
    repo = FakeIdeasRepository()
    worker = FakeWorker(repo, producer="ai", subscriptions=subscriptions(OfflineProvider()))
    beach = uuid.uuid4()
    first = unlock([beach], 4000, uuid.uuid4())
    await worker.deliver(media(beach, "Golden hour", ["beach"]))
    await worker.deliver(first)
    await worker.deliver(first)
    stale = envelope(
        MediaUpdated(media_id=beach, revision=1, kind="photo", title="Old", tags=["old"]),
        producer="content",
        creator_id=CREATOR,
    )
    newer = envelope(
        MediaUpdated(media_id=beach, revision=2, kind="photo", title="Sunset", tags=["sunset"]),
        producer="content",
        creator_id=CREATOR,
    )
    await worker.deliver(newer)
    await worker.deliver(stale)  # out of order: changes nothing
    data = await repo.sales_data(CREATOR)
    assert len(data.unlocks) == 1 and data.media[beach].tags == ("sunset",)


async def test_a_creator_without_sales_gets_ideas_that_say_so() -> None:
    repo = FakeIdeasRepository()
    worker = FakeWorker(repo, producer="ai", subscriptions=subscriptions(OfflineProvider()))
    await worker.deliver(asked(count=2, target="reddit"))
    await worker.run_calls()
    (generated,) = worker.emitted("ideas.generated")
    ideas = field_of(generated, "ideas")
    assert [i.grounded_on for i in ideas] == [["no sales recorded yet"]] * 2  # type: ignore[attr-defined,union-attr]
