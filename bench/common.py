"""What every benchmark shares: the result, rounds, percentiles, the bench infrastructure and
the platform's processes, the load generator (wrk)."""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from huntaze_events import Envelope, make_envelope
from huntaze_service import Role, ServiceSettings
from huntaze_testkit import ServiceProcess
from huntaze_testkit import faultbox as fb

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOGDIR = ROOT / ".data" / "bench" / "logs"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ALL = {"B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11", "B12", "B13", "B14"}
CREATOR = uuid.UUID(int=0)
TOPIC = fb.RECORDED.topic


@dataclass
class Result:
    id: str
    name: str
    value: float
    baseline: float | None
    ratio: float | None
    goal: float | None
    unit: str
    higher_is_better: bool = True
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        if self.ratio is None or self.goal is None:
            return None
        return self.ratio >= self.goal if self.higher_is_better else self.ratio <= self.goal


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def paired_rounds(
    platform_run: Callable[[], Awaitable[float]], raw_run: Callable[[], Awaitable[float]]
) -> tuple[list[float], list[float], float, float, float]:
    """Runs the baseline then the platform, back to back, ROUNDS times after one warm-up round.
    Returns both series, their medians, and the median of the per-round ratios (each round's two
    measurements share the machine's conditions of the moment)."""
    platform_rates, raw_rates = [], []
    for round_ in range(ROUNDS + 1):
        raw_rate = await raw_run()
        platform_rate = await platform_run()
        label = "warm-up, not counted" if round_ == 0 else f"ratio {platform_rate / raw_rate:.2f}"
        say(f"  round {round_}: platform {platform_rate:,.0f}/s, raw {raw_rate:,.0f}/s ({label})")
        if round_:
            platform_rates.append(platform_rate)
            raw_rates.append(raw_rate)
    ratio = median([p / r for p, r in zip(platform_rates, raw_rates, strict=True)])
    return platform_rates, raw_rates, median(platform_rates), median(raw_rates), ratio


