"""F26: media money through SIGKILLs. One creator files 60 vault items (``media.uploaded``) and
sends 600 offers (``ppv.offered``; 242 of them bundles of 2 or 3 items; two prices) to 120
fans whose segments (``fan.segment_changed``, two segments) were set before; half of the offers are
unlocked (``ppv.unlocked`` and the ``transaction.recorded`` of type ``message`` whose ``ref`` names
the offer) and a quarter of the unlocks refunded (``transaction.recorded`` of type ``refund``, same
``ref``, negative amounts; half of them in full, half in part). Every event goes twice on the wire,
while the content worker (its ``usage_*`` consumers) and the analytics worker (its ``media_*``,
``chatter_*`` and ``revenue`` consumers) are each SIGKILLed once a quarter of their effects are
written (content: rows of ``usage_offers`` and ``usage_offer_transactions``; analytics: rows of
``media_offers``, their unlock marks and ``media_offer_reversals``; 975 each), and restarted; then
every event once more under new event ids, read to its end by both workers.

Afterwards, read through the services' own queries and pure rules fed by their databases:

- content (H2, the usage history): per medium, offers sent, bought and refunded, sent and bought per
  price, and revenue gross and net exactly as the events make them (a bundle's revenue counts in
  full for each of its media);
- analytics (media ROI): per item offers, unlocks, gross and net with each bundle split (equal
  shares, the remainder cents to the offer's first medium: the service's ``split``) and per segment,
  exactly as expected; the items' nets sum to the totals' net, which is every unlock's net plus
  every refund's (negative) net, to the cent; every item carries its vault title.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from analytics import media as media_roi_use_case
from analytics.adapters.repository import SqlAnalyticsRepository
from analytics.media_roi import MediaReport, split
from analytics.reports import Window
from content import usage_handlers
from content.adapters.usage_sql import SqlUsageRepository
from huntaze_events import (
    REGISTRY,
    FanRef,
    FanSegmentChanged,
    MediaUploaded,
    OfferBy,
    PpvOffered,
    PpvUnlocked,
    TransactionRecorded,
    TransactionRef,
    make_envelope,
)
from huntaze_testkit import ServiceProcess
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(300)

MEDIA, FANS, OFFERS = 60, 120, 600
PRICES = (999, 1301)  # odd: a bundle's split leaves remainder cents
SEGMENTS = ("whales", "new")
CURRENCY = "USD"


@dataclass
class Offer:
    envelope: Any
    fan: int
    media: list[uuid.UUID]
    price: int
    sale: tuple[int, int] | None = None  # (gross, net) of the unlock
    refund: tuple[int, int] | None = None  # (gross, net), negative

    @property
    def gross(self) -> int:
        return sum(m[0] for m in (self.sale, self.refund) if m)

    @property
    def net(self) -> int:
        return sum(m[1] for m in (self.sale, self.refund) if m)


@dataclass
class Fig:
    offers: int = 0
    unlocks: int = 0
    gross: int = 0
    net: int = 0

    def add(self, unlocked: bool, gross: int, net: int) -> None:
        self.offers += 1
        self.unlocks += int(unlocked)
        self.gross += gross
        self.net += net

    def tuple(self) -> tuple[int, int, int, int]:
        return (self.offers, self.unlocks, self.gross, self.net)


@dataclass
class Usage:
    """H2's figures of one medium: a bundle's revenue counts in full for each of its media."""

    sent: int = 0
    bought: int = 0
    refunded: int = 0
    gross: int = 0
    net: int = 0
    by_price: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def summary(self) -> tuple[Any, ...]:
        prices = tuple((p, CURRENCY, s, b) for p, (s, b) in sorted(self.by_price.items()))
        return (self.sent, self.bought, self.refunded, ((CURRENCY, self.gross, self.net),), prices)


class _Tx:
    """What the services' plain-SQL repositories read through: one psycopg connection."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn

    async def driver(self) -> psycopg.AsyncConnection[Any]:
        return self._conn


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


