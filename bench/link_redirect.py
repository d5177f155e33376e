"""B9 public redirect: `GET /l/{code}` through the gateway and the marketing service (each click a
`clicks` row and a `link.clicked` in the outbox, one transaction, then the 302) ÷ a bare Starlette
app answering the same 302 (bench/bare_redirect.py); the same wrk settings and visitors' headers on
both sides, rounds alternating. Every click is accounted for: the clicks stored for a round's link
against the 302s wrk counted and the requests it sent."""

from __future__ import annotations

import asyncio
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from common import LOGDIR, ROOT, ROUNDS, BenchBase, Result, median, say, wait_http, wrk_rate_p99
from huntaze_testkit import Api, ServiceProcess

BARE_PORT = 18711
PROFILE_DIR = LOGDIR.parent / "profiles"

# Visitors arriving from the networks' in-app browsers and mobile browsers, as a CDN passes them on.
_VISITORS = r"""
local visitors = {
  {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 334.0.4.32.98 (iPhone15,2; iOS 17_5; en_US; en; scale=3.00; 1179x2556; 614127456)",
   "https://l.instagram.com/", "", "US", "en-US,en;q=0.9"},
  {"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.165 Mobile Safari/537.36",
   "https://t.co/", "", "GB", "en-GB,en;q=0.9"},
  {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_34.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US",
   "https://www.tiktok.com/", "?utm_source=tiktok", "FR", "fr-FR,fr;q=0.9,en;q=0.8"},
  {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
   "https://out.reddit.com/", "", "DE", "de-DE,de;q=0.9,en;q=0.8"},
}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  sent, found, other = 0, 0, 0
  prepared = {}
  for i, v in ipairs(visitors) do
    prepared[i] = wrk.format("GET", "__PATH__" .. v[3], {
      ["User-Agent"] = v[1],
      ["Referer"] = v[2],
      ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
      ["Accept-Language"] = v[5],
      ["Accept-Encoding"] = "gzip, deflate, br",
      ["CF-IPCountry"] = v[4],
    })
  end
end

function request()
  sent = sent + 1
  return prepared[(sent % #prepared) + 1]
end

function response(status, headers, body)
  if status == 302 then found = found + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  -- wrk calls request() once in its first thread before the run, to check the script: not sent
  local s, f, o = -1, 0, 0
  for _, t in ipairs(threads) do
    s = s + t:get("sent")
    f = f + t:get("found")
    o = o + t:get("other")
  end
  io.write(string.format("visits: sent %d, 302 %d, other %d\n", s, f, o))
end
"""


@dataclass
class Visits:
    rps: float
    p99_ms: float
    sent: int
    """Requests wrk wrote (its `request()` hook)."""
    redirects: int
    """302 answers wrk read."""
    other: int
    timeouts: int