def envelopes(run: str, n: int, keys: int = 60) -> list[Envelope[Any]]:
    return [
        make_envelope(fb.Recorded(run=run, key=f"k{i % keys}", seq=i // keys), producer=fb.PRODUCER, creator_id=CREATOR)
        for i in range(n)
    ]


class BenchBase:
    def __init__(self) -> None:
        self.env = dict(os.environ)
        self.kafka = self.env["KAFKA_BOOTSTRAP_SERVERS"]
        self.db_url = self.env["SANDBOX_DATABASE_URL"]
        self.engine = create_async_engine(self.db_url, pool_size=10)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    async def setup(self) -> None:
        await fb.create_schema(self.db_url)
        async with self.engine.begin() as conn:
            await conn.execute(
                text("CREATE TABLE IF NOT EXISTS bench_effects (consumer text, event_id uuid, key text, seq int)")
            )
        admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka)
        await admin.start()
        existing = set(await admin.list_topics())
        await admin.create_topics([NewTopic(t, 6, 1) for t in fb.TOPICS if t not in existing])
        await admin.close()

    async def effects(self, consumer: str) -> int:
        async with self.engine.connect() as conn:
            return int(
                (
                    await conn.execute(text("SELECT count(*) FROM bench_effects WHERE consumer = :c"), {"c": consumer})
                ).scalar()
            )

    async def topic_size(self) -> int:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.kafka)
        await consumer.start()
        try:
            ends = await consumer.end_offsets([TopicPartition(TOPIC, p) for p in range(6)])
            return sum(ends.values())
        finally:
            await consumer.stop()

    async def produce(self, items: Sequence[Envelope[Any]]) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=self.kafka, acks="all", linger_ms=5)
        await producer.start()
        for envelope in items:
            await producer.send(TOPIC, value=envelope.to_json(), key=envelope.payload.key.encode())
        await producer.flush()
        await producer.stop()

    def settings(self, **overrides: Any) -> ServiceSettings:
        values: dict[str, Any] = {
            "service_name": "bench",
            "database_url": self.db_url,
            "kafka_bootstrap_servers": self.kafka,
            "role": Role.WORKER,
            "log_level": "WARNING",
            "consumer_batch_size": 200,
        }
        values.update(overrides)
        return ServiceSettings(**values)

    async def _schedule(self, rate: float, seconds: float, send: Callable[[int, float], Awaitable[None]]) -> int:
        """Open loop: each send starts at its intended time, whatever the previous ones are doing
        (no coordinated omission). Returns how many were sent."""
        total = int(rate * seconds)
        t0 = time.perf_counter() + 0.1
        tasks = []
        for seq in range(total):
            when = t0 + seq / rate
            delay = when - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(seq, when)))
        await asyncio.gather(*tasks)
        return total

    # platform processes ---------------------------------------------------------------------------
    def processes(
        self,
        names: Sequence[str],
        extra: dict[str, str] | None = None,
        workers: Sequence[str] = (),
        **roles: str,
    ) -> dict[str, ServiceProcess]:
        """The services `names` as processes (role `all` unless `roles` says otherwise); each of
        `workers` also gets a worker process of its own (`<name>-worker`, its HTTP port 50 above
        the service's: /ready, /metrics), as the platform deploys an api and a worker."""
        env = dict(self.env)
        ports = {"gateway": 18700, "inbox": 18701, "ai": 18702, "fans": 18703, "analytics": 18704, "marketing": 18705}
        ports["content"] = 18706
        for name, port in ports.items():
            env[f"{name.upper()}_HTTP_PORT"] = str(port)
            env[f"{name.upper()}_LOG_LEVEL"] = "WARNING"
            env[f"{name.upper()}_ROLE"] = roles.get(name, "all")
            if name != "gateway":
                env[f"GATEWAY_ROUTES__{name.upper()}"] = f"http://127.0.0.1:{port}"
        env["GATEWAY_METRICS_PORT"] = "18799"  # the gateway's /metrics are off its public port
        env.setdefault("GATEWAY_JWT_SECRET", uuid.uuid4().hex * 2)
        env.update(extra or {})
        LOGDIR.mkdir(parents=True, exist_ok=True)
        metrics_ports = {"gateway": int(env["GATEWAY_METRICS_PORT"])}
        procs = {
            name: ServiceProcess(name, ports[name], env, LOGDIR, metrics_port=metrics_ports.get(name)) for name in names
        }
        for name in workers:
            port = ports[name] + 50
            worker_env = env | {f"{name.upper()}_ROLE": "worker", f"{name.upper()}_HTTP_PORT": str(port)}
            procs[f"{name}-worker"] = ServiceProcess(f"{name}-worker", port, worker_env, LOGDIR, module=name)
        try:
            for proc in procs.values():
                proc.start()
            for proc in procs.values():
                proc.wait_ready()
        except BaseException:
            for proc in procs.values():
                proc.stop()
            raise
        return procs

    def _wrk(self, base: str, headers: dict[str, str], seconds: int, connections: int) -> tuple[float, float, int]:
        header_lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
        script = f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
{header_lines}
counter = 0
request = function()
  counter = counter + 1
  local fan = math.random(1, 2000)
  return wrk.format(nil, nil, nil, '{{"fan": {{"external_id": "f' .. fan .. '", "display_name": "Fan ' .. fan .. '"}}, "text": "hi! are you around tonight?"}}')
end
"""
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(script)
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "-s",
                handle.name,
                f"{base}/v1/inbox/messages",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        os.unlink(handle.name)
        rps, p99 = wrk_rate_p99(out)
        bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        failed = int(bad.group(1)) if bad else 0
        if failed:  # a rate of failed requests measures nothing
            raise RuntimeError(f"{failed} requests to {base} failed (non-2xx): the measurement is void")
        return rps, p99, failed

    async def _scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()


async def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer in {timeout}s")
            await asyncio.sleep(0.2)


def wrk_rate_p99(out: str) -> tuple[float, float]:
    """Requests/s and the p99 latency (ms) of a `wrk --latency` report."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = _wrk_ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    return rps, p99


def _wrk_ms(value: str) -> float:
    number = float(re.match(r"[\d.]+", value).group(0))  # type: ignore[union-attr]
    if value.endswith("us"):
        return number / 1000
    if value.endswith("ms"):
        return number
    if value.endswith("s"):
        return number * 1000
    return number
