"""The report of a run: the machine, the table (stdout and README), the chart."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import ROOT, BenchBase, Result
from huntaze_service.db import libpq_url


def machine(bench: BenchBase) -> dict[str, Any]:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory_gib = 0.0
    try:
        memory_gib = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal"))) / 2**20
    except (OSError, StopIteration):
        pass
    pg = subprocess.run(
        ["psql", libpq_url(bench.db_url), "-tAc", "SHOW server_version"], capture_output=True, text=True
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "kafka": (ROOT / "infra" / "kafka" / "pom.xml").read_text().split("<kafka.version>")[1].split("<")[0],
        "postgresql": pg.stdout.strip() or "unknown",
        "note": "broker, database, services and load generator share these cores",
    }


def table(results: Sequence[Result]) -> str:
    lines = [
        "| id | benchmark | platform | raw baseline | ratio | goal | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        baseline = f"{r.baseline:,.1f} {r.unit}" if r.baseline is not None else "—"
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "—"
        goal = ("≥ " if r.higher_is_better else "≤ ") + f"{r.goal:g}" if r.goal is not None else "—"
        met = {True: "yes", False: "no", None: "—"}[r.met]
        value = f"{r.value:,.1f} {r.unit}"
        if r.id == "B11":
            value += f" (p99 {r.details['p99_ms']:,.1f} ms)"
            baseline += f" (p99 {r.details['raw_p99_ms']:,.1f} ms)"
        if r.id in ("B5", "B13"):
            value += f" (p99 {r.details['p99_ms']:,.1f} ms)"
        if r.id == "B12":
            value += f" (p99 {r.details['p99_ms_inbox']:.1f} ms vs {r.details['p99_ms_bare']:.1f} ms bare)"
        if r.id == "B7":
            value += (
                f" (peak RSS {r.details['peak_rss_mib']:,.0f} MiB, +{r.details['rss_growth_mib']:,.0f} MiB over idle)"
            )
        if r.id.startswith("B10-"):
            d = r.details
            value += (
                f" (p99 {d['p99_ms']:,.1f} ms, max {d['max_ms']:,.1f} ms; p99 ≤ 5 s: {'yes' if d['p99_within_goal'] else 'no'};"
                f" {d['peer_accepted']:,} tweets for {d['posts']:,} posts, each once:"
                f" {'yes' if d['exactly_once'] else 'no'}, {d['statuses'].get('published', 0):,} published)"
            )
            baseline += f" (p99 {d['raw_p99_ms']:,.1f} ms; raw loop straight to the peer)"
        if r.id == "B9":
            value += f" (p99 {r.details['p99_ms_platform']:.1f} ms vs {r.details['p99_ms_bare']:.1f} ms bare)"
        if r.id == "B4":
            value += f" (p99 {r.details['p99_ms_gateway']:.1f} ms vs {r.details['p99_ms_direct']:.1f} ms direct)"
        lines.append(f"| {r.id} | {r.name} | {value} | {baseline} | {ratio} | {goal} | {met} |")
    return "\n".join(lines)


def chart(results: Sequence[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rated = [r for r in results if r.ratio is not None and r.goal is not None]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    labels = [f"{r.id}\n{r.name}" for r in rated]
    colors = ["#2e7d32" if r.met else "#c62828" for r in rated]
    bars = ax.bar(labels, [r.ratio for r in rated], color=colors, width=0.55)
    for index, r in enumerate(rated):
        ax.hlines(r.goal, index - 0.35, index + 0.35, colors="black", linestyles="dashed")
        ax.text(index + 0.37, r.goal, ("≥" if r.higher_is_better else "≤") + f"{r.goal:g}", va="center", fontsize=8)
        ax.text(
            bars[index].get_x() + bars[index].get_width() / 2,
            r.ratio,
            f"{r.ratio:.2f}",
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.set_ylabel("platform ÷ raw baseline")
    ax.set_title("Huntaze chassis vs raw clients (green: goal met; dashed: goal)")
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def readme(results: Sequence[Result], document: dict[str, Any]) -> None:
    """Puts the latest full run's table in README.md, between its bench markers."""
    path = ROOT / "README.md"
    m = document["machine"]
    text_ = path.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start not in text_:
        return
    block = (
        f"{start}\n"
        f"Latest `make bench` ({time.strftime('%Y-%m-%d')}, {document['rounds']} rounds, {document['duration_s']:.0f} s): "
        f"{m['cores']} × {m['cpu']}, {m['memory_gib']} GiB, Python {m['python']}, Kafka {m['kafka']}, "
        f"PostgreSQL {m['postgresql'].split()[0]} — {m['note']}.\n\n"
        f"{table(results)}\n\n![ratios against goals](bench/results/latest.png)\n{end}"
    )
    before, rest = text_.split(start, 1)
    after = rest.split(end, 1)[1]
    path.write_text(before + block + after)
