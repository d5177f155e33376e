"""Recording money and subscription reports on fakes (no PostgreSQL, no Kafka): the ledger's matching
rule, spend, subscriptions moved by payments and by the connector's reports, and the events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fans.handlers.imports import apply_chunk
from fans.handlers.publish import REVIEW_TIMER
from fans.handlers.revenue import Incoming, SubscriptionReport, record_transactions, report_subscriptions
from fans.imports import ImportRecord, StagedRow
from fans.ledger import NewTransaction, match_key, settle_amounts
from fans.profile import FanIdentity
from fans.subscription import Report
from huntaze_events import Envelope, fan_id_for

from .fakes import Fans

CREATOR = uuid.uuid4()
SALE_AT = datetime(2026, 11, 1, 20, 15, tzinfo=UTC)
"""A sale as a statement shows it (minute precision), the day before the fake clock's start."""


def who(external: str) -> FanIdentity:
    return FanIdentity(fan_id_for(CREATOR, external), external, external.title())


def fid(external: str) -> uuid.UUID:
    return fan_id_for(CREATOR, external)


def connector(
    external_id: str,
    fan: str,
    type_: str,
    gross: int,
    at: datetime,
    *,
    fee: int | None = None,
    net: int | None = None,
    ref: tuple[str, str] | None = None,
) -> Incoming:
    g, f, n = settle_amounts(type_, gross, fee, net)  # type: ignore[arg-type]
    return Incoming(
        tx=NewTransaction(
            id=uuid.uuid4(),
            creator_id=CREATOR,
            fan_id=fid(fan),
            type=type_,  # type: ignore[arg-type]
            gross_cents=g,
            fee_cents=f,
            net_cents=n,
            currency="USD",
            occurred_at=at,
            source="connector",
            external_id=external_id,
            ref_kind=ref[0] if ref else None,
            ref_id=ref[1] if ref else None,
        ),
        fan=who(fan),
    )


def statement(
    fan: str, type_: str, gross: int, at: datetime, *, line: int, n: int = 1, fee: int | None = None
) -> Incoming:
    g, f, net = settle_amounts(type_, gross, fee, None)  # type: ignore[arg-type]
    return Incoming(
        tx=NewTransaction(
            id=uuid.uuid4(),
            creator_id=CREATOR,
            fan_id=fid(fan),
            type=type_,  # type: ignore[arg-type]
            gross_cents=g,
            fee_cents=f,
            net_cents=net,
            currency="USD",
            occurred_at=at,
            source="statement",
            import_id=uuid.UUID(int=1),
            line_no=line,
            match_n=n,
        ),
        fan=who(fan),
    )


def report(
    fan: str,
    status: str,
    started: datetime,
    expires: datetime,
    *,
    auto_renew: bool = True,
    price: int | None = 999,
    via: dict[str, Any] | None = None,
) -> SubscriptionReport:
    return SubscriptionReport(
        fan=who(fan),
        report=Report(
            status=status,  # type: ignore[arg-type]
            started_at=started,
            expires_at=expires,
            auto_renew=auto_renew,
            price_cents=price,
            currency="USD",
            via=via,
        ),
    )


def of_fan(events: list[Envelope[Any]], fan: str) -> list[Envelope[Any]]:
    return [e for e in events if e.payload.fan_id == fid(fan)]


def kinds(events: list[Envelope[Any]]) -> list[str]:
    return [e.type for e in events]


def figures(e: Envelope[Any]) -> tuple[Any, ...]:
    p = e.payload
    return (p.type, p.gross_cents, p.fee_cents, p.net_cents, p.currency, p.source, p.external_id)


# connector batches ------------------------------------------------------------------------------------


