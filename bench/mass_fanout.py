"""B8 mass-message fan-out: the inbox (its `all` role: API, the `mass_expand` and `mass_pump` timers,
the `send_mass_delivery` calls) handing a mass message to 50,000 fans to a connector stub, against a
raw loop that reads the same recipients from the same table and posts them with the same client."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from typing import Any

import httpx
import psycopg

from common import LOGDIR, ROOT, BenchBase, Result, median, say, wait_http
from huntaze_service.db import libpq_url
from huntaze_testkit import internal_headers
from inbox.adapters.connector import OutboundReply, WebhookConnector

STUB_PORT = 18795
SECRET = "whsec_b8_" + uuid.uuid4().hex
SEND_TIMEOUT_S = 12.0  # the inbox's default for one hand-over


class MassFanoutBenchmarks(BenchBase):
    async def b8(
        self, fans: int = int(os.environ.get("B8_FANS", "50000")), rounds: int = int(os.environ.get("B8_ROUNDS", "1"))
    ) -> Result:
        """Deliveries/s from `POST /v1/inbox/mass-messages` to the last copy at the connector (the
        expansion, the paced pump at a rate no connector is paced to, each copy an external call
        recorded, made and settled) ÷ a loop over the same recipients posting each copy with the
        inbox's own WebhookConnector, as many at once as the inbox's call worker makes."""
        say(f"B8 mass-message fan-out: {fans:,} recipients")
        LOGDIR.mkdir(parents=True, exist_ok=True)
        stub_log = (LOGDIR / "connector-stub.log").open("wb")
        stub = subprocess.Popen(  # noqa: ASYNC220 - set-up, before the clock
            [sys.executable, str(ROOT / "bench" / "connector_stub.py"), str(STUB_PORT), SECRET],
            stdout=stub_log,
            stderr=stub_log,
        )
        url = f"http://127.0.0.1:{STUB_PORT}/connector/replies"
        procs: dict[str, Any] = {}
        try:
            await wait_http(f"http://127.0.0.1:{STUB_PORT}/count", timeout=15)
            procs = self.processes(
                ["inbox"],
                extra={
                    "INBOX_CONNECTOR_WEBHOOK_URL": url,
                    "INBOX_CONNECTOR_SIGNING_SECRET": SECRET,
                    "INBOX_MASS_RATE_PER_S": "1000000",  # the pump never waits: the fan-out's own speed
                    "INBOX_MASS_TICK_S": "0.05",
                },
            )
            platform, raw = [], []
            for round_ in range(rounds):
                creator = uuid.uuid4()
                await self._audience(creator, fans)
                platform.append(await self._platform(creator, fans))
                raw.append(await self._raw(creator, fans, url))
                say(f"  round {round_ + 1}: inbox {platform[-1]:,.0f}/s, raw loop {raw[-1]:,.0f}/s")
        finally:
            for proc in procs.values():
                proc.stop()
            stub.terminate()
            stub.wait(timeout=10)
            stub_log.close()
        value, baseline = median(platform), median(raw)
        return Result(
            "B8",
            f"mass-message fan-out, {fans:,} recipients",
            value,
            baseline,
            value / baseline,
            None,
            "deliveries/s",
            details={"platform_rounds": platform, "raw_rounds": raw},
        )

    async def _audience(self, creator: uuid.UUID, fans: int) -> None:
        """The inbox's read model of the creator's fans, as `fan.profile_updated` and
        `fan.segment_changed` would have left it (written directly: the set-up is not measured)."""
        async with await psycopg.AsyncConnection.connect(libpq_url(self.env["INBOX_DATABASE_URL"])) as conn:
            async with (
                conn.cursor() as cursor,
                cursor.copy(
                    "COPY audience_fans (fan_id, creator_id, external_id, display_name, segments, updated_at) FROM STDIN"
                ) as copy,
            ):
                for i in range(fans):
                    await copy.write_row((uuid.uuid4(), creator, f"b8_{i}", f"Fan {i}", ["whales"], "now"))
            await conn.commit()

    async def _platform(self, creator: uuid.UUID, fans: int) -> float:
        base = "http://127.0.0.1:18701"
        user = uuid.uuid4()
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            await client.post(f"http://127.0.0.1:{STUB_PORT}/reset")
            started = time.perf_counter()
            created = await client.post(
                "/v1/inbox/mass-messages",
                json={"audience": {"segments": ["whales"]}, "text": "Hi {name}, new set"},
                headers=internal_headers(creator, user),
            )
            assert created.status_code == 201, created.text
            mass = created.json()["mass_message_id"]
            deadline = time.monotonic() + 1200
            while True:
                answer = await client.get(f"/v1/inbox/mass-messages/{mass}", headers=internal_headers(creator, user))
                assert answer.status_code == 200, answer.text
                status = answer.json()
                if status["status"] == "done":
                    break
                assert time.monotonic() < deadline, status
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
            count = (await client.get(f"http://127.0.0.1:{STUB_PORT}/count")).json()
        assert status["sent"] == fans and count["keys"] == fans and count["refused"] == 0, (status, count)
        return fans / elapsed

    async def _raw(self, creator: uuid.UUID, fans: int, url: str) -> float:
        async with httpx.AsyncClient() as client:
            await client.post(f"http://127.0.0.1:{STUB_PORT}/reset")
        connector = WebhookConnector(url, timeout_s=SEND_TIMEOUT_S, signing_secret=SECRET)
        mass = uuid.uuid4()
        limit = asyncio.Semaphore(int(self.env.get("INBOX_CALL_CONCURRENCY", "16")))
        started = time.perf_counter()
        async with await psycopg.AsyncConnection.connect(libpq_url(self.env["INBOX_DATABASE_URL"])) as conn:
            rows = await (
                await conn.execute(
                    "SELECT fan_id, external_id, display_name FROM audience_fans "
                    "WHERE creator_id = %s AND segments && ARRAY['whales'] ORDER BY fan_id",
                    (creator,),
                )
            ).fetchall()

        async def send(fan_id: uuid.UUID, external_id: str, name: str) -> None:
            async with limit:
                copy = OutboundReply(None, creator, None, fan_id, external_id, f"Hi {name}, new set", None, mass)
                await connector.send(copy, idempotency_key=f"{mass}:{fan_id}")

        try:
            await asyncio.gather(*(send(*row) for row in rows))
        finally:
            await connector.close()
        elapsed = time.perf_counter() - started
        async with httpx.AsyncClient() as client:
            count = (await client.get(f"http://127.0.0.1:{STUB_PORT}/count")).json()
        assert count["keys"] == fans, count
        return fans / elapsed
