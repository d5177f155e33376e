"""B4 gateway overhead, B12 ingest efficiency, B5 end to end: HTTP load on the platform's processes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from common import ROOT, ROUNDS, BenchBase, Result, median, percentile, say, wait_http
from huntaze_testkit import Api, internal_headers


class HttpBenchmarks(BenchBase):
    # B4 -------------------------------------------------------------------------------------------
    async def b4(self, seconds: int = 8, connections: int = 16) -> Result:
        say(f"B4 gateway overhead: wrk -t2 -c{connections} -d{seconds}s, {ROUNDS} rounds each")
        procs = self.processes(["gateway", "inbox"], inbox="api")
        try:
            async with httpx.AsyncClient(base_url=procs["gateway"].url, timeout=30) as client:
                api = await Api.sign_up(client, "Bench")
            via_gateway = {"Authorization": f"Bearer {api.token}"}
            gateway_runs, direct_runs = [], []
            for round_ in range(ROUNDS):
                direct = internal_headers(api.creator_id, api.user_id)  # what the gateway adds (a fresh token)
                gateway_runs.append(self._wrk(procs["gateway"].url, via_gateway, seconds, connections))
                direct_runs.append(self._wrk(procs["inbox"].url, direct, seconds, connections))
                say(
                    f"  round {round_ + 1}: gateway {gateway_runs[-1][0]:,.0f} req/s p99 {gateway_runs[-1][1]:.1f} ms; "
                    f"direct {direct_runs[-1][0]:,.0f} req/s p99 {direct_runs[-1][1]:.1f} ms"
                )
        finally:
            for proc in procs.values():
                proc.stop()
        value, baseline = median([r[0] for r in gateway_runs]), median([r[0] for r in direct_runs])
        return Result(
            "B4",
            "gateway overhead",
            value,
            baseline,
            value / baseline,
            0.7,
            "req/s",
            details={
                "p99_ms_gateway": median([r[1] for r in gateway_runs]),
                "p99_ms_direct": median([r[1] for r in direct_runs]),
                "non_2xx_gateway": sum(r[2] for r in gateway_runs),
                "non_2xx_direct": sum(r[2] for r in direct_runs),
                "connections": connections,
                "threads": 2,
                "seconds": seconds,
            },
        )

    # B12 ------------------------------------------------------------------------------------------
    async def b12(self, seconds: int = 8, connections: int = 16) -> Result:
        """`POST /v1/inbox/messages` straight to the inbox (its API role: HTTP + relay, one process)
        ÷ bench/bare_ingest.py (FastAPI + psycopg, the same statements in one transaction), same wrk
        settings, rounds alternating."""
        say(f"B12 ingest efficiency: wrk -t2 -c{connections} -d{seconds}s, {ROUNDS} rounds each")
        procs = self.processes(["inbox"], inbox="api")
        env = dict(self.env) | {"PYTHONUNBUFFERED": "1"}
        bare = subprocess.Popen(  # noqa: ASYNC220 - a server started once, before the measurement
            [sys.executable, str(ROOT / "bench" / "bare_ingest.py"), "18710", self.env["INBOX_DATABASE_URL"]],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        creator, user = uuid.uuid4(), uuid.uuid4()

        def headers() -> dict[str, str]:
            """The bare endpoint reads X-Creator-Id; the inbox verifies the internal token (a fresh one)."""
            return {"X-Creator-Id": str(creator), **internal_headers(creator, user)}

        try:
            await wait_http("http://127.0.0.1:18710/docs")
            platform_runs, bare_runs = [], []
            for round_ in range(ROUNDS + 1):
                bare_runs.append(self._wrk("http://127.0.0.1:18710", headers(), seconds, connections))
                await self._settle_bare_outbox()
                platform_runs.append(self._wrk(procs["inbox"].url, headers(), seconds, connections))
                label = (
                    "warm-up, not counted" if round_ == 0 else f"ratio {platform_runs[-1][0] / bare_runs[-1][0]:.2f}"
                )
                say(
                    f"  round {round_}: inbox {platform_runs[-1][0]:,.0f} req/s p99 {platform_runs[-1][1]:.1f} ms; "
                    f"bare {bare_runs[-1][0]:,.0f} req/s p99 {bare_runs[-1][1]:.1f} ms ({label})"
                )
        finally:
            bare.terminate()
            bare.wait(timeout=30)
            for proc in procs.values():
                proc.stop()
        platform_runs, bare_runs = platform_runs[1:], bare_runs[1:]
        ratio = median([p[0] / b[0] for p, b in zip(platform_runs, bare_runs, strict=True)])
        return Result(
            "B12",
            "ingest efficiency",
            median([r[0] for r in platform_runs]),
            median([r[0] for r in bare_runs]),
            ratio,
            0.6,
            "req/s",
            details={
                "p99_ms_inbox": median([r[1] for r in platform_runs]),
                "p99_ms_bare": median([r[1] for r in bare_runs]),
                "non_2xx": sum(r[2] for r in platform_runs) + sum(r[2] for r in bare_runs),
                "connections": connections,
                "seconds": seconds,
            },
        )

    async def _settle_bare_outbox(self) -> None:
        """The bare endpoint's outbox rows have no relay: mark them so the inbox's relay skips them."""
        inbox_db = create_async_engine(self.env["INBOX_DATABASE_URL"])
        async with inbox_db.begin() as conn:
            await conn.execute(text("UPDATE outbox SET published_at = now() WHERE published_at IS NULL"))
        await inbox_db.dispose()

    # B5 -------------------------------------------------------------------------------------------
    async def b5(self, rate: float = 20, seconds: float = 20) -> Result:
        say(f"B5 end to end: {rate:.0f} messages/s for {seconds:.0f}s through the gateway, offline AI")
        procs = self.processes(["gateway", "inbox", "ai", "fans"])
        inbox_db = create_async_engine(self.env["INBOX_DATABASE_URL"])
        try:
            async with httpx.AsyncClient(base_url=procs["gateway"].url, timeout=30) as client:
                api = await Api.sign_up(client, "Bench5")
                intended: dict[str, float] = {}
                seen: dict[str, float] = {}
                stop_polling = asyncio.Event()

                async def poll() -> None:
                    async with inbox_db.connect() as conn:
                        while not stop_polling.is_set():
                            rows = await conn.execute(
                                text("SELECT in_reply_to_message_id FROM drafts WHERE creator_id = :c"),
                                {"c": uuid.UUID(api.creator_id)},
                            )
                            now = time.perf_counter()
                            for (message_id,) in rows:
                                seen.setdefault(str(message_id), now)
                            await conn.commit()
                            await asyncio.sleep(0.005)

                poller = asyncio.create_task(poll())

                async def post(seq: int, when: float) -> None:
                    answer = await api.post(
                        "/v1/inbox/messages",
                        json={
                            "fan": {"external_id": f"f{seq % 50}", "display_name": f"Fan {seq % 50}"},
                            "text": f"#{seq} hey, do you do customs?",
                        },
                    )
                    assert answer.status_code == 202, answer.text
                    intended[answer.json()["message_id"]] = when

                total = await self._schedule(rate, seconds, post)
                deadline = time.perf_counter() + 60
                while len([m for m in intended if m in seen]) < total and time.perf_counter() < deadline:
                    await asyncio.sleep(0.05)
                stop_polling.set()
                await poller
        finally:
            await inbox_db.dispose()
            for proc in procs.values():
                proc.stop()
        latencies = [(seen[m] - intended[m]) * 1000 for m in intended if m in seen]
        assert len(latencies) == total, f"{total - len(latencies)} drafts never appeared"
        return Result(
            "B5",
            "end to end p50",
            percentile(latencies, 50),
            None,
            None,
            None,
            "ms",
            higher_is_better=False,
            details={
                "p99_ms": percentile(latencies, 99),
                "messages": total,
                "rate_per_s": rate,
                "poll_resolution_ms": 5,
                "provider": "offline",
            },
        )