async def test_a_connector_batch_accepts_each_external_id_once_with_exact_amounts() -> None:
    fans = Fans(CREATOR)
    batch = [
        connector("c1", "ann", "tip", 500, SALE_AT),
        connector("c2", "ann", "message", 1333, SALE_AT + timedelta(minutes=5), ref=("message", "m1")),
        connector("c3", "bob", "tip", 300, SALE_AT + timedelta(minutes=2), fee=90),
        connector(
            "c1", "ann", "tip", 999, SALE_AT + timedelta(minutes=9)
        ),  # same id again: duplicate, whatever it says
    ]
    outcomes, events = await fans.run(record_transactions, batch)

    assert outcomes == [
        ("accepted", batch[0].tx.id),
        ("accepted", batch[1].tx.id),
        ("accepted", batch[2].tx.id),
        ("duplicate", None),
    ]
    stored = {
        t.external_id: (t.type, t.gross_cents, t.fee_cents, t.net_cents, t.source, t.match_n)
        for t in fans.repo.transactions
    }
    assert stored == {
        "c1": ("tip", 500, 100, 400, "connector", 1),
        "c2": ("message", 1333, 267, 1066, "connector", 1),  # 266.6 rounds half up to 267
        "c3": ("tip", 300, 90, 210, "connector", 1),
    }
    ann, bob = fans.repo.state(fid("ann")), fans.repo.state(fid("bob"))
    assert (ann.gross_cents, ann.net_cents, ann.purchases) == (1833, 1466, 2)
    assert (ann.first_purchase_at, ann.last_purchase_at) == (SALE_AT, SALE_AT + timedelta(minutes=5))
    assert (bob.gross_cents, bob.net_cents, bob.purchases) == (300, 210, 1)
    assert await fans.repo.spend_by_type(fid("ann")) == [
        {"type": "message", "currency": "USD", "gross_cents": 1333, "fee_cents": 267, "net_cents": 1066, "count": 1},
        {"type": "tip", "currency": "USD", "gross_cents": 500, "fee_cents": 100, "net_cents": 400, "count": 1},
    ]

    # one transaction.recorded per new transaction, oldest sale first, with its figures; nothing else
    assert kinds(events) == ["transaction.recorded"] * 3
    assert [e.payload.transaction_id for e in events] == [batch[0].tx.id, batch[2].tx.id, batch[1].tx.id]
    assert [figures(e) for e in events] == [
        ("tip", 500, 100, 400, "USD", "connector", "c1"),
        ("tip", 300, 90, 210, "USD", "connector", "c3"),
        ("message", 1333, 267, 1066, "USD", "connector", "c2"),
    ]
    message = events[2].payload
    assert message.ref is not None and (message.ref.kind, message.ref.id) == ("message", "m1")
    assert (message.fan.fan_id, message.fan.external_id, message.fan.display_name) == (fid("ann"), "ann", "Ann")
    assert {e.creator_id for e in events} == {CREATOR}

    # the next batch: a retry of c2 is a duplicate, c4 is new
    again = [
        connector("c2", "ann", "message", 1333, SALE_AT + timedelta(minutes=5)),
        connector("c4", "ann", "tip", 100, SALE_AT),
    ]
    outcomes, events = await fans.run(record_transactions, again)
    assert [o for o, _ in outcomes] == ["duplicate", "accepted"]
    assert [figures(e) for e in events] == [("tip", 100, 20, 80, "USD", "connector", "c4")]
    assert len(fans.repo.transactions) == 4
    assert fans.repo.state(fid("ann")).net_cents == 1466 + 80


async def test_a_fan_first_seen_in_a_batch_is_created_with_its_identity() -> None:
    fans = Fans(CREATOR)
    await fans.run(record_transactions, [connector("c1", "new.fan", "tip", 500, SALE_AT)])
    row = await fans.repo.fan_row(CREATOR, fid("new.fan"))
    assert row is not None
    assert (row["external_id"], row["display_name"], row["message_count"]) == ("new.fan", "New.Fan", 0)
    assert row["created_at"] == fans.clock() and row["last_active_at"] == SALE_AT
    assert fans.repo.locked_creators == [CREATOR]


async def test_an_empty_batch_does_nothing() -> None:
    fans = Fans(CREATOR)
    assert await fans.run(record_transactions, []) == ([], [])
    assert fans.repo.fans == {} and fans.repo.locked_creators == []


# the matching rule -------------------------------------------------------------------------------------


