"""Recording money: connector batches and statement chunks go through one use case, so a sale
counts once whichever way it came (matching rule: :mod:`fans.ledger`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from huntaze_events import TransactionRecorded, TransactionRef

from ..ledger import NewTransaction, Outcome
from ..profile import FanIdentity, FanState
from ..subscription import Report, on_payment, on_report, on_time
from .publish import Uow, context_of, emit_subscription, fan_ref, settle


@dataclass
class Incoming:
    """One validated transaction and the fan it is about."""

    tx: NewTransaction
    fan: FanIdentity


async def record_transactions(
    uow: Uow, creator_id: uuid.UUID, incoming: Sequence[Incoming]
) -> list[tuple[Outcome, uuid.UUID | None]]:
    """Stores what is new, in one transaction: ledger rows, spend, subscription moves, segments, and
    the events. Returns, per input, ``accepted`` (with the new transaction id) or ``duplicate``."""
    if not incoming:
        return []
    now = uow.now()
    repo = uow.repo
    await repo.lock_creator(creator_id)
    settings, custom = await context_of(uow, creator_id)
    fans = await repo.lock_fans(creator_id, [i.fan for i in incoming], now)
    outcomes: list[tuple[Outcome, uuid.UUID | None]] = [("duplicate", None)] * len(incoming)
    new: list[tuple[int, NewTransaction]] = []
    claims: list[tuple[uuid.UUID, str, str | None, str | None]] = []
    connector = [(n, i.tx) for n, i in enumerate(incoming) if i.tx.source == "connector"]
    statement = [(n, i.tx) for n, i in enumerate(incoming) if i.tx.source == "statement"]
    if connector:
        known = await repo.known_external_ids(creator_id, [t.external_id for _, t in connector if t.external_id])
        slots = await repo.match_slots(creator_id, [t.key for _, t in connector])
        for n, tx in connector:
            if tx.external_id in known:
                continue
            known.add(tx.external_id or "")
            highest, unclaimed = slots.get(tx.key, (0, []))
            if unclaimed:
                claims.append((unclaimed.pop(0), tx.external_id or "", tx.ref_kind, tx.ref_id))
                continue
            tx.match_n = highest + 1
            slots[tx.key] = (highest + 1, unclaimed)
            new.append((n, tx))
    if statement:
        taken = await repo.taken_matches(
            creator_id, [t.key for _, t in statement], [t.match_n or 1 for _, t in statement]
        )
        for n, tx in statement:
            pair = (tx.key, tx.match_n or 1)
            if pair in taken:
                continue
            taken.add(pair)
            tx.match_n = pair[1]
            new.append((n, tx))
    await repo.claim(claims)
    txs = [tx for _, tx in new]
    await repo.insert_transactions(creator_id, txs, now)
    await repo.add_spend(txs)
    for n, tx in new:
        outcomes[n] = ("accepted", tx.id)
    touched: dict[uuid.UUID, FanState] = {}
    for tx in sorted(txs, key=lambda t: (t.occurred_at, t.line_no or 0)):
        fan = fans[tx.fan_id]
        touched[fan.id] = fan
        _apply(uow, fan, tx)
    settle(uow, touched.values(), settings, custom, now)
    await repo.save_fans(list(touched.values()), now)
    # first-seen fans with nothing new (duplicates only) still get their segments (never_spent...)
    fresh = [f for f in fans.values() if f.created and f.id not in touched]
    if fresh:
        settle(uow, fresh, settings, custom, now)
        await repo.save_fans(fresh, now)
    return outcomes


def _apply(uow: Uow, fan: FanState, tx: NewTransaction) -> None:
    fan.gross_cents += tx.gross_cents
    fan.net_cents += tx.net_cents
    if tx.is_sale:
        fan.purchases += 1
        fan.first_purchase_at = min(filter(None, (fan.first_purchase_at, tx.occurred_at)))
        fan.last_purchase_at = max(filter(None, (fan.last_purchase_at, tx.occurred_at)))
    ref = TransactionRef(kind=tx.ref_kind, id=tx.ref_id) if tx.ref_kind and tx.ref_id else None  # type: ignore[arg-type]
    uow.emit(
        TransactionRecorded(
            transaction_id=tx.id,
            fan_id=fan.id,
            fan=fan_ref(fan),
            type=tx.type,
            gross_cents=tx.gross_cents,
            fee_cents=tx.fee_cents,
            net_cents=tx.net_cents,
            currency=tx.currency,
            occurred_at=tx.occurred_at,
            source=tx.source,
            external_id=tx.external_id,
            ref=ref,
        )
    )
    if tx.type in ("subscription", "renewal"):
        # the subscription as it was when this payment happened: an expiry that passed before it, first
        lapsed = on_time(fan.subscription, tx.occurred_at)
        if lapsed is not None:
            fan.subscription = lapsed.after
            emit_subscription(uow, fan, lapsed)
        change = on_payment(
            fan.subscription,
            renewal=tx.type == "renewal",
            at=tx.occurred_at,
            price_cents=tx.gross_cents,
            currency=tx.currency,
        )
        if change is not None:
            fan.subscription = change.after
            emit_subscription(uow, fan, change)


@dataclass
class SubscriptionReport:
    fan: FanIdentity
    report: Report


async def report_subscriptions(uow: Uow, creator_id: uuid.UUID, reports: Sequence[SubscriptionReport]) -> list[Outcome]:
    """The connector's view of subscriptions: each report moves the state or changes nothing."""
    if not reports:
        return []
    now = uow.now()
    repo = uow.repo
    await repo.lock_creator(creator_id)
    settings, custom = await context_of(uow, creator_id)
    fans = await repo.lock_fans(creator_id, [r.fan for r in reports], now)
    outcomes: list[Outcome] = []
    for r in reports:
        fan = fans[r.fan.id]
        lapsed = on_time(fan.subscription, min(now, r.report.started_at)) if r.report.status == "active" else None
        if lapsed is not None:
            fan.subscription = lapsed.after
            emit_subscription(uow, fan, lapsed)
        change = on_report(fan.subscription, r.report, now)
        if change is None:
            outcomes.append("duplicate")
            continue
        fan.subscription = change.after
        emit_subscription(uow, fan, change)
        outcomes.append("accepted")
    settle(uow, fans.values(), settings, custom, now)
    await repo.save_fans(list(fans.values()), now)
    return outcomes
