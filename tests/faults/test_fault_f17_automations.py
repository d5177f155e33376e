"""F17: 1,000 new subscribers and 1,000 purchases reach the inbox while its worker (the
``automation_welcome`` and ``automation_purchases`` consumers, the ``automation_fire`` timer and the
``send_reply`` call) is SIGKILLed a quarter of the way through the autopilot's sends, then restarted;
every trigger is then announced a second time (the fans service's events redelivered).

Exactly once per trigger is judged at the connector (a local signed webhook that counts what reaches
it): each of the 2,000 triggers has one run, and its one send key ``automation:<run id>`` reaches the
connector — a repeat of the same key after the kill is a wire duplicate the connector drops, never
a second key for the same trigger; each fan receives one welcome and one thank-you. In the inbox:
2,000 runs, all ``autosent``, and one ``reply.sent`` marked with its automation per run.
"""

from __future__ import annotations

import asyncio
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

from huntaze_events import REGISTRY, FanRef, SubscriptionStarted, TransactionRecorded, make_envelope
from huntaze_testkit import internal_headers
from huntaze_testkit.connector import ConnectorPeer
from huntaze_testkit.lab import Lab, Report, emit, new_subscribers

pytestmark = pytest.mark.timeout(600)

FANS = 1000
SECRET = "whsec_f17_" + uuid.uuid4().hex
SETTINGS = {
    "automations": [
        {"kind": "welcome", "enabled": True, "text": "Welcome {name}!", "delay_minutes": 0, "autopilot": True},
        {"kind": "thank_you", "enabled": True, "text": "Thanks {name}!", "autopilot": True, "min_amount_cents": 1000},
    ],
    "limits": {"quiet_start": None, "quiet_end": None, "per_fan_per_day": 5, "per_creator_per_day": 10_000},
}


async def test_f17_each_automation_trigger_is_sent_once_through_a_sigkill_and_a_redelivery(
    fresh_lab: Lab, capsys: Any
) -> None:
    lab = fresh_lab
    creator, owner = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    fans = [
        FanRef(fan_id=uuid.uuid4(), external_id=f"f17_{creator.hex[:6]}_{i}", display_name=f"Fan{i}")
        for i in range(FANS)
    ]

    def announcements() -> tuple[list[Any], list[Any]]:
        """The triggers, as the fans service announces them (new event ids on every call)."""
        started = new_subscribers(creator, fans, now)
        tips = [
            make_envelope(
                TransactionRecorded(
                    transaction_id=uuid.uuid5(creator, f.external_id),
                    fan_id=f.fan_id,
                    fan=f,
                    type="tip",
                    gross_cents=2000,
                    fee_cents=400,
                    net_cents=1600,
                    currency="USD",
                    occurred_at=now,
                    source="connector",
                ),
                producer="fans",
                creator_id=creator,
            )
            for f in fans
        ]
        return started, tips

    with ConnectorPeer(SECRET) as peer:
        settings = {"INBOX_CONNECTOR_WEBHOOK_URL": peer.url, "INBOX_CONNECTOR_SIGNING_SECRET": SECRET}
        inbox_api = lab.service("inbox", role="api", **settings)
        worker = lab.service("inbox", role="worker", **settings)
        db = create_async_engine(lab.env["INBOX_DATABASE_URL"])

        async def scalar(sql: str) -> int:
            async with db.connect() as conn:
                return int((await conn.execute(text(sql), {"c": creator})).scalar() or 0)

        try:
            headers = internal_headers(creator, owner, role="owner")
            async with httpx.AsyncClient(base_url=inbox_api.url, timeout=30, headers=headers) as client:
                answer = await client.put("/v1/inbox/automations", json=SETTINGS)
                assert answer.status_code == 200, answer.text

            started, tips = announcements()

            async def announce(started: list[Any], tips: list[Any]) -> None:
                await asyncio.gather(
                    lab.produce(REGISTRY.for_model(SubscriptionStarted), started, per_second=400),
                    lab.produce(REGISTRY.for_model(TransactionRecorded), tips, per_second=400),
                )

            announcing = asyncio.create_task(announce(started, tips))
            deadline = time.monotonic() + 120
            while len(peer.keyed("automation:")) < FANS // 2:  # a quarter of the 2,000 sends
                assert time.monotonic() < deadline, len(peer.keyed("automation:"))
                await asyncio.sleep(0.02)
            killed_at = len(peer.keyed("automation:"))
            worker.kill(signal.SIGKILL)
            restarted = time.monotonic()
            await asyncio.sleep(1)
            worker.start()
            worker.wait_ready()
            await announcing
            await announce(*announcements())  # every trigger again: redelivered, new event ids

            deadline = time.monotonic() + 240
            while (
                sent := await scalar(
                    "SELECT count(*) FROM automation_runs WHERE creator_id = :c AND status = 'autosent' AND draft_id IN (SELECT id FROM drafts WHERE status = 'sent')"
                )
            ) < 2 * FANS:
                assert time.monotonic() < deadline, (
                    sent,
                    await scalar("SELECT count(*) FROM automation_runs WHERE creator_id = :c"),
                )
                await asyncio.sleep(0.25)
            recovery = time.monotonic() - restarted
            await asyncio.sleep(3)  # anything late (a second run, a second key) would show now
            runs = await scalar("SELECT count(*) FROM automation_runs WHERE creator_id = :c")
            not_autosent = await scalar(
                "SELECT count(*) FROM automation_runs WHERE creator_id = :c AND status <> 'autosent'"
            )
            reply_sent = await scalar(
                "SELECT count(*) FROM outbox WHERE event_type = 'reply.sent.v1' "
                "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = CAST(:c AS text) "
                "AND convert_from(value, 'UTF8')::jsonb -> 'payload' ->> 'automation' IS NOT NULL"
            )
        finally:
            await db.dispose()
        requests = peer.keyed("automation:")

    keys = Counter(str(r["headers"]["idempotency-key"]) for r in requests)
    per_trigger: dict[tuple[str, str], set[str]] = {}  # (fan, automation) -> the send keys it reached us with
    for r in requests:
        trigger = (r["body"]["fan"]["external_id"], r["body"]["text"].split(" ")[0])
        per_trigger.setdefault(trigger, set()).add(str(r["headers"]["idempotency-key"]))
    report = Report(
        "F17",
        produced=4 * FANS,
        effects=len(keys),
        duplicates=sum(len(k) - 1 for k in per_trigger.values())
        + max(runs - 2 * FANS, 0)
        + max(reply_sent - 2 * FANS, 0),
        lost=2 * FANS - len(per_trigger),
        dlq=0,
        recovery_s=recovery,
        extra={
            "killed_at_sent": killed_at,
            "runs": runs,
            "not_autosent": not_autosent,
            "wire_repeats_same_key": sum(keys.values()) - len(keys),
            "reply_sent_events": reply_sent,
        },
    )
    emit(capsys, report)
    assert len(keys) == len(per_trigger) == runs == reply_sent == 2 * FANS, report.line()
    assert {k[1] for k in per_trigger} == {"Welcome", "Thanks"} and not_autosent == 0, report.line()
    assert killed_at < 2 * FANS and not peer.refused, report.line()
