"""How each event changes the calendar's read model: pure functions ``(entry or None, event) → the
new entry, or None when nothing changes``. Applied in any order and any number of times, the same
events give the same entry:

- plans (post.scheduled, massmessage.scheduled) carry the owner's ``revision``: only a higher one is
  applied; their time is always the plan of the highest revision;
- ends (post.published/failed, massmessage.sent, shift.cancelled) make the entry ``final``: a plan
  arriving later still updates the plan's fields, never the status;
- automation runs have no revision: the latest ``occurred_at`` wins (``scheduled`` loses a tie);
- a pending move is cleared only by the answer naming its ``command_id`` (or by the item's end).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from huntaze_events import (
    AutomationRunScheduled,
    CampaignCreated,
    MassMessageScheduled,
    MassMessageSent,
    PostFailed,
    PostPublished,
    PostScheduled,
    ShiftCancelled,
    ShiftScheduled,
)

from .calendar import SOURCE_OF, Entry, link_of


def _stub(creator_id: uuid.UUID, entry_id: uuid.UUID, kind: str, title: str, starts_at: datetime, status: str) -> Entry:
    return Entry(
        creator_id=creator_id,
        entry_id=entry_id,
        kind=kind,
        source=SOURCE_OF[kind],
        title=title,
        starts_at=starts_at,
        ends_at=None,
        status=status,
        link=link_of(kind, entry_id),
    )


def _without(details: Any, *keys: str) -> dict[str, Any]:
    return {k: v for k, v in dict(details).items() if k not in keys}


def _answered(current: Entry, command_id: uuid.UUID | None, status: str, *, live: str = "scheduled") -> dict[str, Any]:
    """The pending-move fields after a plan event: cleared by the answer to the move, or by an end."""
    if current.pending_command_id is None:
        return {}
    if command_id == current.pending_command_id or status != live:
        return {"pending_command_id": None, "pending_starts_at": None}
    return {}


# posts (marketing) -------------------------------------------------------------------------------------


def post_scheduled(current: Entry | None, creator_id: uuid.UUID, p: PostScheduled) -> Entry | None:
    if current is not None and p.revision <= current.revision:
        return None
    base = current or _stub(creator_id, p.post_id, "post", p.caption_excerpt, p.publish_at, p.status)
    status = base.status if base.final else p.status
    details = {**base.details, "account_id": str(p.account_id)}
    if p.campaign_id is not None:
        details["campaign_id"] = str(p.campaign_id)
    if p.command_id is not None and p.command_id == base.pending_command_id:
        details = _without(details, "refusal")
    return replace(
        base,
        title=p.caption_excerpt or f"{p.network} post",
        starts_at=p.publish_at,
        status=status,
        network=p.network,
        media_ids=tuple(p.media_ids),
        revision=p.revision,
        details=details,
        **_answered(base, p.command_id, status),
    )


def post_published(current: Entry | None, creator_id: uuid.UUID, p: PostPublished) -> Entry | None:
    if current is not None and current.status == "published":
        return None
    base = current or _stub(creator_id, p.post_id, "post", f"{p.network} post", p.scheduled_for, "published")
    return replace(
        base,
        status="published",
        final=True,
        network=p.network,
        media_ids=base.media_ids or tuple(p.media_ids),
        pending_command_id=None,
        pending_starts_at=None,
        details={
            **_without(base.details, "failure"),
            "published_at": p.published_at.isoformat(),
            "network_post_id": p.network_post_id,
        },
    )


def post_failed(current: Entry | None, creator_id: uuid.UUID, p: PostFailed) -> Entry | None:
    if current is not None and current.status in ("published", "failed"):
        return None  # a post found live after all stays published
    base = current or _stub(creator_id, p.post_id, "post", f"{p.network} post", p.scheduled_for, "failed")
    return replace(
        base,
        status="failed",
        final=True,
        network=p.network,
        pending_command_id=None,
        pending_starts_at=None,
        details={**base.details, "failure": p.reason},
    )


def move_refused(current: Entry | None, command_id: uuid.UUID, reason: str, at: datetime) -> Entry | None:
    """The owner refused a move: the entry stays at its confirmed time, the reason is kept for the UI."""
    if current is None or current.pending_command_id != command_id:
        return None  # not the move pending now (an old one, or already answered)
    refusal = {
        "command_id": str(command_id),
        "reason": reason,
        "asked_starts_at": current.pending_starts_at.isoformat() if current.pending_starts_at else None,
        "at": at.isoformat(),
    }
    return replace(
        current, pending_command_id=None, pending_starts_at=None, details={**current.details, "refusal": refusal}
    )


# mass messages (inbox) ----------------------------------------------------------------------------------


def mass_scheduled(current: Entry | None, creator_id: uuid.UUID, p: MassMessageScheduled) -> Entry | None:
    if current is not None and p.revision <= current.revision:
        return None
    base = current or _stub(creator_id, p.mass_message_id, "mass_message", p.text_excerpt, p.send_at, p.status)
    status = base.status if base.final else p.status
    details = {
        **base.details,
        "price_cents": p.price_cents,
        "exclude_segments": list(p.audience.exclude_segments),
    }
    if p.command_id is not None and p.command_id == base.pending_command_id:
        details = _without(details, "refusal")
    return replace(
        base,
        title=p.text_excerpt or "Mass message",
        starts_at=p.send_at,
        status=status,
        segments=tuple(p.audience.segments),
        media_ids=tuple(p.media_ids),
        currency=base.currency or p.currency,
        revision=p.revision,
        details=details,
        **_answered(base, p.command_id, status),
    )


def mass_sent(current: Entry | None, creator_id: uuid.UUID, p: MassMessageSent, unlocked_cents: int) -> Entry | None:
    """Its end, with its counts; its result is the net of its unlocks so far (``unlocked_cents``)."""
    status = "sent" if p.status == "done" else "cancelled"
    if current is not None and current.final:
        return None
    base = current or _stub(creator_id, p.mass_message_id, "mass_message", "Mass message", p.started_at, status)
    counts = {k: getattr(p, k) for k in ("recipients", "sent", "failed", "skipped", "cancelled")}
    return replace(
        base,
        status=status,
        final=True,
        media_ids=base.media_ids or tuple(p.media_ids),
        result_cents=unlocked_cents,
        currency=p.currency,
        pending_command_id=None,
        pending_starts_at=None,
        details={
            **base.details,
            "counts": counts,
            "price_cents": p.price_cents,
            "started_at": p.started_at.isoformat(),
            "finished_at": p.finished_at.isoformat(),
        },
    )


def mass_result(current: Entry | None, unlocked_cents: int, currency: str) -> Entry | None:
    """A new unlock of one of its copies: its result is the net of every unlock, to the cent."""
    if current is None or (current.result_cents == unlocked_cents and current.currency == currency):
        return None
    return replace(current, result_cents=unlocked_cents, currency=currency)


# campaigns (marketing), shifts (gateway), automation runs (inbox) ------------------------------------


def campaign_created(current: Entry | None, creator_id: uuid.UUID, p: CampaignCreated) -> Entry | None:
    if current is not None:
        return None
    return replace(
        _stub(creator_id, p.campaign_id, "campaign", p.name, p.starts_at, "planned"),
        ends_at=p.ends_at,
        details={"cost_cents": p.cost_cents, "currency": p.currency},
    )


def shift_title(user_id: uuid.UUID) -> str:
    return f"Shift: member {user_id}"


def shift_scheduled(current: Entry | None, creator_id: uuid.UUID, p: ShiftScheduled) -> Entry | None:
    if current is not None:
        return None  # scheduled once; a cancellation seen first already holds its times
    return replace(
        _stub(creator_id, p.shift_id, "shift", shift_title(p.user_id), p.starts_at, "scheduled"),
        ends_at=p.ends_at,
        details={"user_id": str(p.user_id), "organization_id": str(p.organization_id)},
    )


def shift_cancelled(current: Entry | None, creator_id: uuid.UUID, p: ShiftCancelled) -> Entry | None:
    if current is not None and current.status == "cancelled":
        return None
    base = current or replace(
        _stub(creator_id, p.shift_id, "shift", shift_title(p.user_id), p.starts_at, "cancelled"),
        ends_at=p.ends_at,
        details={"user_id": str(p.user_id), "organization_id": str(p.organization_id)},
    )
    return replace(base, status="cancelled", final=True)


def _run_rank(occurred_at: datetime | None, status: str) -> tuple[datetime | None, int]:
    return occurred_at, 0 if status == "scheduled" else 1


def automation_run(
    current: Entry | None, creator_id: uuid.UUID, p: AutomationRunScheduled, occurred_at: datetime
) -> Entry | None:
    if current is not None and current.event_at is not None:
        if _run_rank(occurred_at, p.status) <= _run_rank(current.event_at, current.status):
            return None
    base = current or _stub(creator_id, p.run_id, "automation", p.automation, p.fire_at, p.status)
    return replace(
        base,
        title=f"Automation: {p.automation}",
        starts_at=p.fire_at,
        status=p.status,
        link=link_of("automation", p.run_id, conversation_id=p.conversation_id),
        event_at=occurred_at,
        details={"automation": p.automation, "fan_id": str(p.fan_id), "conversation_id": str(p.conversation_id)},
    )
