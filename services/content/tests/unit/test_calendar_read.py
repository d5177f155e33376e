"""The calendar's read: the window (spans running at its start included, the margin only for
conflicts), the kinds filter, and the JSON row matching the documented entry shape."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from content import calendar_handlers
from content.calendar import Entry, link_of
from content.calendar_api import EntryOut, row_of
from content.conflicts import Flag
from huntaze_testkit.fakes import Clock, FakeUnitOfWork

from .fake_calendar import FakeCalendar

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CREATOR = uuid.uuid4()


def put(repo: FakeCalendar, kind: str, at: datetime, **kw: object) -> Entry:
    entry_id = uuid.uuid4()
    entry = replace(
        Entry(CREATOR, entry_id, kind, "x", kind, at, None, "scheduled", link_of(kind, entry_id)),
        **kw,  # type: ignore[arg-type]
    )
    repo.entries[(CREATOR, entry_id)] = entry
    return entry


async def read(repo: FakeCalendar, kinds: frozenset[str] | None = None) -> list[calendar_handlers.Shown]:
    uow = FakeUnitOfWork(repo, producer="content", clock=Clock(NOW))
    return await calendar_handlers.window(uow, CREATOR, NOW, NOW + timedelta(days=1), kinds, NOW)


async def test_the_window_its_spans_and_its_margin() -> None:
    repo = FakeCalendar()
    campaign = put(repo, "campaign", NOW - timedelta(days=3), ends_at=NOW + timedelta(days=3), status="planned")
    put(repo, "campaign", NOW - timedelta(days=3), ends_at=NOW - timedelta(days=1))  # over before the window
    teaser = put(repo, "post", NOW - timedelta(hours=5), network="x")  # in the margin only
    drop = put(repo, "drop", NOW + timedelta(hours=2), status="planned")
    late = put(repo, "mass_message", NOW + timedelta(days=1, hours=1), segments=("whales",))  # margin after
    mass = put(repo, "mass_message", NOW + timedelta(hours=23), segments=("whales",))
    put(repo, "note", NOW + timedelta(days=1))  # `to` is excluded
    shown = await read(repo)
    assert [s.entry.entry_id for s in shown] == [campaign.entry_id, drop.entry_id, mass.entry_id]
    assert shown[0].status == "active"
    # conflicts see the margin: the drop is teased by a post before the window, the mass message
    # conflicts with one just after it
    assert shown[1].conflicts == []
    assert [f.code for f in shown[2].conflicts] == ["segment_overlap"]
    assert teaser.entry_id not in {s.entry.entry_id for s in shown} and late.entry_id not in {
        s.entry.entry_id for s in shown
    }
    only = await read(repo, frozenset({"drop"}))
    assert [s.entry.entry_id for s in only] == [drop.entry_id] and only[0].conflicts == []


async def test_the_json_row_is_the_documented_entry() -> None:
    entry = Entry(
        CREATOR, uuid.uuid4(), "mass_message", "inbox", "Hi ✨", NOW, None, "sent", "/v1/inbox/mass-messages/x",
        segments=("whales",), media_ids=(uuid.uuid4(),), result_cents=1961, currency="USD", revision=3,
        pending_command_id=uuid.uuid4(), pending_starts_at=NOW + timedelta(hours=1),
        details={"refusal": {"reason": "already sending"}},
    )  # fmt: skip
    flags = [Flag("segment_overlap", "text")]
    row = row_of(entry, "sent", flags)
    assert EntryOut.model_validate(row) == EntryOut.of(entry, "sent", flags)
    assert row["result"] == {"cents": 1961, "currency": "USD"} and row["refusal"] == "already sending"
    assert row["pending"] is True and row["starts_at"] == "2026-12-01T12:00:00Z"
