"""In-app notices: what the team should know (a post that failed, an endpoint switched off…), listed
per user with their read marks and the kinds they muted.

A notice is for one user (``user_id``) or for the team of the creator account: then every member
whose role sees its kind (domain.KINDS) gets it. A muted kind is hidden from that user only."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from huntaze_events import (
    AnomalyDetected,
    ConversationPrioritized,
    Envelope,
    PostFailed,
    PriceExperimentEnded,
    PriceSuggested,
    ReplyOverdue,
)
from huntaze_service import ApiError, Caller

from .domain import KINDS, TOLD_PERSONALLY, Notice, notice_id_of
from .ports import Uow


def visible_kinds(role: str, muted: set[str]) -> list[str]:
    return [kind for kind, spec in KINDS.items() if role in spec.roles and kind not in muted]


async def page(
    uow: Uow, caller: Caller, *, unread_only: bool, limit: int, before: tuple[datetime, uuid.UUID] | None
) -> tuple[list[Notice], int]:
    muted = await uow.repo.muted(caller.creator_id, caller.user_id)
    kinds = visible_kinds(caller.role, muted)
    items = await uow.repo.notices(
        caller.creator_id, caller.user_id, kinds, unread_only=unread_only, limit=limit, before=before
    )
    items = [n for n in items if n.kind not in muted]
    unread = await uow.repo.unread_count(caller.creator_id, caller.user_id, kinds)
    return items, unread


async def mark_read(uow: Uow, caller: Caller, notice_id: uuid.UUID) -> None:
    kinds = visible_kinds(caller.role, set())
    seen = await uow.repo.notices(caller.creator_id, caller.user_id, kinds, unread_only=False, limit=1,
                                  before=None, only=notice_id)  # fmt: skip
    if not seen:
        raise ApiError(404, "notification not found")
    await uow.repo.mark_read(caller.user_id, [notice_id], uow.now())
    await uow.commit()


async def mark_all_read(uow: Uow, caller: Caller) -> int:
    kinds = visible_kinds(caller.role, set())
    unread = await uow.repo.notices(caller.creator_id, caller.user_id, kinds, unread_only=True, limit=10_000,
                                    before=None)  # fmt: skip
    await uow.repo.mark_read(caller.user_id, [n.id for n in unread], uow.now())
    await uow.commit()
    return len(unread)


async def preferences(uow: Uow, caller: Caller) -> dict[str, bool]:
    muted = await uow.repo.muted(caller.creator_id, caller.user_id)
    return {kind: kind not in muted for kind, spec in KINDS.items() if caller.role in spec.roles}


async def set_preferences(uow: Uow, caller: Caller, kinds: Mapping[str, bool]) -> dict[str, bool]:
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ApiError(422, f"kinds: unknown {', '.join(unknown)}; known: {', '.join(KINDS)}")
    for kind, enabled in kinds.items():
        await uow.repo.set_muted(caller.creator_id, caller.user_id, kind, not enabled)
    await uow.commit()
    return await preferences(uow, caller)


async def post_failed(uow: Uow, event: Envelope[PostFailed]) -> None:
    p = event.payload
    await uow.repo.add_notice(
        Notice(
            id=notice_id_of(event.event_id, "post_failed"),
            creator_id=event.creator_id,
            kind="post_failed",
            title=f"A {p.network} post was not published",
            body=f"The post planned for {p.scheduled_for.isoformat(timespec='minutes')} failed: {p.reason}",
            created_at=event.occurred_at,
            data={"post_id": str(p.post_id), "network": str(p.network), "reason": p.reason},
        )
    )


def _money(cents: int, currency: str) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{currency} {abs(cents) / 100:,.2f}"


async def price_suggested(uow: Uow, event: Envelope[PriceSuggested]) -> None:
    """Tells owners and managers what the pricing review suggests and what it expects, with its range."""
    p = event.payload
    what = "the subscription" if p.scope == "subscription" else _ppv_scope(p.segment, p.media_kind)
    await uow.repo.add_notice(
        Notice(
            id=notice_id_of(event.event_id, "price_suggested"),
            creator_id=event.creator_id,
            kind="price_suggested",
            title=f"Price suggestion for {what}",
            body=(
                f"{_money(p.current_price_cents, p.currency)} → {_money(p.suggested_price_cents, p.currency)}: "
                f"{_money(p.change_30d_cents, p.currency)} per 30 days expected "
                f"({_money(p.change_30d_low_cents, p.currency)} to {_money(p.change_30d_high_cents, p.currency)}, "
                f"{p.confidence:.0%} interval, from {p.observations:,} observations)."
            ),
            created_at=event.occurred_at,
            data=p.model_dump(mode="json"),
        )
    )


async def price_test_ended(uow: Uow, event: Envelope[PriceExperimentEnded]) -> None:
    """Tells owners and managers how a price test ended and what it recommends, arm by arm."""
    p = event.payload
    arms = "; ".join(
        f"{_money(a.price_cents, p.currency)}: {a.unlocked:,} of {a.offered:,} unlocked, "
        f"{a.probability_best:.0%} chance of the best revenue"
        for a in p.arms
    )
    verdicts = {
        "winner": f"{_money(p.recommended_price_cents, p.currency)} wins",
        "no_difference": f"no clear difference; {_money(p.recommended_price_cents, p.currency)} costs least if wrong",
        "stopped": f"stopped; the data so far favour {_money(p.recommended_price_cents, p.currency)}",
    }
    await uow.repo.add_notice(
        Notice(
            id=notice_id_of(event.event_id, "price_test"),
            creator_id=event.creator_id,
            kind="price_test",
            title=f'Price test "{p.name}": {verdicts[p.outcome]}',
            body=f"{arms}.",
            created_at=event.occurred_at,
            data=p.model_dump(mode="json"),
        )
    )


_ANOMALY_TITLES = {
    "revenue_drop": "Revenue dropped below its usual range",
    "revenue_spike": "Revenue jumped above its usual range",
    "link_conversion_drop": "A tracking link stopped converting",
}


async def anomaly_detected(uow: Uow, event: Envelope[AnomalyDetected]) -> None:
    """Tells owners and managers what left its range, by how much, and against what expectation."""
    p = event.payload
    window = f"{p.window_start:%a %d %b %H:%M}–{p.window_end:%H:%M} UTC"
    if p.unit == "cents":
        currency = p.currency or p.subject
        body = (
            f"{window}: {_money(p.observed, currency)} against {_money(p.expected, currency)} expected "
            f"(usual range {_money(p.low, currency)} to {_money(p.high, currency)})."
        )
    else:
        clicks = p.evidence.get("clicks")
        body = (
            f"{window}: {p.observed} subscribers from {clicks} visitors against {p.expected} expected "
            f"(at least {p.low} usually)."
        )
    await uow.repo.add_notice(
        Notice(
            id=notice_id_of(event.event_id, "anomaly"),
            creator_id=event.creator_id,
            kind="anomaly",
            title=_ANOMALY_TITLES[p.kind],
            body=body,
            created_at=event.occurred_at,
            data=p.model_dump(mode="json"),
        )
    )


def _ppv_scope(segment: str, media_kind: str) -> str:
    if segment == "all" and media_kind == "all":
        return "paid messages"
    if media_kind == "all":
        return f"paid messages to {segment}"
    return f"paid {media_kind} messages" if segment == "all" else f"paid {media_kind} messages to {segment}"


# whale routing ------------------------------------------------------------------------------------

WHALE_WHY = {
    "sold_before": "you sold to this fan before",
    "buy_rate": "you have the best buy rate on shift",
    "on_shift": "you are on shift",
    "nobody_on_shift": "nobody is on shift",
}


async def whale(uow: Uow, event: Envelope[ConversationPrioritized]) -> None:
    """A whale wrote: a ``whale`` notice for the person it was routed to only, or for the team
    (owners, managers, chatters) when nobody is on shift. It names no fan (no name, no fan id), only
    the conversation to open: nothing here to erase when the fan is erased (the inbox deletes the
    conversation itself)."""
    p = event.payload
    who = p.assigned_user_id
    await uow.repo.add_notice(
        Notice(
            id=notice_id_of(event.event_id, "whale", who),
            creator_id=event.creator_id,
            kind="whale",
            title="A whale is writing: answer first",
            body=f"A top-spending fan wrote; the conversation is marked priority ({WHALE_WHY[p.matched_by]}).",
            created_at=event.occurred_at,
            user_id=who,
            data={
                "conversation_id": str(p.conversation_id),
                "message_id": str(p.message_id),
                "matched_by": p.matched_by,
                "shift_id": str(p.shift_id) if p.shift_id else None,
            },
        )
    )


# unanswered fans ----------------------------------------------------------------------------------


def _waited(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, int(seconds))} s"
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60:02d} min"


async def unanswered(uow: Uow, event: Envelope[ReplyOverdue]) -> None:
    """Fans waited past the threshold while people were on shift: an ``unanswered`` notice for each
    person on shift, and one for owners and managers. It names no fan, only the conversations to
    open (the inbox deletes those with an erased fan)."""
    p = event.payload
    fans = "1 fan has" if p.waiting == 1 else f"{p.waiting} fans have"
    body = (
        f"{fans} waited more than {_waited(p.threshold_s)} for an answer; "
        f"the longest since {p.oldest_since:%H:%M} UTC ({_waited((p.detected_at - p.oldest_since).total_seconds())})."
    )
    whales = sum(c.priority for c in p.conversations)
    if whales:
        body += f" {whales} of them {'is a whale' if whales == 1 else 'are whales'}."
    data = {
        "alert_id": str(p.alert_id),
        "waiting": p.waiting,
        "threshold_s": p.threshold_s,
        "oldest_since": p.oldest_since.isoformat(),
        "conversation_ids": [str(c.conversation_id) for c in p.conversations],
        "on_shift": [str(s.user_id) for s in p.on_shift],
    }
    personal = [str(s.user_id) for s in p.on_shift]
    for who in [*(s.user_id for s in p.on_shift), None]:
        await uow.repo.add_notice(
            Notice(
                id=notice_id_of(event.event_id, "unanswered", who),
                creator_id=event.creator_id,
                kind="unanswered",
                title="Fans are waiting for an answer" if who is None else "Fans are waiting for you",
                body=body,
                created_at=event.occurred_at,
                user_id=who,
                data=data if who is not None else {**data, TOLD_PERSONALLY: personal},
            )
        )