async def test_a_connector_sale_already_in_a_statement_claims_the_row() -> None:
    fans = Fans(CREATOR)
    row = statement("ann", "message", 500, SALE_AT, line=7, fee=150)
    outcomes, first = await fans.run(record_transactions, [row])
    assert outcomes == [("accepted", row.tx.id)]

    live = connector("c9", "ann", "message", 500, SALE_AT + timedelta(seconds=42), ref=("message", "m9"))
    outcomes, events = await fans.run(record_transactions, [live])
    assert outcomes == [("duplicate", None)]
    assert events == []
    [stored] = fans.repo.transactions
    # the row keeps its amounts and source, and gets the connector's id and ref
    assert (stored.id, stored.source, stored.gross_cents, stored.fee_cents, stored.net_cents) == (
        row.tx.id,
        "statement",
        500,
        150,
        350,
    )
    assert (stored.external_id, stored.ref_kind, stored.ref_id, stored.match_n) == ("c9", "message", "m9", 1)
    assert fans.repo.state(fid("ann")).net_cents == 350
    assert [figures(e) for e in first] == [("message", 500, 150, 350, "USD", "statement", None)]

    # the connector's id is known from now on; a second identical sale in that minute is a new one (n = 2)
    outcomes, _ = await fans.run(record_transactions, [live])
    assert outcomes == [("duplicate", None)]
    second = connector("c10", "ann", "message", 500, SALE_AT + timedelta(seconds=50))
    outcomes, events = await fans.run(record_transactions, [second])
    assert outcomes == [("accepted", second.tx.id)]
    assert sorted(t.match_n for t in fans.repo.transactions) == [1, 2]
    assert kinds(events) == ["transaction.recorded"]


async def test_a_statement_row_already_seen_live_is_a_duplicate() -> None:
    fans = Fans(CREATOR)
    live = connector("c1", "ann", "tip", 1000, SALE_AT + timedelta(seconds=59))
    await fans.run(record_transactions, [live])
    row = statement("ann", "tip", 1000, SALE_AT, line=3, fee=250)
    outcomes, events = await fans.run(record_transactions, [row])
    assert outcomes == [("duplicate", None)]
    assert events == []
    [stored] = fans.repo.transactions
    assert (stored.source, stored.external_id, stored.fee_cents) == ("connector", "c1", 200)
    assert fans.repo.state(fid("ann")).purchases == 1


async def test_another_minute_or_amount_or_type_is_another_sale() -> None:
    fans = Fans(CREATOR)
    await fans.run(record_transactions, [connector("c1", "ann", "tip", 1000, SALE_AT)])
    rows = [
        statement("ann", "tip", 1000, SALE_AT + timedelta(minutes=1), line=1),
        statement("ann", "tip", 1001, SALE_AT, line=2),
        statement("ann", "stream_tip", 1000, SALE_AT, line=3),
        statement("bob", "tip", 1000, SALE_AT, line=4),
    ]
    outcomes, _ = await fans.run(record_transactions, rows)
    assert [o for o, _ in outcomes] == ["accepted"] * 4
    assert len(fans.repo.transactions) == 5


@pytest.mark.parametrize("statement_first", [True, False], ids=["statement-first", "connector-first"])
async def test_two_identical_sales_in_a_minute_and_one_seen_live_count_twice(statement_first: bool) -> None:
    fans = Fans(CREATOR)
    rows = [statement("ann", "tip", 500, SALE_AT, line=3, n=1), statement("ann", "tip", 500, SALE_AT, line=4, n=2)]
    live = connector("c1", "ann", "tip", 500, SALE_AT + timedelta(seconds=30))
    if statement_first:
        assert [o for o, _ in (await fans.run(record_transactions, rows))[0]] == ["accepted", "accepted"]
        assert (await fans.run(record_transactions, [live]))[0] == [("duplicate", None)]
        assert sorted((t.match_n, t.source, t.external_id) for t in fans.repo.transactions) == [
            (1, "statement", "c1"),
            (2, "statement", None),
        ]
    else:
        assert (await fans.run(record_transactions, [live]))[0] == [("accepted", live.tx.id)]
        assert [o for o, _ in (await fans.run(record_transactions, rows))[0]] == ["duplicate", "accepted"]
        assert sorted((t.match_n, t.source, t.external_id) for t in fans.repo.transactions) == [
            (1, "connector", "c1"),
            (2, "statement", None),
        ]
    ann = fans.repo.state(fid("ann"))
    assert (ann.purchases, ann.gross_cents, ann.net_cents) == (2, 1000, 800)
    assert kinds(fans.events) == ["transaction.recorded"] * 2


