"""F22: tracking-link attribution through a SIGKILL. A campaign, a post on X and its tracking link
(people's and robots' clicks through the redirect, as the gateway's ``GET /l/{code}`` forwards
them); then, as the fans service announces them, 400 new subscribers (``subscription.started``) —
300 through the link's OnlyFans link, written in four ways the connector may (other case, trailing
slash, no scheme, ``www.`` and a query), 50 through an OnlyFans link we do not track, 50 with no
``via`` — and 4,000 of their transactions (``transaction.recorded``: one before the subscription
started, sales, a second currency, refunds), all at once: the transactions first, the subscribers
once 5 % of the sales are stored. The marketing worker (its ``conversions`` and ``sales``
consumers) is SIGKILLed with both backlogs in flight, once a quarter of the conversions are written,
and restarted. Then a slice of the same events — 150 subscriptions, 1,000 transactions — is
announced again with new event ids (a redelivery the event-id record does not catch), and 50 of the
converted fans are reported subscribing again through a second link of ours (the first link wins).

Afterwards there is exactly one ``conversions`` row per attributed fan, on the right link, one
``conversion.tracked`` per fan on Kafka (its outbox row once, the wire may repeat it), one ``sales``
row per distinct transaction, and the link's results (``GET /v1/marketing/links/{id}``, as the gateway
forwards it) are the clicks, the 300 subscribers and their revenue since they came per currency, to
the cent; the second link has brought nobody.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import (
    REGISTRY,
    ConversionTracked,
    FanRef,
    SubscriptionStarted,
    SubscriptionVia,
    TransactionRecorded,
    make_envelope,
)
from huntaze_service.internal_token import NOBODY, VISITOR
from huntaze_testkit import internal_headers
from huntaze_testkit.lab import Lab, Report, emit, wire_duplicates

pytestmark = pytest.mark.timeout(600)

FANS = 400
ATTRIBUTED = 300  # fans 0..299 through the link; 300..349 through an untracked link; 350..399 no via
UNTRACKED = 50
TX_PER_FAN = 10
CLICKS, BOT_CLICKS = 200, 10
REDELIVERED_SUBS = 150
REDELIVERED_TX = 1_000
SECOND_LINK_FANS = 50
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Instagram 305.0"


async def test_f22_attribution_is_exact_through_a_sigkill_and_a_redelivery(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    creator, owner = uuid.uuid4(), uuid.uuid4()
    run = uuid.uuid4().hex[:8]
    now = datetime.now(UTC).replace(microsecond=0)
    t0 = now - timedelta(days=2)
    onlyfans_a = f"https://onlyfans.com/f22{run}/c1"
    onlyfans_b = f"https://onlyfans.com/f22{run}/c2"
    spellings = (
        onlyfans_a,
        onlyfans_a.upper() + "/",
        onlyfans_a.removeprefix("https://"),
        onlyfans_a.replace("https://", "https://www.") + "?ref=bio",
    )
    fans = [FanRef(fan_id=uuid.uuid4(), external_id=f"f22_{run}_{i}", display_name=f"Fan{i}") for i in range(FANS)]
    started_at = [t0 + timedelta(seconds=10 * i) for i in range(FANS)]

    def headers() -> dict[str, str]:  # as the gateway forwards each request: a fresh internal token
        return internal_headers(creator, owner, role="owner")

    def subscribed(i: int, link: str | None, at: datetime) -> Any:
        payload = SubscriptionStarted(
            fan_id=fans[i].fan_id,
            fan=fans[i],
            started_at=at,
            expires_at=at + timedelta(days=30),
            auto_renew=True,
            price_cents=999,
            currency="USD",
            first_time=True,
            via=SubscriptionVia(tracking_link=link) if link else None,
        )
        return make_envelope(payload, producer="fans", creator_id=creator, occurred_at=at)

    def via_of(i: int) -> str | None:
        if i < ATTRIBUTED:
            return spellings[i % len(spellings)]
        if i < ATTRIBUTED + UNTRACKED:
            return f"https://onlyfans.com/f22{run}/not-ours"
        return None

    # every transaction of every fan, as the fans service announces them (interleaved across fans)
    transactions: list[TransactionRecorded] = []
    for j in range(TX_PER_FAN):
        for i, f in enumerate(fans):
            at, currency, kind = started_at[i] + timedelta(minutes=j), "USD", "tip"
            gross = 100 + 13 * i + 7 * j
            if j == 0:  # before the subscription through the link: never counts for it
                at, kind, gross = started_at[i] - timedelta(hours=1), "message", 700 + i
            elif j == 1:  # the subscription itself, at the very instant of the conversion
                kind, gross = "subscription", 999
            elif j == 8:
                currency, gross = "EUR", 250 + i
            elif j == 9 and i % 4 == 0:
                kind, gross = "refund", -(100 + 13 * i + 14)
            fee = gross // 5 if gross > 0 else -((-gross) // 5)
            transactions.append(
                TransactionRecorded(
                    transaction_id=uuid.uuid4(),
                    fan_id=f.fan_id,
                    fan=f,
                    type=kind,  # type: ignore[arg-type]
                    gross_cents=gross,
                    fee_cents=fee,
                    net_cents=gross - fee,
                    currency=currency,
                    occurred_at=at,
                    source="connector",
                    external_id=f"f22-{run}-{i}-{j}",
                )
            )

    index = {f.fan_id: i for i, f in enumerate(fans)}
    expected_revenue: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for t in transactions:
        i = index[t.fan_id]
        if i < ATTRIBUTED and t.occurred_at >= started_at[i]:
            expected_revenue[t.currency][0] += t.gross_cents
            expected_revenue[t.currency][1] += t.net_cents
    want_revenue = [{"currency": c, "gross_cents": g, "net_cents": n} for c, (g, n) in sorted(expected_revenue.items())]

    def tx_envelopes(items: list[TransactionRecorded]) -> list[Any]:
        return [make_envelope(t, producer="fans", creator_id=creator, occurred_at=t.occurred_at) for t in items]

    subs = [subscribed(i, via_of(i), started_at[i]) for i in range(FANS)]
    sales = tx_envelopes(transactions)

    api = lab.service("marketing", role="api")
    worker = lab.service("marketing", role="worker")
    db = create_async_engine(lab.env["MARKETING_DATABASE_URL"])

    async def scalar(sql: str) -> int:
        async with db.connect() as conn:
            return int((await conn.execute(text(sql), {"c": creator})).scalar() or 0)

    async def conversions() -> int:
        return await scalar("SELECT count(*) FROM conversions WHERE creator_id = :c")

    async def sales_rows() -> int:
        return await scalar("SELECT count(*) FROM sales WHERE creator_id = :c")

    sub_spec, tx_spec = REGISTRY.for_model(SubscriptionStarted), REGISTRY.for_model(TransactionRecorded)
    conversion_spec = REGISTRY.for_model(ConversionTracked)
    try:
        async with httpx.AsyncClient(base_url=api.url, timeout=30) as client:

            async def create(path: str, body: dict[str, Any]) -> dict[str, Any]:
                answer = await client.post(path, json=body, headers=headers())
                assert answer.status_code == 201, answer.text
                return dict(answer.json())

            campaign = await create(
                "/v1/marketing/campaigns",
                {"name": f"F22 {run}", "cost_cents": 50_000, "currency": "USD",
                 "from": t0.isoformat(), "to": (now + timedelta(days=5)).isoformat()},
            )  # fmt: skip
            account = await create(
                "/v1/marketing/accounts",
                {"network": "x", "handle": f"f22_{run}",
                 "credentials": {"access_token": "f22-token", "user_id": "2222"}},
            )  # fmt: skip
            post = await create(
                "/v1/marketing/posts",
                {"account_id": account["account_id"], "caption": f"f22 {run}", "campaign_id": campaign["campaign_id"],
                 "publish_at": (now + timedelta(days=3)).isoformat()},
            )  # fmt: skip
            link = await create(
                "/v1/marketing/links", {"target_url": onlyfans_a, "label": "F22 post", "post_id": post["post_id"]}
            )
            second = await create("/v1/marketing/links", {"target_url": onlyfans_b, "label": "F22 other"})

            # people's and robots' clicks, as the gateway's public redirect forwards them
            visitor = internal_headers(NOBODY, NOBODY, role=VISITOR, org_id=NOBODY)

            async def click(i: int, agent: str) -> None:
                answer = await client.get(
                    f"/v1/marketing/redirect/{link['code']}",
                    params={"utm_source": "x"} if i % 2 else {},
                    headers={**visitor, "user-agent": agent, "referer": "https://t.co/f22", "cf-ipcountry": "US"},
                )
                assert answer.status_code == 302 and answer.headers["location"] == onlyfans_a, answer.text

            for start in range(0, CLICKS, 50):
                await asyncio.gather(*(click(i, PHONE) for i in range(start, start + 50)))
            await asyncio.gather(*(click(i, "facebookexternalhit/1.1") for i in range(BOT_CLICKS)))

            # -- the burst: the transactions, then the subscribers while the sales are still being
            # applied; the worker SIGKILLed with both backlogs in flight, at a quarter of the conversions
            deadline = time.monotonic() + 120
            selling = asyncio.create_task(lab.produce(tx_spec, sales))
            while await sales_rows() < len(transactions) // 20:
                assert time.monotonic() < deadline, lab.log_tails()
                await asyncio.sleep(0.01)
            subscribing = asyncio.create_task(lab.produce(sub_spec, subs))
            while (killed_at := await conversions()) < ATTRIBUTED // 4:
                assert time.monotonic() < deadline, (killed_at, lab.log_tails())
                await asyncio.sleep(0.005)
            worker.kill(signal.SIGKILL)
            killed_at_sales = await sales_rows()  # nothing is applied any more: what the kill left
            restarted = time.monotonic()
            await asyncio.sleep(1)
            worker.start()
            worker.wait_ready()
            await asyncio.gather(selling, subscribing)

            # -- the same events again with new event ids, and a later subscription through the other link
            again = [subscribed(i, via_of(i), started_at[i]) for i in range(REDELIVERED_SUBS)]
            later = [subscribed(i, onlyfans_b, now - timedelta(hours=1)) for i in range(SECOND_LINK_FANS)]
            again_sales = tx_envelopes(transactions[:REDELIVERED_TX])
            await asyncio.gather(
                lab.produce(sub_spec, again + later),
                lab.produce(tx_spec, again_sales),
            )
            redelivered = len(again) + len(later) + len(again_sales)

            async def results(link_id: str) -> dict[str, Any]:
                answer = await client.get(f"/v1/marketing/links/{link_id}", headers=headers())
                assert answer.status_code == 200, answer.text
                return dict(answer.json()["results"])

            async def settled() -> bool:
                if (await conversions(), await sales_rows()) != (ATTRIBUTED, len(transactions)):
                    return False
                if await lab.lag("marketing", sub_spec.topic) or await lab.lag("marketing", tx_spec.topic):
                    return False
                unpublished = await scalar(
                    "SELECT count(*) FROM outbox WHERE published_at IS NULL "
                    "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = CAST(:c AS text)"
                )
                return unpublished == 0  # the results are summed at read time: final from here on

            deadline = time.monotonic() + 240
            while not await settled():
                assert time.monotonic() < deadline, (await conversions(), await sales_rows(), lab.log_tails())
                await asyncio.sleep(0.25)
            recovery = time.monotonic() - restarted
            await asyncio.sleep(3)  # a late second application (a redelivery, a retried batch) would show now

            got = await results(link["link_id"])
            got_second = await results(second["link_id"])
            async with db.connect() as conn:
                rows = (
                    await conn.execute(
                        text("SELECT fan_id, link_id, converted_at FROM conversions WHERE creator_id = :c"),
                        {"c": creator},
                    )
                ).all()
                stored = {
                    r[0]
                    for r in await conn.execute(
                        text("SELECT transaction_id FROM sales WHERE creator_id = :c"), {"c": creator}
                    )
                }
            skipped_by_event_id = sum(
                float(line.rsplit(" ", 1)[1])
                for line in (await client.get(f"{worker.url}/metrics")).text.splitlines()
                if line.startswith("huntaze_events_duplicate_total{")
            )  # records the kill left uncommitted on Kafka whose effects were committed: read again, skipped
            outbox = await scalar(
                "SELECT count(*) FROM outbox WHERE event_type = 'conversion.tracked.v1' "
                "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = CAST(:c AS text)"
            )
    finally:
        await db.dispose()

    mine = lambda r: r.value and json.loads(r.value)["creator_id"] == str(creator)  # noqa: E731
    records = await lab.topic_records(conversion_spec.topic, where=mine)
    dead = await lab.topic_records(sub_spec.dlq_topic, where=mine) + await lab.topic_records(
        tx_spec.dlq_topic, where=mine
    )

    attributed = {fans[i].fan_id: i for i in range(ATTRIBUTED)}
    converted = {r[0]: (r[1], r[2]) for r in rows}
    wrong_link = sum(
        1
        for fan, (link_id, at) in converted.items()
        if fan not in attributed or str(link_id) != link["link_id"] or at != started_at[attributed[fan]]
    )
    events_per_fan: dict[str, set[str]] = defaultdict(set)
    wrong_events = 0
    for r in records:
        body = json.loads(r.value)
        p = body["payload"]
        events_per_fan[p["fan_id"]].add(body["event_id"])
        fan = uuid.UUID(p["fan_id"])
        if (
            fan not in attributed
            or p["link_id"] != link["link_id"]
            or p["post_id"] != post["post_id"]
            or p["campaign_id"] != campaign["campaign_id"]
            or p["network"] != "x"
            or datetime.fromisoformat(p["converted_at"]) != started_at[attributed[fan]]
        ):
            wrong_events += 1
    on_wire = {uuid.UUID(f) for f in events_per_fan}
    want_tx = {t.transaction_id for t in transactions}
    revenue_exact = got["revenue"] == want_revenue
    results_exact = (got["clicks"], got["bot_clicks"], got["subscribers"]) == (CLICKS, BOT_CLICKS, ATTRIBUTED)
    report = Report(
        "F22",
        produced=len(subs) + len(sales) + redelivered,
        effects=len(rows) + len(stored),
        duplicates=max(sum(len(ids) - 1 for ids in events_per_fan.values()), outbox - ATTRIBUTED, 0)
        + max(got["subscribers"] - ATTRIBUTED, 0)
        + got_second["subscribers"],
        lost=len(set(attributed) - set(converted)) + len(set(attributed) - on_wire) + len(want_tx - stored),
        dlq=len(dead),
        recovery_s=recovery,
        extra={
            "killed_at_conversions": killed_at,
            "killed_at_sales": killed_at_sales,
            "replayed_after_kill": int(skipped_by_event_id),
            "redelivered": redelivered,
            "conversions": len(rows),
            "sales": len(stored),
            "conversion_events": outbox,
            "wrong_link": wrong_link + wrong_events,
            "wire_duplicates": wire_duplicates(records),
            "revenue_exact": revenue_exact,
        },
    )
    emit(capsys, report)
    assert len(rows) == ATTRIBUTED and set(converted) == set(attributed) and wrong_link == 0, report.line()
    assert outbox == ATTRIBUTED and on_wire == set(attributed) and wrong_events == 0, report.line()
    assert stored == want_tx and len(stored) == len(transactions), report.line()
    assert revenue_exact and results_exact, (got, want_revenue)
    assert got_second["subscribers"] == 0 and got_second["revenue"] == [], got_second
    assert report.dlq == 0 and killed_at < ATTRIBUTED and killed_at_sales < len(transactions), report.line()