class RedirectBenchmarks(BenchBase):
    # B9 -------------------------------------------------------------------------------------------
    async def b9(self, seconds: int = 5, connections: int = 16) -> Result:
        say(f"B9 public redirect GET /l/{{code}}: wrk -t2 -c{connections} -d{seconds}s, {ROUNDS} rounds each + warm-up")
        procs = self.processes(["gateway", "marketing"], marketing="api")
        target = "https://onlyfans.com/benchbare/c1"
        bare = subprocess.Popen(  # noqa: ASYNC220 - a server started once, before the measurement
            [sys.executable, str(ROOT / "bench" / "bare_redirect.py"), str(BARE_PORT), target],
            env=dict(self.env) | {"PYTHONUNBUFFERED": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        marketing_db = create_async_engine(self.env["MARKETING_DATABASE_URL"])
        bare_url, gateway_url = f"http://127.0.0.1:{BARE_PORT}", procs["gateway"].url
        platform_runs: list[Visits] = []
        bare_runs: list[Visits] = []
        stored: list[int] = []
        try:
            await wait_http(f"{bare_url}/ready")
            async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
                api = await Api.sign_up(client, "Bench9")
                run = uuid.uuid4().hex[:8]
                for round_ in range(ROUNDS + 1):
                    made = await api.post(
                        "/v1/marketing/links",
                        json={"target_url": f"https://onlyfans.com/bench{run}/c{round_}", "label": "bio"},
                    )
                    assert made.status_code == 201, made.text
                    link = made.json()
                    bare_runs.append(self._wrk_visits(bare_url, link["code"], seconds, connections))
                    platform_runs.append(self._wrk_visits(gateway_url, link["code"], seconds, connections))
                    stored.append(await self._clicks_stored(marketing_db, api, link["link_id"], platform_runs[-1].sent))
                    p, b = platform_runs[-1], bare_runs[-1]
                    label = "warm-up, not counted" if round_ == 0 else f"ratio {p.rps / b.rps:.2f}"
                    say(
                        f"  round {round_}: gateway+marketing {p.rps:,.0f} req/s p99 {p.p99_ms:.1f} ms; "
                        f"bare {b.rps:,.0f} req/s p99 {b.p99_ms:.1f} ms ({label}); clicks stored {stored[-1]:,}: "
                        f"{p.redirects:,} 302s read by wrk + {p.sent - p.redirects - p.other} still in flight at its "
                        f"stop (sent {p.sent:,}, other answers {p.other})"
                    )
                outbox, unpublished = await self._outbox_settled(marketing_db)
                if os.environ.get("BENCH_PROFILE"):
                    await self._profile(procs, api, seconds, connections)
        finally:
            await marketing_db.dispose()
            bare.terminate()
            bare.wait(timeout=30)
            for proc in procs.values():
                proc.stop()

        redirects, sent, clicks = (
            sum(p.redirects for p in platform_runs),
            sum(p.sent for p in platform_runs),
            sum(stored),
        )
        lost = sum(max(0, p.redirects - s) for p, s in zip(platform_runs, stored, strict=True))
        phantom = sum(max(0, s - p.sent) for p, s in zip(platform_runs, stored, strict=True))
        say(
            f"  clicks check: {clicks:,} stored for {redirects:,} 302s read by wrk and {sent:,} requests sent "
            f"({sent - redirects:,} unanswered when wrk stopped); 302s without a stored click {lost}, "
            f"requests sent without a stored click {sent - clicks}, clicks beyond the requests sent {phantom}; "
            f"link.clicked in the outbox {outbox:,} ({unpublished} unpublished)"
        )
        assert lost == 0, f"{lost} visitors got a 302 whose click was not stored"
        assert phantom == 0, f"{phantom} clicks stored beyond the requests wrk sent"
        assert outbox == clicks, f"{outbox} link.clicked in the outbox for {clicks} clicks"
        platform, bare_ = platform_runs[1:], bare_runs[1:]
        return Result(
            "B9",
            "public redirect",
            median([r.rps for r in platform]),
            median([r.rps for r in bare_]),
            median([p.rps / b.rps for p, b in zip(platform, bare_, strict=True)]),
            None,
            "req/s",
            details={
                "p99_ms_platform": median([r.p99_ms for r in platform]),
                "p99_ms_bare": median([r.p99_ms for r in bare_]),
                "p99_ratio": median([p.p99_ms / b.p99_ms for p, b in zip(platform, bare_, strict=True)]),
                "not_302_platform": sum(r.other for r in platform_runs),
                "not_302_bare": sum(r.other for r in bare_runs),
                "timeouts": sum(r.timeouts for r in platform_runs + bare_runs),
                "clicks_stored": clicks,
                "redirects_read": redirects,
                "requests_sent": sent,
                "clicks_lost": lost,
                "sent_without_click": sent - clicks,
                "link_clicked_in_outbox": outbox,
                "outbox_unpublished": unpublished,
                "connections": connections,
                "threads": 2,
                "seconds": seconds,
            },
        )

    def _wrk_visits(self, base: str, code: str, seconds: int, connections: int) -> Visits:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(_VISITORS.replace("__PATH__", f"/l/{code}"))
        try:
            out = subprocess.run(
                ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", handle.name, f"{base}/l/{code}"],
                capture_output=True,
                text=True,
                check=True,
                timeout=seconds + 60,
            ).stdout
        finally:
            os.unlink(handle.name)
        rps, p99 = wrk_rate_p99(out)
        counted = re.search(r"visits: sent (\d+), 302 (\d+), other (\d+)", out)
        assert counted is not None, out
        sent, redirects, other = (int(n) for n in counted.groups())
        timeouts = re.search(r"timeout (\d+)", out)
        return Visits(rps, p99, sent, redirects, other, int(timeouts.group(1)) if timeouts else 0)

    async def _clicks_stored(self, db: AsyncEngine, api: Api, link_id: str, sent: int, timeout: float = 15) -> int:
        """The link's clicks once the requests wrk left in flight are done (as many as were sent, or no
        change for a second); the marketing database and the link's results must agree."""
        deadline, last, since = time.monotonic() + timeout, -1, time.monotonic()
        while True:
            async with db.connect() as conn:
                count = int(
                    (
                        await conn.execute(
                            text("SELECT count(*) FROM clicks WHERE link_id = :l"), {"l": uuid.UUID(link_id)}
                        )
                    ).scalar_one()
                )
            if count != last:
                last, since = count, time.monotonic()
            if count >= sent or time.monotonic() - since > 1 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        results = (await api.get(f"/v1/marketing/links/{link_id}")).json()["results"]
        assert results["clicks"] + results["bot_clicks"] == count, (results, count)
        return count

    async def _outbox_settled(self, db: AsyncEngine, timeout: float = 30) -> tuple[int, int]:
        """(link.clicked rows in marketing's outbox, how many the relay has not published yet) once the
        relay caught up or the timeout passed."""
        deadline = time.monotonic() + timeout
        while True:
            async with db.connect() as conn:
                total, unpublished = (
                    await conn.execute(
                        text(
                            "SELECT count(*), count(*) FILTER (WHERE published_at IS NULL) FROM outbox "
                            "WHERE event_type LIKE 'link.clicked%'"
                        )
                    )
                ).one()
            if not unpublished or time.monotonic() > deadline:
                return int(total), int(unpublished)
            await asyncio.sleep(0.2)

    async def _profile(self, procs: dict[str, ServiceProcess], api: Api, seconds: int, connections: int) -> None:
        """BENCH_PROFILE=1, after the counted rounds: one platform run with the CPU time each process
        spent per visit (/proc), then one under py-spy (only samples holding the GIL: work, not
        waiting); collapsed stacks of the gateway and marketing in .data/bench/profiles/."""

        async def code() -> str:
            made = await api.post(
                "/v1/marketing/links",
                json={"target_url": f"https://onlyfans.com/benchprofile{uuid.uuid4().hex[:8]}/c1", "label": "bio"},
            )
            assert made.status_code == 201, made.text
            return str(made.json()["code"])

        pids = {name: proc.proc.pid for name, proc in procs.items() if proc.proc is not None}
        link_code = await code()
        before, wall = _cpu_snapshot(pids), time.monotonic()
        visits = self._wrk_visits(procs["gateway"].url, link_code, seconds, connections)
        after, wall = _cpu_snapshot(pids), time.monotonic() - wall
        visited = max(1, visits.redirects)
        spent = {k: after[k] - before[k] for k in after}
        others = spent["machine"] - sum(v for k, v in spent.items() if k != "machine")
        say(
            f"  CPU per visit ({visits.rps:,.0f} req/s, {wall:.1f} s, {os.cpu_count()} cores busy "
            f"{100 * spent['machine'] / (wall * (os.cpu_count() or 1)):.0f} %): "
            + ", ".join(f"{k} {1000 * v / visited:.2f} ms" for k, v in spent.items() if k != "machine")
            + f", everything else on the machine {1000 * others / visited:.2f} ms"
        )

        spy = Path(sys.executable).parent / "py-spy"
        if not spy.exists():
            say("  py-spy is not installed (the bench dependency group): no profile")
            return
        PROFILE_DIR.mkdir(parents=True, exist_ok=True)
        files = {name: PROFILE_DIR / f"b9-{name}.txt" for name in pids}
        link_code = await code()
        spies = [
            subprocess.Popen(  # noqa: ASYNC220 - started just before the load, waited for after it
                [str(spy), "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "250", "--gil"]
                + ["--format", "raw", "--output", str(files[name])],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for name, pid in pids.items()
        ]
        visits = self._wrk_visits(procs["gateway"].url, link_code, seconds, connections)
        for process in spies:
            process.wait(timeout=60)
        say(f"  profiled run: {visits.rps:,.0f} req/s p99 {visits.p99_ms:.1f} ms (py-spy attached, not counted)")
        for name, path in files.items():
            if path.exists():
                say(f"  {name} ({path.relative_to(ROOT)}):\n{summarize(path)}")


def _cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far: each service process, the bench PostgreSQL (postmaster, its live backends
    and the ones it reaped), the bench Kafka, wrk (children of this process) and the whole machine."""
    tick = os.sysconf("SC_CLK_TCK")

    def stat(pid: int) -> list[str]:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()

    def cpu(pid: int, reaped: bool = False) -> float:
        try:
            fields = stat(pid)
        except OSError:
            return 0.0
        return sum(int(f) for f in fields[11 : 15 if reaped else 13]) / tick

    snapshot = {name: cpu(pid) for name, pid in pids.items()}
    data = LOGDIR.parent
    postmaster = int((data / "postgres" / "postmaster.pid").read_text().split()[0])
    backends = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(stat(int(entry))[1]) == postmaster:
                    backends.append(int(entry))
            except (OSError, IndexError):
                pass
    snapshot["postgres"] = cpu(postmaster, reaped=True) + sum(cpu(pid) for pid in backends)
    snapshot["kafka"] = cpu(int((data / "kafka.pid").read_text().strip()), reaped=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    snapshot["wrk"] = children.ru_utime + children.ru_stime
    with open("/proc/stat") as handle:
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in handle.readline().split()[1:9])
    snapshot["machine"] = (user + nice + system + irq + softirq + steal) / tick
    return snapshot


def summarize(path: Path, top: int = 15) -> str:
    """The busiest functions of collapsed stacks: their own samples, and the samples with them on the
    stack (beneath the frames every request goes through: those on more than half of the samples)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        n = int(count)
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        return "    (no samples)"
    lines = [f"    {total} samples holding the GIL; own time:"]
    lines += [f"    {100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    lines.append("    on the stack:")
    lines += [f"    {100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common() if n <= total / 2][: top * 2]
    return "\n".join(lines)
