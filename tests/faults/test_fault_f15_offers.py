"""F15: paid offers unlocked while the inbox worker (the ``offer_sales`` consumer and the
``offer_expiry`` timer) is SIGKILLed mid-stream and restarted. Real services as processes on the
`faults` profile, like F12 and F14.

400 offers reach their fans; the connector then reports 300 unlocks (each POSTed twice, as a
connector retry does) and 100 partial refunds naming them, while the worker is killed once a
quarter of the unlocks are applied. The other 100 offers are never bought: their expiry timers fall
due after the restart. The effect counted is the ``ppv.unlocked`` row each unlock writes to the
inbox outbox (one per offer, whatever redelivers the sale); revenue per offer must equal the sales
less the refunds, to the cent.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import REGISTRY, PpvUnlocked
from huntaze_testkit import internal_headers
from huntaze_testkit.lab import Lab, Report, emit, post_until_answered, wire_duplicates

pytestmark = pytest.mark.timeout(600)

FANS = 200
OFFERS_PER_FAN = 2
BOUGHT = 300
REFUNDED = 100
EXPIRY_S = 45


async def test_f15_offers_unlocked_and_expired_while_the_inbox_worker_is_sigkilled(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    creator, owner = uuid.uuid4(), uuid.uuid4()
    offers_total = FANS * OFFERS_PER_FAN

    def headers() -> dict[str, str]:  # as the gateway forwards each request: a fresh internal token
        return internal_headers(creator, owner, role="owner")

    expiry = {"INBOX_OFFER_EXPIRY_HOURS": str(EXPIRY_S / 3600)}
    inbox_api = lab.service("inbox", role="api", **expiry)
    fans_api = lab.service("fans", role="api")
    inbox_worker = lab.service("inbox", role="worker", **expiry)
    lab.service("fans", role="worker")
    inbox_db = create_async_engine(lab.env["INBOX_DATABASE_URL"])

    async def scalar(sql: str) -> int:
        async with inbox_db.connect() as conn:
            return int((await conn.execute(text(sql), {"c": creator})).scalar() or 0)

    async def by_status() -> dict[str, int]:
        async with inbox_db.connect() as conn:
            rows = await conn.execute(
                text("SELECT status, count(*) FROM offers WHERE creator_id = :c GROUP BY status"), {"c": creator}
            )
            return {status: int(n) for status, n in rows}

    try:
        async with httpx.AsyncClient(timeout=30) as client:

            async def post(url: str, body: dict[str, Any], ok: int) -> Any:
                return await post_until_answered(client, url, body, ok, headers)

            # -- 400 offers to 200 fans, handed to the (logging) connector --------------------------------
            offers: list[tuple[str, dict[str, str]]] = []
            for i in range(FANS):
                fan = {"external_id": f"f15_{creator.hex[:6]}_{i}", "display_name": f"Fan {i}"}
                body = {"fan": fan, "text": "anything new?", "external_id": f"m-{i}"}
                conversation = (await post(f"{inbox_api.url}/v1/inbox/messages", body, 202))["conversation_id"]
                for k in range(OFFERS_PER_FAN):
                    offer = {"text": f"set {k}", "price_cents": 1_000 + i * 10 + k, "media_ids": [str(uuid.uuid4())]}
                    made = await post(f"{inbox_api.url}/v1/inbox/conversations/{conversation}/offers", offer, 202)
                    offers.append((made["offer_id"], fan))
            deadline = time.monotonic() + 120
            while (await by_status()).get("sent", 0) < offers_total:
                assert time.monotonic() < deadline, await by_status()
                await asyncio.sleep(0.25)

            # -- the connector reports unlocks (twice each) and refunds; the worker is killed mid-way -------
            at = datetime.now(UTC)
            bought = offers[:BOUGHT]
            sales = [
                {
                    "external_id": f"unlock-{offer_id}",
                    "fan": fan,
                    "type": "message",
                    "gross_cents": 1_500 + n,
                    "fee_cents": (1_500 + n) // 5,
                    "currency": "USD",
                    "occurred_at": (at + timedelta(milliseconds=n)).isoformat(),
                    "ref": {"kind": "message", "id": offer_id},
                }
                for n, (offer_id, fan) in enumerate(bought)
            ]
            refunds = [
                {
                    **sale,
                    "external_id": f"refund-{sale['ref']['id']}",
                    "type": "refund",
                    "gross_cents": 300,
                    "fee_cents": 60,
                }
                for sale in sales[:REFUNDED]
            ]
            expected_gross = sum(s["gross_cents"] for s in sales) - 300 * REFUNDED
            expected_net = sum(s["gross_cents"] - s["fee_cents"] for s in sales) - 240 * REFUNDED

            async def report_sales() -> None:
                for start in range(0, BOUGHT, 20):
                    batch = sales[start : start + 20]
                    await post(f"{fans_api.url}/v1/revenue/transactions", {"items": batch}, 200)
                    await post(f"{fans_api.url}/v1/revenue/transactions", {"items": batch}, 200)  # a retry
                    await asyncio.sleep(0.1)
                for start in range(0, REFUNDED, 20):
                    await post(f"{fans_api.url}/v1/revenue/transactions", {"items": refunds[start : start + 20]}, 200)

            reporting = asyncio.create_task(report_sales())

            async def unlocked() -> int:
                return (await by_status()).get("unlocked", 0)

            killed_at, restarted = await lab.kill_when(inbox_worker, unlocked, BOUGHT // 4)
            assert killed_at < BOUGHT, "the worker was not killed mid-way"
            await reporting

            async def settled() -> bool:
                status = await by_status()
                counted = await scalar(
                    "SELECT count(*) FROM offer_transactions t JOIN offers o ON o.id = t.offer_id WHERE o.creator_id = :c"
                )
                return (
                    status.get("unlocked", 0) == BOUGHT
                    and status.get("expired", 0) == offers_total - BOUGHT
                    and counted == BOUGHT + REFUNDED
                )

            deadline = time.monotonic() + 240
            while not await settled():
                assert time.monotonic() < deadline, await by_status()
                await asyncio.sleep(0.25)
            recovery = time.monotonic() - restarted
            await asyncio.sleep(2)  # a late second application would show now

            status = await by_status()
            gross = await scalar("SELECT coalesce(sum(gross_cents), 0) FROM offers WHERE creator_id = :c")
            net = await scalar("SELECT coalesce(sum(net_cents), 0) FROM offers WHERE creator_id = :c")
            outbox = await scalar(
                "SELECT count(*) FROM outbox WHERE event_type = 'ppv.unlocked.v1' "
                "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = CAST(:c AS text)"
            )
            over_counted = await scalar(
                "SELECT count(*) FROM offers WHERE creator_id = :c AND transactions > 2"
            ) + await scalar(
                "SELECT count(*) FROM offers WHERE creator_id = :c AND status = 'unlocked' AND transactions = 0"
            )
    finally:
        await inbox_db.dispose()

    spec = REGISTRY.for_model(PpvUnlocked)
    mine = lambda r: json.loads(r.value)["creator_id"] == str(creator)  # noqa: E731
    records = await lab.topic_records(spec.topic, where=mine)
    dead = await lab.topic_records(spec.dlq_topic, where=mine)
    unlocked_offers = {json.loads(r.value)["payload"]["offer_id"] for r in records}
    report = Report(
        "F15",
        produced=BOUGHT * 2 + REFUNDED,
        effects=outbox,
        duplicates=max(outbox - BOUGHT, 0) + over_counted,
        lost=(BOUGHT - status.get("unlocked", 0)) + (BOUGHT - len(unlocked_offers)),
        dlq=len(dead),
        recovery_s=recovery,
        extra={
            "offers": offers_total,
            "killed_at_unlocked": killed_at,
            "expired": status.get("expired", 0),
            "money_exact": gross == expected_gross and net == expected_net,
            "wire_duplicates": wire_duplicates(records),
        },
    )
    emit(capsys, report)
    assert unlocked_offers == {o for o, _ in bought}, report.line()
    assert report.extra["money_exact"], (gross, expected_gross, net, expected_net)
    assert report.dlq == 0 and killed_at < BOUGHT, report.line()
