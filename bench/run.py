"""`make bench`: B1–B14, each against a raw baseline measured in the same run on the same broker and
database (the `bench` profile: a fresh Kafka and PostgreSQL started by tools/bench.sh).

    B1 consumer efficiency   chassis consumer events/s ÷ aiokafka getmany + json.loads + psycopg batch
    B2 relay efficiency      outbox relay events/s ÷ aiokafka batched sends of the same records
    B3 hop latency           commit → consuming handler start, open loop at 50 % of capacity,
                             p50 and p99 ÷ raw aiokafka produce → consume latency
    B4 gateway overhead      wrk requests/s of POST /v1/inbox/messages via the gateway ÷ direct to inbox
    B5 end to end            POST /v1/inbox/messages → draft readable, p50/p99, offline AI, steady load
    B6 revenue freshness     POST /v1/revenue/transactions (fans) → GET /v1/analytics/summary shows it,
                             p50 and p99 at 200 transactions/s ÷ aiokafka → psycopg INSERT → polled SELECT
    B7 statement import      200,000-row statement: POST /v1/revenue/imports → done, rows/s and peak RSS
                             of fans ÷ fans.statement parsing + psycopg COPY into a plain table
    B8 mass-message fan-out  a mass message to 50,000 fans: deliveries/s from the POST to the last copy at a
                             connector stub ÷ a loop posting the same copies with the inbox's client
    B9 public redirect       wrk requests/s and p99 of GET /l/{code} via the gateway and marketing (a click
                             and its link.clicked stored per visit) ÷ a bare Starlette 302 (bench/bare_redirect.py);
                             clicks stored checked against the 302s wrk read
    B10 publish lateness     1,000 scheduled X posts due at one instant, then 1,000 spread over a minute
                             (gateway, marketing api + worker): the X peer's arrival of each POST /2/tweets −
                             its publish_at, p50/p99/max, each post once and published; for reference a raw loop
                             sleeping until each post's time and posting straight to the peer
    B11 calendar             GET /v1/calendar of a month holding 5,000 entries (posts, mass messages,
                             automations' sends, shifts, campaigns, filled through their events): p50/p99 of
                             sequential requests via the gateway ÷ the same rows read with psycopg + json.dumps
    B12 ingest efficiency    wrk requests/s of POST /v1/inbox/messages straight to the inbox ÷ a bare
                             FastAPI + psycopg endpoint doing the same statements (bench/bare_ingest.py)
    B13 timer lateness       10,000 timers due within one minute: handler start − due time, p50/p99
    B14 stream export        `huntaze-streams export` of 1,000,000 events to Parquet: rows/s and peak RSS
                             of the export process ÷ a plain aiokafka consumer reading the same range

Every figure is the median of several rounds (B1 and B2: after a warm-up round; their ratio is the
median of the per-round ratios, each round measuring the platform and its baseline back to back).
Output: a table on stdout, bench/results/latest.json
and bench/results/latest.png (ratios against their goals).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from dataclasses import asdict

from calendar_read import CalendarBenchmarks
from common import ALL, RESULTS, ROOT, ROUNDS, Result, say
from http_load import HttpBenchmarks
from link_redirect import RedirectBenchmarks
from mass_fanout import MassFanoutBenchmarks
from pipeline import PipelineBenchmarks
from publish_lateness import PublishBenchmarks
from report import chart, machine, readme, table
from revenue import RevenueBenchmarks
from streams import StreamsBenchmarks
from timer_lateness import TimerBenchmarks


class Bench(
    PipelineBenchmarks,
    HttpBenchmarks,
    RedirectBenchmarks,
    PublishBenchmarks,
    TimerBenchmarks,
    RevenueBenchmarks,
    StreamsBenchmarks,
    MassFanoutBenchmarks,
    CalendarBenchmarks,
):
    """Every benchmark, on one bench infrastructure."""


async def main(selected: set[str]) -> int:
    bench = Bench()
    await bench.setup()
    results: list[Result] = []
    started = time.perf_counter()
    if "B1" in selected:
        results.append(await bench.b1())
    if "B2" in selected:
        results.append(await bench.b2())
    if "B3" in selected:
        results += await bench.b3()
    # B5 before B4: B4's thousands of messages would otherwise wait for ai ahead of B5's
    b5 = await bench.b5() if "B5" in selected else None
    if "B4" in selected:
        results.append(await bench.b4())
    if b5 is not None:
        results.append(b5)
    if "B6" in selected:
        results += await bench.b6()
    if "B7" in selected:
        results.append(await bench.b7())
    if "B8" in selected:
        results.append(await bench.b8())
    if "B9" in selected:
        results.append(await bench.b9())
    if "B10" in selected:
        results += await bench.b10()
    if "B11" in selected:
        results.append(await bench.b11())
    if "B12" in selected:
        results.append(await bench.b12())
    if "B13" in selected:
        results.append(await bench.b13())
    if "B14" in selected:
        results.append(await bench.b14())
    await bench.engine.dispose()
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {
        "machine": machine(bench),
        "command": "make bench",
        "rounds": ROUNDS,
        "duration_s": round(time.perf_counter() - started, 1),
        "benchmarks": [
            {k: v for k, v in asdict(r).items() if k != "higher_is_better"} | {"met": r.met} for r in results
        ],
    }
    complete = selected == ALL
    name = "latest" if complete else "partial"  # a partial run never replaces the full results
    (RESULTS / f"{name}.json").write_text(json.dumps(document, indent=2) + "\n")
    print("\n" + table(results) + "\n", flush=True)  # before the chart: the figures whatever matplotlib does
    chart(results, RESULTS / f"{name}.png")
    if complete:
        readme(results, document)
    say(f"wrote {RESULTS.relative_to(ROOT)}/{name}.json and {name}.png in {document['duration_s']}s")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    chosen = {a.upper() for a in sys.argv[1:]} or ALL
    import uvloop

    uvloop.install()
    sys.exit(asyncio.run(main(chosen)))
