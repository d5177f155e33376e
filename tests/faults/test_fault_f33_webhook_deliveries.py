"""F33: webhook deliveries through a SIGKILL of the notifications worker. One creator with two endpoints
for ``transaction.recorded`` on a real local receiver (it verifies every signature) and one for another
event; 300 sales on the wire, a quarter of them twice. The worker — its fan-out consumer and the
``webhook_attempt`` calls — is SIGKILLed once a third of the 600 deliveries are delivered, and
restarted; a fifth of the first attempts are answered 503 by the receiver (retries on backoff).

Afterwards: exactly 600 deliveries (one per endpoint and sale: none twice, none lost), every one
``delivered``, every delivery id received with a valid signature; a repeat at the receiver (a call
whose worker died after it reached the peer) carries the same delivery id and is reported as
``receiver_repeats`` — at-least-once on the wire, once in the log."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import REGISTRY, FanRef, TransactionRecorded, make_envelope
from huntaze_testkit import internal_headers
from huntaze_testkit.lab import Lab, Report, emit
from huntaze_testkit.webhook_receiver import WebhookReceiver, suite_port

pytestmark = pytest.mark.timeout(300)

SALES = 300


class FlakyReceiver(WebhookReceiver):
    """Answers 503 to the first attempt of every fifth delivery id (by hash), then accepts."""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.flaked: set[str] = set()

    def _respond(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[Any, ...]:
        delivery = headers.get("huntaze-delivery", "")
        with self._lock:
            flaky = int(uuid.UUID(delivery).hex[:4], 16) % 5 == 0 if delivery else False
            if flaky and delivery not in self.flaked:
                self.flaked.add(delivery)
                return 503, {"error": "busy"}
        return super()._respond(method, path, headers, raw)


async def test_f33_each_delivery_lands_once_in_the_log_through_a_worker_sigkill(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    creator, user = uuid.uuid4(), uuid.uuid4()
    receiver = FlakyReceiver(suite_port())
    settings = {
        "NOTIFICATIONS_WEBHOOK_ALLOW_HTTP": "true",
        "NOTIFICATIONS_WEBHOOK_PRIVATE_TARGETS": json.dumps([receiver.target]),
        "NOTIFICATIONS_WEBHOOK_FIRST_RETRY_S": "0.5",
        "NOTIFICATIONS_WEBHOOK_MAX_RETRY_S": "2",
        "NOTIFICATIONS_TIMER_LEASE_S": "5",
    }
    now = datetime.now(UTC)
    sales = [
        make_envelope(
            TransactionRecorded(
                transaction_id=uuid.uuid4(),
                fan_id=(fan := uuid.uuid4()),
                fan=FanRef(fan_id=fan, external_id=f"f33_{i}", display_name=f"Fan {i}"),
                type="tip",
                gross_cents=100 + i,
                fee_cents=20,
                net_cents=80 + i,
                currency="USD",
                occurred_at=now,
                source="connector",
            ),
            producer="fans",
            creator_id=creator,
        )  # fmt: skip
        for i in range(SALES)
    ]
    wire = sales + random.Random(33).sample(sales, SALES // 4)
    random.Random(133).shuffle(wire)
    db = create_async_engine(lab.env["NOTIFICATIONS_DATABASE_URL"])

    async def scalar(sql: str) -> int:
        async with db.connect() as conn:
            return int((await conn.execute(text(sql), {"c": creator})).scalar() or 0)

    async def delivered() -> int:
        return await scalar("SELECT count(*) FROM webhook_deliveries WHERE creator_id = :c AND status = 'delivered'")

    with receiver:
        try:
            api = lab.service("notifications", role="api", **settings)
            worker = lab.service("notifications", role="worker", **settings)
            hooks = []
            async with httpx.AsyncClient(base_url=api.url, headers=internal_headers(creator, user), timeout=30) as http:
                for path, events in (("/in/a", ["transaction.recorded"]), ("/in/b", ["transaction.recorded", "post.failed"]),
                                     ("/in/c", ["post.failed"])):  # fmt: skip
                    created = await http.post("/v1/webhooks", json={"url": receiver.base + path, "events": events})
                    assert created.status_code == 201, created.text
                    receiver.secrets[path] = created.json()["secret"]
                    hooks.append(created.json()["endpoint_id"])
            sending = asyncio.create_task(lab.produce(REGISTRY.for_model(TransactionRecorded), wire, per_second=300))
            expected = 2 * SALES
            deadline = time.monotonic() + 120
            while (killed_at := await delivered()) < expected // 3:
                assert time.monotonic() < deadline, (killed_at, lab.log_tails())
                await asyncio.sleep(0.02)
            worker.kill(signal.SIGKILL)
            restarted = time.monotonic()
            await asyncio.sleep(1)
            worker.start()
            await asyncio.to_thread(worker.wait_ready)
            produced = await sending

            deadline = time.monotonic() + 180
            while await delivered() < expected or len(set(receiver.delivery_ids())) < expected:
                assert time.monotonic() < deadline, (await delivered(), len(receiver.delivery_ids()), lab.log_tails())
                await asyncio.sleep(0.5)
            recovery = time.monotonic() - restarted
            await asyncio.sleep(2)  # anything late would show now
            rows = await scalar("SELECT count(*) FROM webhook_deliveries WHERE creator_id = :c")
            distinct_events = await scalar(
                "SELECT count(DISTINCT (endpoint_id, event_id)) FROM webhook_deliveries WHERE creator_id = :c"
            )
            not_delivered = await scalar(
                "SELECT count(*) FROM webhook_deliveries WHERE creator_id = :c AND status <> 'delivered'"
            )
            attempts = await scalar(
                "SELECT count(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id "
                "WHERE d.creator_id = :c"
            )
            dead = await scalar("SELECT count(*) FROM timers WHERE state = 'dead'")
            async with db.connect() as conn:
                ids = {str(r[0]) for r in await conn.execute(
                    text("SELECT id FROM webhook_deliveries WHERE creator_id = :c"), {"c": creator})}  # fmt: skip
        finally:
            await db.dispose()
    received = receiver.delivery_ids()
    report = Report(
        "F33",
        produced=produced,
        effects=len(set(received) & ids),
        duplicates=rows - distinct_events + max(0, rows - expected),
        lost=len(ids - set(received)) + not_delivered + max(0, expected - rows),
        dlq=dead,
        recovery_s=recovery,
        extra={
            "deliveries": rows,
            "attempts": attempts,
            "answered_503": len(receiver.flaked),
            "receiver_repeats": len(received) - len(set(received)),
            "bad_signatures": len(receiver.refused),
            "killed_at_delivered": killed_at,
            "wire_repeats": len(wire) - len(sales),
        },
    )
    emit(capsys, report)
    assert report.duplicates == 0 and report.lost == 0 and report.dlq == 0, report.line()
    assert rows == expected and receiver.refused == [] and set(received) == ids, report.line()
    # a 503 answered to a call whose worker died before recording it is not in the log (its repeat is)
    assert attempts >= expected and 0 < killed_at < expected, report.line()