async def test_applying_the_same_statement_rows_again_adds_nothing() -> None:
    fans = Fans(CREATOR)

    def rows() -> list[Incoming]:
        return [
            statement("ann", "tip", 500, SALE_AT, line=1, n=1),
            statement("ann", "tip", 500, SALE_AT, line=2, n=2),
            statement("bob", "post", 1200, SALE_AT + timedelta(minutes=3), line=3),
            statement("bob", "refund", -1200, SALE_AT + timedelta(hours=1), line=4),
        ]

    outcomes, _ = await fans.run(record_transactions, rows())
    assert [o for o, _ in outcomes] == ["accepted"] * 4
    before = {f: fans.repo.state(f) for f in fans.repo.fans}
    outcomes, events = await fans.run(record_transactions, rows())
    assert outcomes == [("duplicate", None)] * 4
    assert events == []
    assert len(fans.repo.transactions) == 4
    assert {f: fans.repo.state(f) for f in fans.repo.fans} == before


async def test_a_refund_is_stored_negative_and_reduces_net_spend() -> None:
    fans = Fans(CREATOR)
    await fans.run(record_transactions, [connector("c1", "ann", "tip", 1000, SALE_AT)])
    refund = connector("r1", "ann", "refund", 400, SALE_AT + timedelta(hours=2))  # connectors send it unsigned
    outcomes, events = await fans.run(record_transactions, [refund])
    assert outcomes == [("accepted", refund.tx.id)]
    assert [figures(e) for e in events] == [("refund", -400, -80, -320, "USD", "connector", "r1")]
    ann = fans.repo.state(fid("ann"))
    assert (ann.gross_cents, ann.net_cents, ann.purchases) == (600, 480, 1)
    assert ann.last_purchase_at == SALE_AT  # a refund is not a purchase
    refund_spend = [r for r in await fans.repo.spend_by_type(fid("ann")) if r["type"] == "refund"]
    assert refund_spend == [
        {"type": "refund", "currency": "USD", "gross_cents": -400, "fee_cents": -80, "net_cents": -320, "count": 1}
    ]
    # the statement shows the same refund with a minus: the same sale
    outcomes, _ = await fans.run(
        record_transactions, [statement("ann", "refund", -400, SALE_AT + timedelta(hours=2), line=9)]
    )
    assert outcomes == [("duplicate", None)]
    assert fans.repo.state(fid("ann")).net_cents == 480


