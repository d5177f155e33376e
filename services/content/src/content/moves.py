"""What a person changes in the calendar: the calendar's own items (drops and notes: stored with their
content.planned event in one transaction, revision + 1) and moves. A move of the calendar's own item
is applied at once; a move of a post or a mass message is a command to the service that owns it
(post.move_requested / massmessage.move_requested with a new command_id): the entry shows it pending
at the asked time until that service answers (its plan event naming the command, or a refusal).

Refused: campaigns, shifts and automation runs (``not_movable``, 422: they move in their own
service); what is over — published, failed, sent, done, cancelled (``already_final``, 409); a move
while another is pending (``move_pending``, 409: wait for the answer, it takes seconds); a post or a
mass message moved into the past (``in_the_past``, 422)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Literal

from huntaze_events import ContentPlanned, MassMessageMoveRequested, PostMoveRequested

from .calendar import COMMAND_KINDS, MAX_MEDIA, MAX_TITLE, OWN_KINDS, Conflict, Entry, NotFound, Refused, link_of
from .calendar_handlers import Uow

ItemKind = Literal["drop", "note"]
ItemStatus = Literal["planned", "done", "cancelled"]
_UNSET: object = object()


def _check(title: str, starts_at: datetime, ends_at: datetime | None, media_ids: tuple[uuid.UUID, ...]) -> None:
    if not title.strip() or len(title) > MAX_TITLE:
        raise Refused("bad_title", f"a title has 1 to {MAX_TITLE} characters")
    if ends_at is not None and ends_at <= starts_at:
        raise Refused("bad_times", "ends_at must be after starts_at")
    if len(media_ids) > MAX_MEDIA:
        raise Refused("too_many_media", f"at most {MAX_MEDIA} media per item")


def _planned(uow: Uow, entry: Entry) -> None:
    uow.emit(
        ContentPlanned(
            item_id=entry.entry_id,
            revision=entry.revision,
            kind=entry.kind,  # type: ignore[arg-type]
            title=entry.title,
            starts_at=entry.starts_at,
            ends_at=entry.ends_at,
            media_ids=list(entry.media_ids),
            status=entry.status,  # type: ignore[arg-type]
        ),
        creator_id=entry.creator_id,
    )


async def plan_item(
    uow: Uow,
    creator_id: uuid.UUID,
    kind: ItemKind,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    media_ids: tuple[uuid.UUID, ...] = (),
    *,
    item_id: uuid.UUID | None = None,
) -> Entry:
    """A new drop or note (an import passes a stable ``item_id``: planning it again changes nothing)."""
    media_ids = tuple(dict.fromkeys(media_ids))
    _check(title, starts_at, ends_at, media_ids)
    item_id = item_id or uuid.uuid4()
    await uow.repo.lock_calendar_entry(creator_id, item_id)  # two imports of one row: one item
    existing = await uow.repo.calendar_entry(creator_id, item_id, lock=True)
    if existing is not None:
        if existing.kind not in OWN_KINDS:
            raise Conflict("id_taken", "this id names another entry")
        return existing
    entry = Entry(
        creator_id=creator_id,
        entry_id=item_id,
        kind=kind,
        source="content",
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        status="planned",
        link=link_of(kind, item_id),
        media_ids=media_ids,
        revision=1,
    )
    await uow.repo.save_calendar_entry(entry, uow.now())
    _planned(uow, entry)
    await uow.commit()
    return entry


async def _own_item(uow: Uow, creator_id: uuid.UUID, item_id: uuid.UUID) -> Entry:
    entry = await uow.repo.calendar_entry(creator_id, item_id, lock=True)
    if entry is None or entry.kind not in OWN_KINDS:
        raise NotFound("no calendar item with this id")
    return entry


async def edit_item(
    uow: Uow,
    creator_id: uuid.UUID,
    item_id: uuid.UUID,
    *,
    title: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None | object = _UNSET,
    media_ids: tuple[uuid.UUID, ...] | None = None,
    status: ItemStatus | None = None,
) -> Entry:
    """Changes a drop or a note (its title, times, media, or status: done / cancelled / planned
    again). A cancelled item is over: it can no longer change."""
    entry = await _own_item(uow, creator_id, item_id)
    if entry.status == "cancelled":
        raise Conflict("already_final", "this item was cancelled")
    new_ends = entry.ends_at if ends_at is _UNSET else ends_at
    assert new_ends is None or isinstance(new_ends, datetime)
    changed = replace(
        entry,
        title=entry.title if title is None else title.strip(),
        starts_at=starts_at or entry.starts_at,
        ends_at=new_ends,
        media_ids=entry.media_ids if media_ids is None else tuple(dict.fromkeys(media_ids)),
        status=status or entry.status,
    )
    _check(changed.title, changed.starts_at, changed.ends_at, changed.media_ids)
    if changed == entry:
        return entry
    return await _save_item(uow, replace(changed, revision=entry.revision + 1))


async def _save_item(uow: Uow, entry: Entry) -> Entry:
    await uow.repo.save_calendar_entry(entry, uow.now())
    _planned(uow, entry)
    await uow.commit()
    return entry


async def move(
    uow: Uow, creator_id: uuid.UUID, user_id: uuid.UUID, entry_id: uuid.UUID, starts_at: datetime
) -> tuple[Entry, bool]:
    """Moves an entry to ``starts_at``; True when it is a command the owner still has to apply."""
    entry = await uow.repo.calendar_entry(creator_id, entry_id, lock=True)
    if entry is None:
        raise NotFound("no calendar entry with this id")
    if entry.kind not in OWN_KINDS and entry.kind not in COMMAND_KINDS:
        raise Refused("not_movable", f"a {entry.kind.replace('_', ' ')} is moved in its own service ({entry.link})")
    if entry.final or entry.status in ("published", "failed", "sent", "done", "cancelled"):
        raise Conflict("already_final", f"this {entry.kind.replace('_', ' ')} is {entry.status}: it can no longer move")
    if entry.pending:
        raise Conflict(
            "move_pending", "a move of this entry is waiting for its service's answer; try again in a moment"
        )
    if entry.kind in OWN_KINDS:
        if starts_at == entry.starts_at:
            return entry, False
        ends_at = entry.ends_at + (starts_at - entry.starts_at) if entry.ends_at else None
        moved = replace(entry, starts_at=starts_at, ends_at=ends_at, revision=entry.revision + 1)
        return await _save_item(uow, moved), False
    if starts_at <= uow.now():
        raise Refused("in_the_past", "a post or a mass message can only move to a time to come")
    if starts_at == entry.starts_at:
        return entry, False
    command_id = uuid.uuid4()
    if entry.kind == "post":
        uow.emit(
            PostMoveRequested(command_id=command_id, post_id=entry_id, publish_at=starts_at, requested_by=user_id),
            creator_id=creator_id,
        )
    else:
        uow.emit(
            MassMessageMoveRequested(
                command_id=command_id, mass_message_id=entry_id, send_at=starts_at, requested_by=user_id
            ),
            creator_id=creator_id,
        )
    details = {k: v for k, v in entry.details.items() if k != "refusal"}
    pending = replace(entry, pending_command_id=command_id, pending_starts_at=starts_at, details=details)
    await uow.repo.save_calendar_entry(pending, uow.now())
    await uow.commit()
    return pending, True
