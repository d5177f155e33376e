"""F20: automations whose message the AI writes. 600 new subscribers reach the inbox with a
``welcome`` that has an instruction instead of a text, on autopilot; each run asks the ai service
(``automation.text_requested``: the ai's ``automation_texts`` consumer and ``write_automation``
call), whose answer (``automation.text_written``: the inbox's ``automation_texts`` consumer) is
sent. The ai worker and the inbox worker are both SIGKILLed a quarter of the way through the sends,
then restarted; every trigger is then announced a second time.

Exactly once is judged at the connector: one run per fan, one send key ``automation:<run id>`` per
run and one welcome per fan, each the AI's text following the instruction; in the ai service one
written text per run; in the inbox every run ``autosent`` and one ``reply.sent`` per run.
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

from huntaze_events import REGISTRY, FanRef, SubscriptionStarted
from huntaze_testkit import internal_headers
from huntaze_testkit.connector import ConnectorPeer
from huntaze_testkit.lab import Lab, Report, emit, new_subscribers

pytestmark = pytest.mark.timeout(600)

FANS = 600
SECRET = "whsec_f20_" + uuid.uuid4().hex
SETTINGS = {
    "automations": [
        {
            "kind": "welcome",
            "enabled": True,
            "instruction": "warm, mention the new beach set",
            "delay_minutes": 0,
            "autopilot": True,
        },
    ],
    "limits": {"quiet_start": None, "quiet_end": None, "per_fan_per_day": 5, "per_creator_per_day": 10_000},
}


async def test_f20_each_ai_written_automation_is_sent_once_through_sigkills_and_a_redelivery(
    fresh_lab: Lab, capsys: Any
) -> None:
    lab = fresh_lab
    creator, owner = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    fans = [
        FanRef(fan_id=uuid.uuid4(), external_id=f"f20_{creator.hex[:6]}_{i}", display_name=f"Fan{i}")
        for i in range(FANS)
    ]

    with ConnectorPeer(SECRET) as peer:
        settings = {"INBOX_CONNECTOR_WEBHOOK_URL": peer.url, "INBOX_CONNECTOR_SIGNING_SECRET": SECRET}
        inbox_api = lab.service("inbox", role="api", **settings)
        inbox_worker = lab.service("inbox", role="worker", **settings)
        ai_worker = lab.service("ai", role="worker", AI_PROVIDER="offline")
        inbox_db = create_async_engine(lab.env["INBOX_DATABASE_URL"])
        ai_db = create_async_engine(lab.env["AI_DATABASE_URL"])

        async def scalar(db: Any, sql: str) -> int:
            async with db.connect() as conn:
                return int((await conn.execute(text(sql), {"c": creator})).scalar() or 0)

        try:
            headers = internal_headers(creator, owner, role="owner")
            async with httpx.AsyncClient(base_url=inbox_api.url, timeout=30, headers=headers) as client:
                answer = await client.put("/v1/inbox/automations", json=SETTINGS)
                assert answer.status_code == 200, answer.text

            spec = REGISTRY.for_model(SubscriptionStarted)
            announcing = asyncio.create_task(lab.produce(spec, new_subscribers(creator, fans, now), per_second=300))
            deadline = time.monotonic() + 120
            while len(peer.keyed("automation:")) < FANS // 4:
                assert time.monotonic() < deadline, len(peer.keyed("automation:"))
                await asyncio.sleep(0.02)
            killed_at = len(peer.keyed("automation:"))
            ai_worker.kill(signal.SIGKILL)
            inbox_worker.kill(signal.SIGKILL)
            restarted = time.monotonic()
            await asyncio.sleep(1)
            for worker in (ai_worker, inbox_worker):
                worker.start()
            for worker in (ai_worker, inbox_worker):
                worker.wait_ready()
            await announcing
            await lab.produce(
                spec, new_subscribers(creator, fans, now), per_second=600
            )  # every trigger again, new event ids

            sent_sql = (
                "SELECT count(*) FROM automation_runs WHERE creator_id = :c AND status = 'autosent' "
                "AND draft_id IN (SELECT id FROM drafts WHERE status = 'sent')"
            )
            deadline = time.monotonic() + 240
            while (sent := await scalar(inbox_db, sent_sql)) < FANS:
                runs_now = await scalar(inbox_db, "SELECT count(*) FROM automation_runs WHERE creator_id = :c")
                assert time.monotonic() < deadline, (sent, runs_now)
                await asyncio.sleep(0.25)
            recovery = time.monotonic() - restarted
            await asyncio.sleep(3)  # anything late (a second run, a second text, a second key) would show now
            runs = await scalar(inbox_db, "SELECT count(*) FROM automation_runs WHERE creator_id = :c")
            not_autosent = await scalar(
                inbox_db, "SELECT count(*) FROM automation_runs WHERE creator_id = :c AND status <> 'autosent'"
            )
            reply_sent = await scalar(
                inbox_db,
                "SELECT count(*) FROM outbox WHERE event_type = 'reply.sent.v1' "
                "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = CAST(:c AS text)",
            )
            texts = await scalar(ai_db, "SELECT count(*) FROM generations WHERE creator_id = :c")
        finally:
            await inbox_db.dispose()
            await ai_db.dispose()
        requests = peer.keyed("automation:")

    keys = Counter(str(r["headers"]["idempotency-key"]) for r in requests)
    per_fan: dict[str, set[str]] = {}
    for r in requests:
        per_fan.setdefault(r["body"]["fan"]["external_id"], set()).add(str(r["headers"]["idempotency-key"]))
    off_instruction = sum(1 for r in requests if "beach set" not in r["body"]["text"])
    report = Report(
        "F20",
        produced=2 * FANS,
        effects=len(keys),
        duplicates=sum(len(k) - 1 for k in per_fan.values()) + max(runs - FANS, 0) + max(texts - FANS, 0),
        lost=FANS - len(per_fan),
        dlq=0,
        recovery_s=recovery,
        extra={
            "killed_at_sent": killed_at,
            "runs": runs,
            "ai_texts": texts,
            "not_autosent": not_autosent,
            "wire_repeats_same_key": sum(keys.values()) - len(keys),
            "reply_sent_events": reply_sent,
            "off_instruction": off_instruction,
        },
    )
    emit(capsys, report)
    assert len(keys) == len(per_fan) == runs == texts == reply_sent == FANS, report.line()
    assert not_autosent == 0 and off_instruction == 0, report.line()
    assert killed_at < FANS and not peer.refused, report.line()