async def test_f26_media_money_is_exact_through_sigkills_and_a_replay(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    rng = random.Random(26)
    creator, chatter = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC).replace(microsecond=0)
    base = now - timedelta(hours=3)
    media = [uuid.uuid4() for _ in range(MEDIA)]
    fans = [FanRef(fan_id=uuid.uuid4(), external_id=f"f26_{i}", display_name=f"Fan{i}") for i in range(FANS)]

    def on(payload: Any, producer: str, at: datetime) -> Any:
        return make_envelope(payload, producer=producer, creator_id=creator, occurred_at=at)

    uploads = [
        on(
            MediaUploaded(
                media_id=m,
                kind="photo" if i % 3 else "video",
                content_type="image/jpeg" if i % 3 else "video/mp4",
                size_bytes=100_000 + i,
                sha256=uuid.uuid4().hex * 2,
                title=f"F26 item {i}",
                tags=[f"t{i % 7}"],
                uploaded_at=base - timedelta(days=1),
            ),
            "content",
            base - timedelta(days=1),
        )
        for i, m in enumerate(media)
    ]
    segment_of = [SEGMENTS[k % 2] for k in range(FANS)]
    segments = [
        on(
            FanSegmentChanged(
                fan_id=f.fan_id, segment=segment_of[k], change="entered", segment_name=segment_of[k].title(),
                at=base - timedelta(hours=1),
            ),
            "fans",
            base - timedelta(hours=1),
        )
        for k, f in enumerate(fans)
    ]  # fmt: skip

    offers: list[Offer] = []
    for i in range(OFFERS):
        size = 1 if i < MEDIA else rng.choice((1, 1, 1, 1, 2, 2, 3))  # every medium offered alone once first
        chosen = [media[i]] if i < MEDIA else rng.sample(media, size)
        price = PRICES[rng.randrange(2)]
        sent_at = base + timedelta(seconds=10 * i)
        payload = PpvOffered(
            offer_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            fan_id=fans[i % FANS].fan_id,
            text="a new set",
            price_cents=price,
            currency=CURRENCY,
            media_ids=chosen,
            by=OfferBy(user_id=chatter),
            sent_at=sent_at,
            expires_at=sent_at + timedelta(days=2),
        )
        offers.append(Offer(on(payload, "inbox", sent_at), i % FANS, chosen, price))

    def tx(o: Offer, type_: str, gross: int, fee: int, at: datetime) -> Any:
        p = o.envelope.payload
        return on(
            TransactionRecorded(
                transaction_id=uuid.uuid4(),
                fan_id=fans[o.fan].fan_id,
                fan=fans[o.fan],
                type=type_,  # type: ignore[arg-type]
                gross_cents=gross,
                fee_cents=fee,
                net_cents=gross - fee,
                currency=CURRENCY,
                occurred_at=at,
                source="connector",
                ref=TransactionRef(kind="message", id=str(p.offer_id)),
            ),
            "fans",
            at,
        )

    unlocks, transactions = [], []
    sold = rng.sample(range(OFFERS), OFFERS // 2)
    for n, i in enumerate(sold):
        o, p = offers[i], offers[i].envelope.payload
        at = p.sent_at + timedelta(minutes=10)
        sale = tx(o, "message", o.price, o.price // 5, at)
        transactions.append(sale)
        o.sale = (sale.payload.gross_cents, sale.payload.net_cents)
        unlocks.append(
            on(
                PpvUnlocked(
                    offer_id=p.offer_id, conversation_id=p.conversation_id, fan_id=p.fan_id,
                    transaction_id=sale.payload.transaction_id, price_cents=o.price, gross_cents=o.price,
                    net_cents=sale.payload.net_cents, currency=CURRENCY, media_ids=p.media_ids, by=p.by,
                    offered_at=p.sent_at, unlocked_at=at,
                ),
                "inbox",
                at,
            )
        )  # fmt: skip
        if n % 4 == 0:  # a quarter of the unlocks refunded: half of them in full, half in part
            back = o.price if n % 8 == 0 else o.price // 3
            refund = tx(o, "refund", -back, -(back // 5), at + timedelta(minutes=10))
            transactions.append(refund)
            o.refund = (refund.payload.gross_cents, refund.payload.net_cents)

    by_topic = {
        REGISTRY.for_model(MediaUploaded): uploads,
        REGISTRY.for_model(FanSegmentChanged): segments,
        REGISTRY.for_model(PpvOffered): [o.envelope for o in offers],
        REGISTRY.for_model(PpvUnlocked): unlocks,
        REGISTRY.for_model(TransactionRecorded): transactions,
    }
    rates = {"ppv.offered": 240, "ppv.unlocked": 120, "transaction.recorded": 150}
    produced = sum(len(v) for v in by_topic.values())
    effects_total = OFFERS + len(transactions)  # per service: the offers, their sales and refunds

    # what each service must show ---------------------------------------------------------------
    want_usage: dict[uuid.UUID, Usage] = defaultdict(Usage)
    want_items: dict[uuid.UUID, Fig] = defaultdict(Fig)
    want_segments: dict[uuid.UUID, dict[str, Fig]] = defaultdict(lambda: defaultdict(Fig))
    want_total = Fig()
    for o in offers:
        unlocked = o.sale is not None
        want_total.add(unlocked, o.gross, o.net)
        gross, net = split(o.gross, len(o.media)), split(o.net, len(o.media))
        for k, m in enumerate(o.media):
            u = want_usage[m]
            u.sent += 1
            u.bought += int(unlocked)
            u.refunded += int(unlocked and o.gross <= 0)
            u.gross += o.gross
            u.net += o.net
            u.by_price[o.price][0] += 1
            u.by_price[o.price][1] += int(unlocked)
            want_items[m].add(unlocked, gross[k], net[k])
            want_segments[m][segment_of[o.fan]].add(unlocked, gross[k], net[k])
    want_net = sum(o.sale[1] for o in offers if o.sale) + sum(o.refund[1] for o in offers if o.refund)
    assert want_total.net == want_net and sum(f.net for f in want_items.values()) == want_net

    # what they show ----------------------------------------------------------------------------
    content_dsn, analytics_dsn = _dsn(lab.env["CONTENT_DATABASE_URL"]), _dsn(lab.env["ANALYTICS_DATABASE_URL"])
    content_db = await psycopg.AsyncConnection.connect(content_dsn, autocommit=True)
    analytics_db = await psycopg.AsyncConnection.connect(analytics_dsn, autocommit=True)
    usage_uow = SimpleNamespace(repo=SqlUsageRepository(_Tx(content_db)))  # type: ignore[arg-type]
    roi_uow = SimpleNamespace(repo=SqlAnalyticsRepository(_Tx(analytics_db)))  # type: ignore[arg-type]
    window = Window(base - timedelta(days=1), now + timedelta(days=1))

    async def scalar(conn: psycopg.AsyncConnection[Any], sql: str) -> int:
        return int((await (await conn.execute(sql, {"c": creator})).fetchone() or (0,))[0] or 0)

    async def content_effects() -> int:
        return await scalar(
            content_db,
            "SELECT (SELECT count(*) FROM usage_offers WHERE creator_id = %(c)s)"
            " + (SELECT count(*) FROM usage_offer_transactions WHERE creator_id = %(c)s)",
        )

    async def analytics_effects() -> int:
        return await scalar(
            analytics_db,
            "SELECT (SELECT count(*) FROM media_offers WHERE creator_id = %(c)s)"
            " + (SELECT count(*) FROM media_offers WHERE creator_id = %(c)s AND unlock_transaction_id IS NOT NULL)"
            " + (SELECT count(*) FROM media_offer_reversals WHERE creator_id = %(c)s)",
        )

    async def content_usage() -> dict[uuid.UUID, tuple[Any, ...]]:
        got = {}
        for m in media:
            try:
                s = (await usage_handlers.usage_of(usage_uow, creator, m)).offers  # type: ignore[arg-type]
            except usage_handlers.UnknownMedia:
                continue
            prices = tuple((p.price_cents, p.currency, p.sent, p.bought) for p in s.by_price)
            revenue = tuple((r.currency, r.gross_cents, r.net_cents) for r in s.revenue)
            got[m] = (s.sent, s.bought, s.refunded, revenue, prices)
        return got

    async def roi() -> MediaReport:
        return await media_roi_use_case.report(roi_uow, creator, window, CURRENCY, None, 1000)  # type: ignore[arg-type]

    def wrong_media(got: dict[uuid.UUID, tuple[Any, ...]]) -> int:
        return sum(1 for m in media if got.get(m) != want_usage[m].summary())

    def wrong_items(report: MediaReport) -> int:
        rows = {r.media_id: r for r in report.items if r.currency == CURRENCY}
        wrong = 0
        for m in media:
            row = rows.get(m)
            f = row.figures if row else None
            if row is None or (f.offers, f.unlocks, f.gross_cents, f.net_cents) != want_items[m].tuple():
                wrong += 1
                continue
            by_segment = {
                s.segment: (s.figures.offers, s.figures.unlocks, s.figures.gross_cents, s.figures.net_cents)
                for s in row.by_segment
            }
            if by_segment != {s: fig.tuple() for s, fig in want_segments[m].items()}:
                wrong += 1
            elif row.info is None or row.info.title != f"F26 item {media.index(m)}":
                wrong += 1
        return wrong + len(set(rows) - set(media))

    def totals_of(report: MediaReport) -> tuple[int, int, int, int] | None:
        t = report.totals.get(CURRENCY)
        return (t.offers, t.unlocks, t.gross_cents, t.net_cents) if t else None

    content_worker = lab.service("content", role="worker")
    analytics_worker = lab.service("analytics", role="worker")
    killed: dict[str, int] = {}
    restarted: dict[str, float] = {}

    async def announce(topics: list[str], copies: int, fresh_ids: bool = False) -> None:
        def batch(envelopes: list[Any]) -> list[Any]:
            return [e.model_copy(update={"event_id": uuid.uuid4()}) for e in envelopes] if fresh_ids else envelopes

        await asyncio.gather(
            *(
                lab.produce(spec, batch(items), copies=copies, per_second=rates.get(spec.type, 0) * copies)
                for spec, items in by_topic.items()
                if spec.type in topics
            )
        )

    async def kill_once(name: str, worker: ServiceProcess, effects: Any) -> None:
        deadline = time.monotonic() + 60
        while (reached := await effects()) < effects_total // 4:
            assert time.monotonic() < deadline, (name, reached)
            await asyncio.sleep(0.02)
        worker.kill(signal.SIGKILL)
        killed[name] = reached
        await asyncio.sleep(1)
        worker.start()
        restarted[name] = time.monotonic()
        await asyncio.to_thread(worker.wait_ready)

    started = time.monotonic()
    try:
        # the vault and the fans' segments first (segment changes dated before every offer), then the
        # money, twice on the wire, through a SIGKILL of each worker
        await announce(["media.uploaded", "fan.segment_changed"], copies=2)
        await asyncio.gather(
            announce(["ppv.offered", "ppv.unlocked", "transaction.recorded"], copies=2),
            kill_once("content", content_worker, content_effects),
            kill_once("analytics", analytics_worker, analytics_effects),
        )
        await announce(list(rates) + ["media.uploaded", "fan.segment_changed"], copies=1, fresh_ids=True)

        deadline = time.monotonic() + 120
        while True:
            usage, report = await content_usage(), await roi()
            if not wrong_media(usage) and not wrong_items(report) and totals_of(report) == want_total.tuple():
                break
            assert time.monotonic() < deadline, (
                wrong_media(usage),
                wrong_items(report),
                totals_of(report),
                want_total.tuple(),
                lab.log_tails(),
            )
            await asyncio.sleep(0.5)
        recovery = time.monotonic() - max(restarted.values())
        # the replay read to its end by both workers (their groups are named for the service), then
        # a moment for anything late: nothing may count twice
        groups = [("content", s.topic) for s in by_topic if s.type in rates]
        groups += [("analytics", s.topic) for s in by_topic]
        while any([await lab.lag(group, topic) for group, topic in groups]):
            assert time.monotonic() < deadline, "the replay was not read to its end"
            await asyncio.sleep(0.5)
        await asyncio.sleep(1)
        usage, report = await content_usage(), await roi()
        content_rows, analytics_rows = await content_effects(), await analytics_effects()
        dlq = await dead_letters(lab, creator, list(by_topic))
    finally:
        await content_db.close()
        await analytics_db.close()
    elapsed = time.monotonic() - started

    items_net = sum(r.figures.net_cents for r in report.items if r.currency == CURRENCY)
    totals = totals_of(report)
    content_wrong, analytics_wrong = wrong_media(usage), wrong_items(report)
    money_exact = content_wrong == 0 and analytics_wrong == 0 and totals == want_total.tuple() and items_net == want_net
    report_line = Report(
        "F26",
        produced=3 * produced,
        effects=content_rows + analytics_rows,
        duplicates=max(0, content_rows - effects_total) + max(0, analytics_rows - effects_total),
        lost=max(0, effects_total - content_rows) + max(0, effects_total - analytics_rows),
        dlq=dlq,
        recovery_s=recovery,
        extra={
            "money_exact": money_exact,
            "content_rows": content_rows,
            "analytics_rows": analytics_rows,
            "killed_at_content": killed["content"],
            "killed_at_analytics": killed["analytics"],
            "media_wrong_content": content_wrong,
            "items_wrong_analytics": analytics_wrong,
            "items_net_cents": items_net,
            "expected_net_cents": want_net,
            "elapsed_s": f"{elapsed:.1f}",
        },
    )
    emit(capsys, report_line)
    assert money_exact and dlq == 0, report_line.line()
    assert max(killed.values()) < effects_total, report_line.line()


async def dead_letters(lab: Lab, creator: uuid.UUID, specs: list[Any]) -> int:
    """This creator's events on the topics' dead-letter topics (none may be there)."""

    def mine(record: Any) -> bool:
        try:
            return json.loads(record.value).get("creator_id") == str(creator)
        except (ValueError, TypeError, AttributeError):
            return True  # not an envelope: still a dead letter

    found = await asyncio.gather(*(lab.topic_records(s.dlq_topic, mine) for s in specs))
    return sum(len(f) for f in found)
