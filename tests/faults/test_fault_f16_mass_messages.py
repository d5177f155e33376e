"""F16: the audience of 2,000 fans announced while the inbox worker (its ``audience_profiles`` and
``audience_segments`` consumers) is SIGKILLed a quarter of the way; then a mass message to them while
the worker (the ``mass_expand`` and ``mass_pump`` timers, the ``send_mass_delivery`` call) is
SIGKILLed halfway and restarted; then a second one cancelled halfway. Real inbox processes on the `faults` profile; the connector is a local signed
webhook (:class:`huntaze_testkit.connector.ConnectorPeer`) that counts what reaches it.

Exactly once per fan is judged where it matters, at the connector: every fan of the audience
receives one delivery key (``<mass id>:<fan id>``); a repeat of the same key after the kill is a
wire duplicate the connector drops by its Idempotency-Key, never a second key for the same fan. In
the inbox: one sent delivery, one offer and one ``ppv.offered`` per fan, one ``massmessage.sent``.
After the cancel, no delivery the inbox counts as cancelled ever reaches the connector.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import REGISTRY, FanProfileUpdated, FanSegmentChanged, MassMessageSent, make_envelope
from huntaze_testkit import internal_headers
from huntaze_testkit.connector import ConnectorPeer
from huntaze_testkit.lab import Lab, Report, emit

pytestmark = pytest.mark.timeout(600)

FANS = 2000
SECRET = "whsec_f16_" + uuid.uuid4().hex
_KNOWN = "SELECT count(*) FROM audience_fans WHERE creator_id = :c AND external_id IS NOT NULL AND segments <> '{}'"


async def test_f16_a_mass_message_fans_out_once_per_fan_through_a_sigkill_and_a_cancel(
    fresh_lab: Lab, capsys: Any
) -> None:
    lab = fresh_lab
    creator, owner = uuid.uuid4(), uuid.uuid4()
    fans = [(uuid.uuid4(), f"f16_{creator.hex[:6]}_{i}") for i in range(FANS)]

    def headers() -> dict[str, str]:
        return internal_headers(creator, owner, role="owner")

    with ConnectorPeer(SECRET) as peer:
        settings = {
            "INBOX_CONNECTOR_WEBHOOK_URL": peer.url,
            "INBOX_CONNECTOR_SIGNING_SECRET": SECRET,
            "INBOX_MASS_RATE_PER_S": "200",
            "INBOX_MASS_TICK_S": "0.25",
        }
        inbox_api = lab.service("inbox", role="api", **settings)
        worker = lab.service("inbox", role="worker", **settings)
        db = create_async_engine(lab.env["INBOX_DATABASE_URL"])

        async def scalar(sql: str, **params: Any) -> int:
            async with db.connect() as conn:
                return int((await conn.execute(text(sql), {"c": creator, **params})).scalar() or 0)

        def delivered(mass_id: str) -> list[dict[str, Any]]:
            return [r for r in list(peer.replies) if r.get("mass_message_id") == mass_id]

        try:
            # -- the audience: 2,000 whales, as the fans service announces them ---------------------------
            now = datetime.now(UTC)
            profiles = [
                make_envelope(
                    FanProfileUpdated(
                        fan_id=fan_id,
                        external_id=external,
                        display_name=f"Fan {i}",
                        first_message_at=None,
                        last_message_at=None,
                        message_count=0,
                    ),
                    producer="fans",
                    creator_id=creator,
                )
                for i, (fan_id, external) in enumerate(fans)
            ]
            segments = [
                make_envelope(
                    FanSegmentChanged(fan_id=fan_id, segment="whales", change="entered", segment_name="whales", at=now),
                    producer="fans",
                    creator_id=creator,
                )
                for fan_id, _ in fans
            ]

            # ... at a pace, with the worker (the audience consumers) SIGKILLed a quarter of the way
            async def announce() -> None:
                await asyncio.gather(
                    lab.produce(REGISTRY.for_model(FanProfileUpdated), profiles, per_second=500),
                    lab.produce(REGISTRY.for_model(FanSegmentChanged), segments, per_second=500),
                )

            announcing = asyncio.create_task(announce())
            audience_killed_at, _ = await lab.kill_when(worker, lambda: scalar(_KNOWN), FANS // 4)
            assert audience_killed_at < FANS, "the worker was not killed mid-way"
            await announcing
            body = {
                "audience": {"segments": ["whales"]},
                "text": "Hey {name}, the new set",
                "price_cents": 1200,
                "media_ids": [str(uuid.uuid4())],
            }
            async with httpx.AsyncClient(base_url=inbox_api.url, timeout=30, headers=headers()) as client:
                deadline = time.monotonic() + 120
                while (await client.post("/v1/inbox/mass-messages/preview", json=body)).json().get(
                    "recipients"
                ) != FANS:
                    assert time.monotonic() < deadline, "the audience never reached the inbox"
                    await asyncio.sleep(0.5)

                # -- mass message 1: the worker SIGKILLed halfway through the fan-out -----------------------
                first = (await client.post("/v1/inbox/mass-messages", json=body)).json()["mass_message_id"]
                deadline = time.monotonic() + 120
                while len(delivered(first)) < FANS // 4:
                    assert time.monotonic() < deadline, len(delivered(first))
                    await asyncio.sleep(0.02)
                killed_at = len(delivered(first))
                worker.kill(signal.SIGKILL)
                restarted = time.monotonic()
                await asyncio.sleep(1)
                worker.start()
                worker.wait_ready()

                async def status(mass_id: str) -> dict[str, Any]:
                    return (await client.get(f"/v1/inbox/mass-messages/{mass_id}")).json()  # type: ignore[no-any-return]

                deadline = time.monotonic() + 240
                while (done := await status(first))["status"] != "done":
                    assert time.monotonic() < deadline, done
                    await asyncio.sleep(0.25)
                recovery = time.monotonic() - restarted

                # -- mass message 2: cancelled halfway ------------------------------------------------------
                second = (await client.post("/v1/inbox/mass-messages", json={**body, "price_cents": 900})).json()[
                    "mass_message_id"
                ]
                deadline = time.monotonic() + 120
                while len(delivered(second)) < FANS // 3:
                    assert time.monotonic() < deadline, len(delivered(second))
                    await asyncio.sleep(0.02)
                cancelled = await client.post(f"/v1/inbox/mass-messages/{second}/cancel")
                assert cancelled.status_code == 200, cancelled.text
                deadline = time.monotonic() + 60
                while (stopped := await status(second))["waiting"] > 0:
                    assert time.monotonic() < deadline, stopped
                    await asyncio.sleep(0.25)
                await asyncio.sleep(3)  # a delivery in flight at the cancel arrives, and counts as sent
                stopped = await status(second)

            audience_doubled = await scalar(
                "SELECT count(*) FROM audience_fans WHERE creator_id = :c AND segments <> ARRAY['whales']"
            )
            offers = await scalar(
                "SELECT count(*) FROM offers WHERE creator_id = :c AND mass_message_id = :m", m=uuid.UUID(first)
            )
            offered = await scalar(
                "SELECT count(*) FROM outbox WHERE event_type = 'ppv.offered.v1' "
                "AND convert_from(value, 'UTF8')::jsonb -> 'payload' ->> 'mass_message_id' = :m",
                m=first,
            )
            async with db.connect() as conn:
                rows = await conn.execute(
                    text("SELECT fan_id FROM mass_deliveries WHERE mass_message_id = :m AND status = 'cancelled'"),
                    {"m": uuid.UUID(second)},
                )
                cancelled_fans = {row[0] for row in rows}
        finally:
            await db.dispose()
        requests = list(peer.server.requests)

    def keys(mass_id: str) -> Counter[str]:
        return Counter(
            r["headers"]["idempotency-key"]
            for r in requests
            if isinstance(r["body"], dict) and r["body"].get("mass_message_id") == mass_id
        )

    first_keys, second_keys = keys(first), keys(second)
    fans_reached = Counter(k.split(":")[1] for k in first_keys)
    second_fans = {uuid.UUID(k.split(":")[1]) for k in second_keys}
    finished = await lab.topic_records(
        REGISTRY.for_model(MassMessageSent).topic, where=lambda r: json.loads(r.value)["creator_id"] == str(creator)
    )
    report = Report(
        "F16",
        produced=FANS,
        effects=done["sent"],
        duplicates=sum(n - 1 for n in fans_reached.values()) + max(offered - FANS, 0) + max(offers - FANS, 0),
        lost=FANS - len(fans_reached) + (FANS - done["sent"]),
        dlq=0,
        recovery_s=recovery,
        extra={
            "audience_killed_at": audience_killed_at,
            "audience_doubled": audience_doubled,
            "killed_at_delivered": killed_at,
            "wire_repeats_same_key": sum(first_keys.values()) - len(first_keys),
            "cancelled_after": stopped["sent"],
            "cancelled": stopped["cancelled"],
            "cancelled_yet_delivered": len(second_fans & cancelled_fans),
            "massmessage_sent_events": len(finished),
        },
    )
    emit(capsys, report)
    assert len(fans_reached) == FANS == offers == offered, report.line()
    assert killed_at < FANS and done["failed"] == 0, report.line()
    assert stopped["status"] == "cancelled" and stopped["cancelled"] > 0, stopped
    assert stopped["sent"] + stopped["cancelled"] + stopped["failed"] == FANS, stopped
    assert not second_fans & cancelled_fans and len(second_fans) == stopped["sent"], report.line()
    assert len(finished) == 2 and not peer.refused, report.line()
    assert audience_doubled == 0 and audience_killed_at < FANS, report.line()
