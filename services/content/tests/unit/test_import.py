"""The import use case on fakes: drops planned at once (entry + content.planned), posts asked of
marketing (post.requested with the row's id), a bad line reported without losing the others, nothing
created twice on re-import, and post rows settled by marketing's answers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from content import export_import
from content.import_rows import read_csv
from huntaze_events import PostCommandRefused, PostScheduled, make_envelope
from huntaze_service import Subscriptions
from huntaze_testkit.fakes import FakeUnitOfWork

from .fake_feed import FakeFeed

CREATOR, OTHER, USER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
ACCOUNT = uuid.uuid4()
MEDIA = uuid.uuid4()
CSV = (
    "kind,title,starts_at,media_ids,account_id,caption,publish_at,subreddit\n"
    f"drop,Beach set,2026-12-01T20:00:00Z,{MEDIA},,,,\n"
    "drop,Bad date,2026-12-32T20:00:00Z,,,,,\n"
    f"post,,,{MEDIA},{ACCOUNT},New set tonight,2026-12-01T18:00:00Z,\n"
    "drop,Beach set,2026-12-01T21:00:00+01:00,,,,,\n"  # another row (no media): its own identity
    f"drop,Beach set,2026-12-01T20:00:00Z,{MEDIA},,,,\n"  # line 2 again
).encode()


def uow_of(repo: FakeFeed) -> FakeUnitOfWork[Any]:
    subs = Subscriptions()
    export_import.subscribe(subs)
    return FakeUnitOfWork(repo, producer="content", subscriptions=subs)


async def run(repo: FakeFeed, body: bytes = CSV, creator: uuid.UUID = CREATOR) -> tuple[Any, list[Any], Any]:
    uow = uow_of(repo)
    async with uow:
        record, rows = await export_import.run_import(uow, creator, USER, "csv", read_csv(body))
        await uow.commit()
    return record, rows, uow


async def test_drops_are_planned_posts_requested_and_a_bad_date_is_reported_by_its_line() -> None:
    repo = FakeFeed()
    record, rows, uow = await run(repo)
    assert record.rows_total == 5
    assert [(r.line, r.kind, r.status) for r in rows] == [
        (2, "drop", "created"),
        (3, "drop", "invalid"),
        (4, "post", "requested"),
        (5, "drop", "created"),
        (6, "drop", "duplicate"),
    ]
    assert (
        rows[1].error
        == 'starts_at: unparseable date "2026-12-32T20:00:00Z" (ISO 8601 with an offset, e.g. 2026-12-01T20:00:00Z)'
    )
    assert rows[4].error == "same as line 2" and rows[4].row_id == rows[0].row_id
    # the drops: their entries and content.planned, in the import's transaction
    drop = repo.entries[(CREATOR, rows[0].row_id)]
    assert (drop.kind, drop.source, drop.status, drop.revision, drop.title) == (
        "drop",
        "content",
        "planned",
        1,
        "Beach set",
    )
    assert drop.starts_at == datetime(2026, 12, 1, 20, 0, tzinfo=UTC) and drop.media_ids == (MEDIA,)
    assert drop.details == {"import_id": str(record.id), "line": 2}
    planned = [e for e in uow.events if e.type == "content.planned"]
    assert [e.payload.item_id for e in planned] == [rows[0].row_id, rows[3].row_id]
    assert (
        planned[0].creator_id == CREATOR and planned[0].payload.status == "planned" and planned[0].payload.revision == 1
    )
    # the post: asked of marketing with the row's identity as its command id
    (requested,) = [e for e in uow.events if e.type == "post.requested"]
    p = requested.payload
    assert (p.command_id, p.account_id, p.caption, p.media_ids, p.requested_by) == (
        rows[2].row_id, ACCOUNT, "New set tonight", [MEDIA], USER)  # fmt: skip
    assert await repo.import_rows(record.id) == rows


async def test_re_importing_the_same_file_creates_nothing() -> None:
    repo = FakeFeed()
    await run(repo)
    entries = dict(repo.entries)
    record, rows, uow = await run(repo)
    assert [r.status for r in rows] == ["duplicate", "invalid", "duplicate", "duplicate", "duplicate"]
    assert uow.events == [] and repo.entries == entries
    # the same rows for another creator are that creator's own
    _, theirs, _ = await run(repo, creator=OTHER)
    assert [r.status for r in theirs] == ["created", "invalid", "requested", "created", "duplicate"]


async def test_post_rows_settle_when_marketing_answers() -> None:
    repo = FakeFeed()
    record, rows, _ = await run(repo)
    command = rows[2].row_id
    post_id = uuid.uuid4()
    uow = uow_of(repo)
    scheduled = PostScheduled(
        post_id=post_id, revision=1, account_id=ACCOUNT, network="x", publish_at=datetime(2026, 12, 1, 18, tzinfo=UTC),
        status="scheduled", caption_excerpt="New set", command_id=command,
    )  # fmt: skip
    async with uow:
        await export_import.settle_scheduled(uow, make_envelope(scheduled, producer="marketing", creator_id=OTHER))
        await uow.commit()
    assert (await repo.import_rows(record.id))[2].status == "requested", "another creator's answer changes nothing"
    async with uow_of(repo) as uow:
        await export_import.settle_scheduled(uow, make_envelope(scheduled, producer="marketing", creator_id=CREATOR))
        await uow.commit()
    settled = (await repo.import_rows(record.id))[2]
    assert (settled.status, settled.post_id) == ("created", post_id)
    # a refusal after that (or a redelivery) changes nothing: only a requested row settles
    refused = PostCommandRefused(command_id=command, reason="the time is in the past")
    async with uow_of(repo) as uow:
        await export_import.settle_refused(uow, make_envelope(refused, producer="marketing", creator_id=CREATOR))
        await uow.commit()
    assert (await repo.import_rows(record.id))[2].status == "created"


async def test_a_refused_post_is_reported_and_may_be_asked_again() -> None:
    repo = FakeFeed()
    record, rows, _ = await run(repo)
    refused = PostCommandRefused(command_id=rows[2].row_id, reason="no such social account")
    async with uow_of(repo) as uow:
        await export_import.settle_refused(uow, make_envelope(refused, producer="marketing", creator_id=CREATOR))
        await uow.commit()
    settled = (await repo.import_rows(record.id))[2]
    assert (settled.status, settled.error) == ("refused", "no such social account")
    _, again, uow = await run(repo)
    assert again[2].status == "requested" and [e.type for e in uow.events] == ["post.requested"]
    assert uow.events[0].payload.command_id == rows[2].row_id


async def test_scheduled_without_a_command_is_not_an_import_answer() -> None:
    repo = FakeFeed()
    _, rows, _ = await run(repo)
    plain = PostScheduled(
        post_id=uuid.uuid4(), revision=1, account_id=ACCOUNT, network="x", publish_at=datetime(2026, 12, 1, tzinfo=UTC),
        status="scheduled", caption_excerpt="x",
    )  # fmt: skip
    async with uow_of(repo) as uow:
        await export_import.settle_scheduled(uow, make_envelope(plain, producer="marketing", creator_id=CREATOR))
    assert [r.status for r in await repo.import_rows(next(iter(repo.imports)))][2] == "requested"
