"""F23: marketing in money (analytics' read models of clicks, conversions and campaign costs) through a
SIGKILL and a redelivery. For one creator, as the marketing and fans services announce them: two
campaigns (``campaign.created``: one costed in USD, one in EUR), 20,000 clicks (``link.clicked``) over
three links on two networks (a tenth of them robots', some before and after the report's window),
500 new subscribers through those links (``conversion.tracked``; 20 before the window, 17 after it)
and 50 of them reported again through another link, later (the first link wins), and 3,050
transactions (``transaction.recorded``): 6 of each converted fan — one before the conversion, one at
its very instant, one in EUR, refunds, some after the window — and 50 of fans who never came through
a link. The campaigns first, then all the rest at once; the analytics worker (its ``marketing_*``
and ``revenue`` consumers) is SIGKILLed once a quarter of the clicks are stored, with the three
backlogs in flight, and restarted. Then a slice — 5,000 clicks, 200 conversions, 1,000
transactions, both campaigns — is announced again with new event ids (a redelivery the event-id
record does not catch).

Afterwards ``link_clicks`` holds one row per distinct click, ``link_conversions`` one row per fan on
its first link at its first instant, ``campaign_costs`` the two campaigns, and
``GET /v1/analytics/conversion`` by campaign, link, post and network, in USD and in EUR, equals the
figures computed here from the definitions (clicks and subscribers in the window, the revenue of the
window of converted fans since they came), to the cent, ROI exact.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import (
    REGISTRY,
    CampaignCreated,
    ConversionTracked,
    FanRef,
    LinkClicked,
    TransactionRecorded,
    make_envelope,
)
from huntaze_testkit import internal_headers
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(600)

FANS = 500  # converted through a link
EARLY = 20  # fans 0..19 converted before the window
STRANGERS = 10  # fans with sales who never came through a link
CLICKS = 20_000
BOT_EVERY = 10  # every tenth click is a robot's
REPEATED = range(100, 150)  # reported again, later, through the next link: the first one wins
REDELIVERED_CLICKS, REDELIVERED_FANS, REDELIVERED_TX = 5_000, 150, 1_000
BYS = ("campaign", "link", "post", "network")
CURRENCIES = ("USD", "EUR")


@dataclass(frozen=True)
class Link:
    link_id: uuid.UUID
    post_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    network: str

    def key(self, by: str) -> str | None:
        value = {"link": self.link_id, "post": self.post_id, "campaign": self.campaign_id, "network": self.network}[by]
        return None if value is None else str(value)


def fee_of(gross: int) -> int:
    return gross // 5 if gross > 0 else -((-gross) // 5)


async def test_f23_conversion_figures_are_exact_through_a_sigkill_and_a_redelivery(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    creator, owner = uuid.uuid4(), uuid.uuid4()
    run = uuid.uuid4().hex[:8]
    now = datetime.now(UTC).replace(microsecond=0)
    w0, w1 = now - timedelta(days=10), now - timedelta(days=1)  # the report's window [w0, w1)

    # -- two campaigns, three links on two networks -------------------------------------------------
    campaigns = [
        CampaignCreated(
            campaign_id=uuid.uuid4(), name=f"F23 {run} summer", cost_cents=50_000, currency="USD",
            starts_at=w0 - timedelta(days=1), ends_at=w1,
        ),
        CampaignCreated(
            campaign_id=uuid.uuid4(), name=f"F23 {run} eu", cost_cents=20_000, currency="EUR",
            starts_at=w0, ends_at=now,
        ),
    ]  # fmt: skip
    a, b = campaigns[0].campaign_id, campaigns[1].campaign_id
    links = [
        Link(uuid.uuid4(), uuid.uuid4(), a, "x"),
        Link(uuid.uuid4(), uuid.uuid4(), a, "instagram"),
        Link(uuid.uuid4(), None, b, "x"),  # a link of the campaign shared on no post of ours
    ]
    campaign_of = {c.campaign_id: c for c in campaigns}

    # -- 20,000 clicks from w0 - 12 h to w1 + 11 h; one exactly at w1 (out), one exactly at w0 (in) ----
    clicks: list[LinkClicked] = []
    for k in range(CLICKS):
        at = w0 - timedelta(hours=12) + timedelta(seconds=43 * k)
        if k == 0:
            at = w1
        elif k == 1:
            at = w0
        link = links[k % 3]
        clicks.append(
            LinkClicked(
                link_id=link.link_id,
                click_id=uuid.uuid4(),
                clicked_at=at,
                post_id=link.post_id,
                campaign_id=link.campaign_id,
                network=link.network,  # type: ignore[arg-type]
                referrer_network="x" if k % 2 else None,
                country="US",
                bot=k % BOT_EVERY == 3,
            )
        )

    # -- 500 conversions (and 50 later ones through another link), 3,050 transactions ---------------
    fans = [FanRef(fan_id=uuid.uuid4(), external_id=f"f23_{run}_{i}", display_name=f"Fan{i}") for i in range(FANS)]
    strangers = [
        FanRef(fan_id=uuid.uuid4(), external_id=f"f23_{run}_s{i}", display_name=f"Stranger{i}")
        for i in range(STRANGERS)
    ]

    def converted_at(i: int) -> datetime:
        if i < EARLY:
            return w0 - timedelta(hours=2, minutes=i)
        return w0 + timedelta(minutes=28 * (i - EARLY))  # fan 20 exactly at w0; fans 483.. after w1

    def conversion(i: int, link: Link, at: datetime) -> ConversionTracked:
        return ConversionTracked(
            fan_id=fans[i].fan_id,
            link_id=link.link_id,
            post_id=link.post_id,
            campaign_id=link.campaign_id,
            network=link.network,  # type: ignore[arg-type]
            onlyfans_link=f"https://onlyfans.com/f23{run}/c{links.index(link)}",
            converted_at=at,
        )

    first = [conversion(i, links[i % 3], converted_at(i)) for i in range(FANS)]
    repeats = [conversion(i, links[(i + 1) % 3], converted_at(i) + timedelta(minutes=30)) for i in REPEATED]

    def transaction(fan: FanRef, kind: str, gross: int, currency: str, at: datetime, ext: str) -> TransactionRecorded:
        fee = fee_of(gross)
        return TransactionRecorded(
            transaction_id=uuid.uuid4(),
            fan_id=fan.fan_id,
            fan=fan,
            type=kind,  # type: ignore[arg-type]
            gross_cents=gross,
            fee_cents=fee,
            net_cents=gross - fee,
            currency=currency,
            occurred_at=at,
            source="connector",
            external_id=f"f23-{run}-{ext}",
        )

    transactions: list[TransactionRecorded] = []
    for j in range(6):  # interleaved across fans, as they come
        for i, f in enumerate(fans):
            c = converted_at(i)
            if j == 0:  # before the fan came through the link: never theirs
                transactions.append(transaction(f, "message", 700 + i, "USD", c - timedelta(hours=1), f"{i}-{j}"))
            elif j == 1:  # the subscription, at the very instant of the conversion
                transactions.append(transaction(f, "subscription", 999, "USD", c, f"{i}-{j}"))
            elif j == 2:  # before a repeated fan's later conversion: counts only if the first link wins
                transactions.append(transaction(f, "tip", 100 + 13 * i, "USD", c + timedelta(minutes=20), f"{i}-{j}"))
            elif j == 3:
                transactions.append(transaction(f, "message", 250 + i, "EUR", c + timedelta(hours=3), f"{i}-{j}"))
            elif j == 4 and i % 5 == 0:
                transactions.append(
                    transaction(f, "refund", -(100 + 13 * i), "USD", c + timedelta(hours=5), f"{i}-{j}")
                )
            elif j == 4:
                transactions.append(transaction(f, "tip", 300 + 7 * i, "USD", c + timedelta(hours=5), f"{i}-{j}"))
            else:  # a day later: after the window for the last fans
                transactions.append(transaction(f, "tip", 150 + i, "USD", c + timedelta(hours=30), f"{i}-{j}"))
    for i, f in enumerate(strangers):
        for j in range(5):
            at = w0 + timedelta(days=1 + i % 7, hours=j)
            transactions.append(transaction(f, "tip", 400 + 11 * i + j, "EUR" if j == 4 else "USD", at, f"s{i}-{j}"))

    # -- the figures, from the definitions ------------------------------------------------------------
    first_of = {c.fan_id: (links[i % 3], c.converted_at) for i, c in enumerate(first)}

    def in_window(at: datetime) -> bool:
        return w0 <= at < w1

    def expected_rows(by: str, currency: str) -> dict[str | None, dict[str, Any]]:
        figures: dict[str | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # clicks bots subs gross net
        by_link = {link.link_id: link for link in links}
        for click in clicks:
            if in_window(click.clicked_at):
                figures[by_link[click.link_id].key(by)][1 if click.bot else 0] += 1
        for link, at in first_of.values():
            if in_window(at):
                figures[link.key(by)][2] += 1
        for t in transactions:
            if t.fan_id in first_of and t.currency == currency and in_window(t.occurred_at):
                link, at = first_of[t.fan_id]
                if t.occurred_at >= at:
                    figures[link.key(by)][3] += t.gross_cents
                    figures[link.key(by)][4] += t.net_cents
        out: dict[str | None, dict[str, Any]] = {}
        for key, (n, bots, subs, gross, net) in figures.items():
            campaign = campaign_of.get(uuid.UUID(key)) if by == "campaign" and key else None
            roi = None
            if campaign and campaign.cost_cents > 0 and campaign.currency == currency:
                roi = (Decimal(net) / Decimal(campaign.cost_cents)).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)
            out[key] = {
                "key": key,
                "name": campaign.name if campaign else None,
                "clicks": n,
                "bot_clicks": bots,
                "subscribers": subs,
                "conversion_rate": round(subs / n, 6) if n else None,
                "gross_cents": gross,
                "net_cents": net,
                "cost_cents": campaign.cost_cents if campaign else None,
                "roi": roi,
            }
        return out

    # -- envelopes, as the producing services would put them on Kafka (new event ids on every call) ---
    def envelopes(payloads: list[Any], producer: str, at: str) -> list[Any]:
        return [make_envelope(p, producer=producer, creator_id=creator, occurred_at=getattr(p, at)) for p in payloads]

    campaign_spec, click_spec = REGISTRY.for_model(CampaignCreated), REGISTRY.for_model(LinkClicked)
    conversion_spec, tx_spec = REGISTRY.for_model(ConversionTracked), REGISTRY.for_model(TransactionRecorded)
    specs = (campaign_spec, click_spec, conversion_spec, tx_spec)

    worker = lab.service("analytics", role="worker", ANALYTICS_ATTRIBUTION_SETTLE_S="1")
    api = lab.service("analytics", role="api")
    db = create_async_engine(lab.env["ANALYTICS_DATABASE_URL"])

    async def count(table: str) -> int:
        async with db.connect() as conn:
            query = text(f"SELECT count(*) FROM {table} WHERE creator_id = :c")
            return int((await conn.execute(query, {"c": creator})).scalar() or 0)

    async def counts() -> tuple[int, int, int, int]:
        return (
            await count("campaign_costs"),
            await count("link_clicks"),
            await count("link_conversions"),
            await count("transactions"),
        )

    want_counts = (len(campaigns), CLICKS, FANS, len(transactions))
    try:
        async with httpx.AsyncClient(base_url=api.url, timeout=30) as client:
            # -- the campaigns first: the worker has joined its group and applies when the burst comes
            await lab.produce(campaign_spec, envelopes(campaigns, "marketing", "starts_at"))
            deadline = time.monotonic() + 120
            while await count("campaign_costs") < len(campaigns):
                assert time.monotonic() < deadline, lab.log_tails()
                await asyncio.sleep(0.05)

            # -- the burst: everything at once, the clicks fastest, so that the kill at a quarter of the
            # clicks finds the conversions and the transactions in flight too
            producing = asyncio.gather(
                lab.produce(click_spec, envelopes(clicks, "marketing", "clicked_at"), per_second=5_000),
                lab.produce(conversion_spec, envelopes(first + repeats, "marketing", "converted_at"), per_second=50),
                lab.produce(tx_spec, envelopes(transactions, "fans", "occurred_at"), per_second=300),
            )
            while (stored := await count("link_clicks")) < CLICKS // 4:
                assert time.monotonic() < deadline, (stored, lab.log_tails())
                await asyncio.sleep(0.005)
            worker.kill(signal.SIGKILL)
            killed_at = await counts()  # nothing is applied any more: what the kill left
            restarted = time.monotonic()
            await asyncio.sleep(1)
            worker.start()
            worker.wait_ready()
            await producing

            # -- the same events again with new event ids -------------------------------------------
            again = [
                (campaign_spec, envelopes(campaigns, "marketing", "starts_at")),
                (click_spec, envelopes(clicks[:REDELIVERED_CLICKS], "marketing", "clicked_at")),
                (conversion_spec, envelopes(first[:REDELIVERED_FANS] + repeats, "marketing", "converted_at")),
                (tx_spec, envelopes(transactions[:REDELIVERED_TX], "fans", "occurred_at")),
            ]
            await asyncio.gather(*(lab.produce(spec, items) for spec, items in again))
            redelivered = sum(len(items) for _, items in again)

            async def settled() -> bool:
                if await counts() != want_counts:
                    return False
                for spec in specs:
                    if await lab.lag("analytics", spec.topic):
                        return False
                return True  # the figures are summed at read time: final from here on

            deadline = time.monotonic() + 240
            while not await settled():
                assert time.monotonic() < deadline, (await counts(), want_counts, lab.log_tails())
                await asyncio.sleep(0.25)
            recovery = time.monotonic() - restarted
            await asyncio.sleep(3)  # a late second application (a redelivery, a retried batch) would show now

            async def report_of(by: str, currency: str) -> dict[str, Any]:
                answer = await client.get(
                    "/v1/analytics/conversion",
                    params={"from": w0.isoformat(), "to": w1.isoformat(), "by": by, "currency": currency},
                    headers=internal_headers(creator, owner, role="owner"),  # as the gateway forwards it
                )
                assert answer.status_code == 200, answer.text
                return dict(answer.json())

            got = {(by, cur): await report_of(by, cur) for by in BYS for cur in CURRENCIES}
            skipped_by_event_id = sum(
                float(line.rsplit(" ", 1)[1])
                for line in (await client.get(f"{worker.url}/metrics")).text.splitlines()
                if line.startswith("huntaze_events_duplicate_total{")
            )  # records the kill left uncommitted on Kafka whose effects were committed: read again, skipped
        final = await counts()
        async with db.connect() as conn:
            click_rows = {
                r[0]: (r[1], r[2], r[3], r[4], r[5], r[6])
                for r in await conn.execute(
                    text(
                        "SELECT click_id, link_id, post_id, campaign_id, network, clicked_at, bot FROM link_clicks "
                        "WHERE creator_id = :c"
                    ),
                    {"c": creator},
                )
            }
            conversion_rows = {
                r[0]: (r[1], r[2], r[3], r[4], r[5])
                for r in await conn.execute(
                    text(
                        "SELECT fan_id, link_id, post_id, campaign_id, network, converted_at FROM link_conversions "
                        "WHERE creator_id = :c"
                    ),
                    {"c": creator},
                )
            }
            campaign_rows = {
                r[0]: (r[1], r[2], r[3].strip())
                for r in await conn.execute(
                    text("SELECT campaign_id, name, cost_cents, currency FROM campaign_costs WHERE creator_id = :c"),
                    {"c": creator},
                )
            }
            tx_ids = {
                r[0]
                for r in await conn.execute(
                    text("SELECT transaction_id FROM transactions WHERE creator_id = :c"), {"c": creator}
                )
            }
    finally:
        await db.dispose()

    mine = lambda r: r.value and json.loads(r.value)["creator_id"] == str(creator)  # noqa: E731
    dead = [r for spec in specs for r in await lab.topic_records(spec.dlq_topic, where=mine)]

    # -- the read models, row by row ------------------------------------------------------------------
    want_clicks = {c.click_id: (c.link_id, c.post_id, c.campaign_id, c.network, c.clicked_at, c.bot) for c in clicks}
    want_conversions = {
        fan: (link.link_id, link.post_id, link.campaign_id, link.network, at) for fan, (link, at) in first_of.items()
    }
    want_campaigns = {c.campaign_id: (c.name, c.cost_cents, c.currency) for c in campaigns}
    want_tx = {t.transaction_id for t in transactions}
    wrong_rows = (
        sum(1 for k, v in click_rows.items() if want_clicks.get(k, v) != v)
        + sum(1 for k, v in conversion_rows.items() if want_conversions.get(k, v) != v)
        + sum(1 for k, v in campaign_rows.items() if want_campaigns.get(k, v) != v)
    )
    repeat_won = sum(
        1
        for i in REPEATED
        if fans[i].fan_id in conversion_rows and conversion_rows[fans[i].fan_id] != want_conversions[fans[i].fan_id]
    )  # a later report of a converted fan that replaced the first

    # -- the report, figure by figure -----------------------------------------------------------------
    def as_compared(row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "roi": None if row["roi"] is None else Decimal(str(row["roi"]))}

    wrong_figures: list[Any] = []
    for (by, cur), body in got.items():
        want = expected_rows(by, cur)
        rows = {r["key"]: as_compared(r) for r in body["rows"]}
        if rows != want or len(body["rows"]) != len(want):
            wrong_figures.append((by, cur, body["rows"], want))
        order = sorted(want.values(), key=lambda r: (-r["net_cents"], -r["subscribers"], -r["clicks"], r["key"] or ""))
        if [r["key"] for r in body["rows"]] != [r["key"] for r in order]:
            wrong_figures.append((by, cur, "order", [r["key"] for r in body["rows"]]))
        n, subs = sum(r["clicks"] for r in want.values()), sum(r["subscribers"] for r in want.values())
        total = {
            "clicks": n,
            "bot_clicks": sum(r["bot_clicks"] for r in want.values()),
            "subscribers": subs,
            "conversion_rate": round(subs / n, 6) if n else None,
            "gross_cents": sum(r["gross_cents"] for r in want.values()),
            "net_cents": sum(r["net_cents"] for r in want.values()),
        }
        if {k: body["total"][k] for k in total} != total:
            wrong_figures.append((by, cur, "total", body["total"], total))
        if (datetime.fromisoformat(body["from"]), datetime.fromisoformat(body["to"])) != (w0, w1):
            wrong_figures.append((by, cur, "window", body["from"], body["to"]))
    roi_a = got[("campaign", "USD")]["rows"]
    roi_exact = not wrong_figures and any(r["roi"] is not None for r in roi_a)

    report = Report(
        "F23",
        produced=len(campaigns) + len(clicks) + len(first) + len(repeats) + len(transactions) + redelivered,
        effects=sum(final),
        duplicates=sum(max(0, g - w) for g, w in zip(final, want_counts, strict=True)) + repeat_won,
        lost=len(set(want_clicks) - set(click_rows))
        + len(set(want_conversions) - set(conversion_rows))
        + len(set(want_campaigns) - set(campaign_rows))
        + len(want_tx - tx_ids),
        dlq=len(dead),
        recovery_s=recovery,
        extra={
            "killed_at_clicks": killed_at[1],
            "killed_at_conversions": killed_at[2],
            "killed_at_transactions": killed_at[3],
            "replayed_after_kill": int(skipped_by_event_id),
            "redelivered": redelivered,
            "clicks": final[1],
            "conversions": final[2],
            "transactions": final[3],
            "repeat_won": repeat_won,
            "wrong_rows": wrong_rows,
            "reports": len(got),
            "wrong_figures": len(wrong_figures),
            "roi_exact": roi_exact,
        },
    )
    emit(capsys, report)
    assert final == want_counts and wrong_rows == 0 and repeat_won == 0, report.line()
    assert set(click_rows) == set(want_clicks) and set(conversion_rows) == set(want_conversions), report.line()
    assert tx_ids == want_tx and set(campaign_rows) == set(want_campaigns), report.line()
    assert not wrong_figures, wrong_figures[:2]
    assert roi_exact and report.dlq == 0, report.line()
    assert killed_at[1] < CLICKS and killed_at[2] < FANS and killed_at[3] < len(transactions), report.line()