async def test_statement_chunks_number_identical_rows_and_overlapping_files_add_nothing() -> None:
    fans = Fans(CREATOR)

    async def upload(lines: list[tuple[int, str, str, int, datetime]]) -> uuid.UUID:
        """Stages (line, fan, type, gross, at) rows as start_import would (fee 20 %)."""
        record = ImportRecord(uuid.uuid4(), CREATOR, "s.csv", "UTC", "USD", "running", fans.clock())
        await fans.repo.add_import(record, None)
        staged = [StagedRow(n, type_, fan, fan.title(), g, g // 5, g - g // 5, at) for n, fan, type_, g, at in lines]
        await fans.repo.stage_rows(record.id, staged)
        await fans.repo.finish_staging(record.id, len(staged), 0, fans.clock())
        return record.id

    first = await upload(
        [
            (2, "ann", "tip", 500, SALE_AT),
            (3, "ann", "tip", 500, SALE_AT + timedelta(seconds=1)),
            (4, "bob", "post", 900, SALE_AT),
        ]
    )
    await fans.run(apply_chunk, first)
    record = await fans.repo.get_import(CREATOR, first)
    assert record is not None
    assert (record.status, record.rows_processed, record.imported, record.duplicate) == ("done", 3, 3, 0)
    assert record.finished_at == fans.clock()
    assert fans.repo.imports[first].staged == {}
    assert sorted(t.match_n for t in fans.repo.transactions_of(fid("ann"))) == [1, 2]
    assert fans.timer("import_chunk", first) is None

    # an overlapping file: one of the two identical tips again, and a new sale
    second = await upload([(2, "ann", "tip", 500, SALE_AT), (3, "ann", "message", 700, SALE_AT)])
    await fans.run(apply_chunk, second)
    record = await fans.repo.get_import(CREATOR, second)
    assert record is not None and (record.imported, record.duplicate) == (1, 1)
    assert len(fans.repo.transactions) == 4
    assert all(
        t.match_key == match_key(t.fan_id, t.type, t.gross_cents, "USD", t.occurred_at) for t in fans.repo.transactions
    )


# subscriptions moved by payments -------------------------------------------------------------------------


async def test_a_subscription_payment_starts_it_and_a_renewal_extends_it() -> None:
    fans = Fans(CREATOR)
    paid = fans.clock() - timedelta(hours=1)
    _, events = await fans.run(record_transactions, [connector("s1", "ann", "subscription", 999, paid)])
    assert kinds(events) == ["transaction.recorded", "subscription.started", "fan.segment_changed"]
    started = events[1].payload
    assert started.first_time is True and started.via is None
    assert (started.started_at, started.expires_at, started.auto_renew) == (paid, paid + timedelta(days=30), True)
    assert (started.price_cents, started.currency) == (999, "USD")
    assert (events[2].payload.segment, events[2].payload.change) == ("new", "entered")
    sub = fans.repo.state(fid("ann")).subscription
    assert (sub.status, sub.first_started_at, sub.expires_at) == ("active", paid, paid + timedelta(days=30))
    assert fans.timer(REVIEW_TIMER, fid("ann")) == paid + timedelta(days=7)  # no longer new

    fans.clock.advance(days=20)
    left_new = await fans.fire_due()
    assert [(e.type, e.payload.segment, e.payload.change) for e in left_new] == [("fan.segment_changed", "new", "left")]
    assert fans.timer(REVIEW_TIMER, fid("ann")) == paid + timedelta(days=31)  # expiry + the renewal grace

    renewed_at = fans.clock() - timedelta(minutes=1)
    _, events = await fans.run(record_transactions, [connector("s2", "ann", "renewal", 1299, renewed_at)])
    assert kinds(events) == ["transaction.recorded", "subscription.renewed"]
    renewed = events[1].payload
    assert renewed.previous_expires_at == paid + timedelta(days=30)
    assert renewed.expires_at == renewed_at + timedelta(days=30)
    assert renewed.started_at == paid and renewed.price_cents == 1299
    assert fans.timer(REVIEW_TIMER, fid("ann")) == renewed_at + timedelta(days=31)


async def test_an_old_payment_after_the_subscription_expired_changes_nothing() -> None:
    fans = Fans(CREATOR)
    paid = fans.clock() - timedelta(hours=1)
    await fans.run(record_transactions, [connector("s1", "ann", "subscription", 999, paid)])
    fans.clock.advance(days=40)
    expired = await fans.fire_due()
    assert "subscription.expired" in kinds(expired)
    before = fans.repo.state(fid("ann"))
    assert before.subscription.status == "expired" and before.segments == {"lapsed"}

    # a statement brings a payment of an earlier period
    old = statement("ann", "renewal", 999, paid - timedelta(days=5), line=1)
    outcomes, events = await fans.run(record_transactions, [old])
    assert outcomes == [("accepted", old.tx.id)]
    assert kinds(events) == ["transaction.recorded"]
    after = fans.repo.state(fid("ann"))
    assert after.subscription == before.subscription
    assert after.segments == {"lapsed"} and after.purchases == 2
    assert fans.timer(REVIEW_TIMER, fid("ann")) is None


async def test_a_payment_after_a_lapse_expires_the_old_subscription_then_starts_a_new_one() -> None:
    fans = Fans(CREATOR)
    paid = fans.clock() - timedelta(hours=1)
    await fans.run(record_transactions, [connector("s1", "ann", "subscription", 999, paid)])
    fans.clock.advance(days=45)  # no timer fired: the payment itself finds the lapse
    again = fans.clock() - timedelta(hours=2)
    _, events = await fans.run(record_transactions, [connector("s2", "ann", "renewal", 999, again)])
    subscription_events = [e for e in events if e.type.startswith("subscription.")]
    assert kinds(subscription_events) == ["subscription.expired", "subscription.started"]
    expired, started = (e.payload for e in subscription_events)
    assert expired.expired_at == paid + timedelta(days=30) and expired.started_at == paid
    assert started.first_time is False
    assert (started.started_at, started.expires_at) == (again, again + timedelta(days=30))
    assert kinds(events)[0] == "transaction.recorded"
    sub = fans.repo.state(fid("ann")).subscription
    assert (sub.status, sub.first_started_at, sub.started_at, sub.expired_at) == ("active", paid, again, None)


async def test_payments_of_one_batch_apply_in_the_order_they_happened() -> None:
    fans = Fans(CREATOR)
    first = fans.clock() - timedelta(days=50)
    batch = [
        statement("ann", "renewal", 999, first + timedelta(days=40), line=2),  # after a lapse of 10 days
        statement("ann", "subscription", 999, first, line=1),
    ]
    _, events = await fans.run(record_transactions, batch)
    sub_events = [
        (e.type, getattr(e.payload, "first_time", None)) for e in events if e.type.startswith("subscription.")
    ]
    assert sub_events == [
        ("subscription.started", True),
        ("subscription.expired", None),
        ("subscription.started", False),
    ]
    sub = fans.repo.state(fid("ann")).subscription
    assert (sub.status, sub.first_started_at, sub.started_at) == ("active", first, first + timedelta(days=40))


# subscription reports --------------------------------------------------------------------------------------


async def test_connector_reports_start_renew_and_end_a_subscription_and_stale_ones_change_nothing() -> None:
    fans = Fans(CREATOR)
    now = fans.clock()
    s0 = now - timedelta(days=2)
    first = report("ann", "active", s0, s0 + timedelta(days=30), via={"tracking_link": "tl-1"})
    outcomes, events = await fans.run(report_subscriptions, [first])
    assert outcomes == ["accepted"]
    assert kinds(events) == ["subscription.started", "fan.segment_changed", "fan.segment_changed"]
    started = events[0].payload
    assert started.first_time is True
    assert started.via is not None and started.via.tracking_link == "tl-1" and started.via.trial is None
    assert (started.started_at, started.expires_at, started.price_cents, started.auto_renew) == (
        s0,
        s0 + timedelta(days=30),
        999,
        True,
    )
    assert [(e.payload.segment, e.payload.change) for e in events[1:]] == [
        ("never_spent", "entered"),
        ("new", "entered"),
    ]
    assert fans.timer(REVIEW_TIMER, fid("ann")) == s0 + timedelta(days=7)

    # the same report again
    outcomes, events = await fans.run(report_subscriptions, [first])
    assert (outcomes, events) == (["duplicate"], [])

    # a later expiry: renewed
    later = report("ann", "active", s0, s0 + timedelta(days=60))
    outcomes, events = await fans.run(report_subscriptions, [later])
    assert outcomes == ["accepted"]
    assert kinds(events) == ["subscription.renewed"]
    assert (events[0].payload.previous_expires_at, events[0].payload.expires_at) == (
        s0 + timedelta(days=30),
        s0 + timedelta(days=60),
    )

    # a stale report (an earlier expiry) arriving late
    before = fans.repo.state(fid("ann"))
    outcomes, events = await fans.run(report_subscriptions, [first])
    assert (outcomes, events) == (["duplicate"], [])
    assert fans.repo.state(fid("ann")) == before

    # expired
    ended = report("ann", "expired", s0, s0 + timedelta(days=60), auto_renew=False)
    outcomes, events = await fans.run(report_subscriptions, [ended])
    assert outcomes == ["accepted"]
    assert kinds(events) == ["subscription.expired", "fan.segment_changed", "fan.segment_changed"]
    assert events[0].payload.expired_at == now  # reported before its expiry: ended now
    assert [(e.payload.segment, e.payload.change) for e in events[1:]] == [("new", "left"), ("lapsed", "entered")]
    sub = fans.repo.state(fid("ann")).subscription
    assert (sub.status, sub.expired_at, sub.via) == ("expired", now, {"tracking_link": "tl-1"})
    assert fans.timer(REVIEW_TIMER, fid("ann")) is None

    # stale after the end: an active report of the earlier period
    outcomes, events = await fans.run(report_subscriptions, [later, first])
    assert (outcomes, events) == (["duplicate", "duplicate"], [])
    assert fans.repo.state(fid("ann")).subscription == sub


async def test_one_batch_of_reports_applies_in_order() -> None:
    fans = Fans(CREATOR)
    s0 = fans.clock() - timedelta(days=1)
    a = report("ann", "active", s0, s0 + timedelta(days=30))
    b = report("ann", "active", s0, s0 + timedelta(days=60))
    outcomes, events = await fans.run(report_subscriptions, [a, a, b, a])
    assert outcomes == ["accepted", "duplicate", "accepted", "duplicate"]
    assert [e.type for e in events if e.type.startswith("subscription.")] == [
        "subscription.started",
        "subscription.renewed",
    ]


async def test_an_expired_report_for_a_fan_never_seen_subscribed_keeps_the_history_silently() -> None:
    fans = Fans(CREATOR)
    s0 = fans.clock() - timedelta(days=90)
    outcomes, events = await fans.run(report_subscriptions, [report("zoe", "expired", s0, s0 + timedelta(days=30))])
    assert outcomes == ["accepted"]
    assert kinds(events) == ["fan.segment_changed", "fan.segment_changed"]  # no subscription event
    assert {(e.payload.segment, e.payload.change) for e in events} == {
        ("lapsed", "entered"),
        ("never_spent", "entered"),
    }
    sub = fans.repo.state(fid("zoe")).subscription
    assert (sub.status, sub.first_started_at, sub.expired_at) == ("expired", s0, s0 + timedelta(days=30))


async def test_a_new_subscription_reported_after_an_unnoticed_end_expires_the_old_one_first() -> None:
    fans = Fans(CREATOR)
    s0 = fans.clock() - timedelta(days=1)
    await fans.run(report_subscriptions, [report("ann", "active", s0, s0 + timedelta(days=10), auto_renew=False)])
    fans.clock.advance(days=15)  # the fan_review timer did not run
    s1 = fans.clock() - timedelta(hours=3)
    outcomes, events = await fans.run(report_subscriptions, [report("ann", "active", s1, s1 + timedelta(days=30))])
    assert outcomes == ["accepted"]
    subs = [e for e in events if e.type.startswith("subscription.")]
    assert kinds(subs) == ["subscription.expired", "subscription.started"]
    assert subs[0].payload.expired_at == s0 + timedelta(days=10)
    assert subs[1].payload.first_time is False and subs[1].payload.started_at == s1
    assert fans.repo.state(fid("ann")).subscription.first_started_at == s0


async def test_auto_renew_turned_off_in_the_last_days_is_an_update_that_makes_the_fan_expiring() -> None:
    fans = Fans(CREATOR)
    s0 = fans.clock() - timedelta(days=28)
    expires = s0 + timedelta(days=30)
    await fans.run(report_subscriptions, [report("ann", "active", s0, expires, auto_renew=True)])
    assert fans.timer(REVIEW_TIMER, fid("ann")) == expires + timedelta(hours=24)
    outcomes, events = await fans.run(report_subscriptions, [report("ann", "active", s0, expires, auto_renew=False)])
    assert outcomes == ["accepted"]
    assert [(e.type, e.payload.segment, e.payload.change) for e in events] == [
        ("fan.segment_changed", "expiring", "entered")
    ]
    assert fans.repo.state(fid("ann")).subscription.auto_renew is False
    assert fans.timer(REVIEW_TIMER, fid("ann")) == expires  # no grace any more


async def test_an_import_whose_chunk_keeps_failing_ends_failed_not_running_forever() -> None:
    from fans.consumers import ImportDue, subscriptions
    from fans.handlers.imports import IMPORT_CHUNK_ATTEMPTS
    from huntaze_service import Timer

    fans = Fans(CREATOR)
    record = ImportRecord(uuid.uuid4(), CREATOR, "s.csv", "UTC", "USD", "running", fans.clock())
    await fans.repo.add_import(record, None)
    await fans.repo.stage_rows(record.id, [StagedRow(2, "tip", "ann", "Ann", 500, 100, 400, SALE_AT)])
    handler = subscriptions().timers["import_chunk"].handler
    now = fans.clock()
    spec = subscriptions().timers["import_chunk"]
    assert spec.retry is not None and spec.retry.max_attempts == IMPORT_CHUNK_ATTEMPTS + 1
    # the last attempt the chassis grants does not try again: it records the failure for the creator
    last = Timer(
        "import_chunk", str(record.id), CREATOR, now, now, IMPORT_CHUNK_ATTEMPTS + 1, ImportDue(import_id=record.id)
    )
    await fans.run(lambda uow, _creator, timer: handler(uow, timer), last)
    stored = await fans.repo.get_import(CREATOR, record.id)
    assert stored is not None and stored.status == "failed" and "failed 5 times" in (stored.error or "")
    assert fans.repo.imports[record.id].staged == {} and fans.repo.transactions == []
