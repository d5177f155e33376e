"""`tail`, `replay` and `export`: reading the streams (no group joined, nothing committed)."""

from __future__ import annotations

import contextlib
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from .. import catalog, connect
from ..errors import StreamsError
from ..ranges import BEGINNING, END, check_range
from .base import STATE, _fail, _guard, _open, _position, _run, app, err


@app.command()
def tail(
    event: str = typer.Argument(..., help="message.received, message.received.v1 or the topic"),
    creator: str = typer.Option(None, "--creator", help="Only this creator's events (creator_id)"),
    from_beginning: bool = typer.Option(False, "--from-beginning", help="Start at the oldest record"),
    since: str = typer.Option(None, "--since", help="Start this long ago (10m, 2h, 1d) or at a time (ISO 8601)"),
    as_json: bool = typer.Option(
        False, "--json", help="One JSON object per line on stdout (envelope + _topic/_partition/_offset/_timestamp)"
    ),
    max_events: int = typer.Option(None, "--max", min=1, help="Stop after this many events"),
    timeout: float = typer.Option(None, "--timeout", min=0, help="Stop after this many seconds"),
) -> None:
    """Follow an event live: pretty by default, JSON lines with --json. Ctrl-C stops (exit 0)."""
    from ..export import Flattener
    from ..reader import TopicReader, creator_filter, decode
    from ..render import Pretty, json_line

    target = _guard(lambda: catalog.resolve(event))
    if from_beginning and since:
        raise _fail(StreamsError("--from-beginning and --since say two different starts: choose one"))
    start = BEGINNING if from_beginning else _position(since, END)
    keep = _guard(lambda: creator_filter(creator))
    spec = target.spec
    out = Console(highlight=False)
    pretty = Pretty(out, Flattener(spec))
    counts: Counter[str] = Counter()

    async def follow() -> None:
        consumer = connect.consumer(STATE.bootstrap)
        await connect.start(consumer, STATE.bootstrap)
        try:
            reader = TopicReader(consumer, target.topic, STATE.bootstrap)
            await reader.prepare(start, None)
            err.print(
                f"[dim]tailing {target.topic} ({len(reader.partitions)} partitions) from {start.describe()}"
                f"{' for creator ' + creator if creator else ''}; Ctrl-C to stop[/dim]"
            )
            deadline = time.monotonic() + timeout if timeout is not None else None
            async for batch in reader.batches(idle_ms=200 if deadline else 500):
                for record in batch:
                    decoded = decode(spec, record)
                    if not keep(decoded):
                        continue
                    counts["invalid" if not decoded.valid else "valid"] += 1
                    if as_json:
                        sys.stdout.write(json_line(decoded) + "\n")
                        sys.stdout.flush()
                    else:
                        pretty.show(decoded)
                    if max_events and counts.total() >= max_events:
                        return
                if deadline is not None and time.monotonic() >= deadline:
                    return
        finally:
            await connect.stop(consumer)

    try:
        _run(follow, interrupt_code=0)
    finally:
        invalid = f", {counts['invalid']} invalid" if counts["invalid"] else ""
        err.print(f"[dim]{counts.total()} event(s) shown{invalid}[/dim]")


# ----------------------------------------------------------------------------------------------
# replay
# ----------------------------------------------------------------------------------------------


def _bounded(event: str, from_: str | None, to: str | None, creator: str | None) -> tuple[Any, Any, Any, Any]:
    """The event, the range's start and stop, and the creator filter of replay and export."""
    from ..reader import creator_filter

    target = _guard(lambda: catalog.resolve(event))
    start, stop = _position(from_, BEGINNING), _position(to, END)
    _guard(lambda: check_range(start, stop))
    return target, start, stop, _guard(lambda: creator_filter(creator))


def _range_help() -> str:
    return "offset (1200 or 0:1200,3:877), ISO time, duration ago (10m), beginning or end"


@app.command()
def replay(
    event: str = typer.Argument(..., help="message.received, message.received.v1 or the topic"),
    from_: str = typer.Option(..., "--from", help=f"Start, included: {_range_help()}"),
    to: str = typer.Option(None, "--to", help="Stop, excluded (default: the end when the command starts)"),
    out: Path = typer.Option(None, "--out", help="Write the JSON lines to this file (default: stdout)"),
    creator: str = typer.Option(None, "--creator", help="Only this creator's events"),
    pretty_: bool = typer.Option(False, "--pretty", help="Readable lines instead of JSON (stdout only)"),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when an invalid record was met"),
) -> None:
    """Every record of a range, on all partitions, as JSON lines; stops at the range's end."""
    from ..export import Flattener
    from ..reader import TopicReader, decode
    from ..render import Pretty, json_line

    target, start, stop, keep = _bounded(event, from_, to, creator)
    spec = target.spec
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()

    sink = _open(out) if out else sys.stdout

    async def run() -> None:
        consumer = connect.consumer(STATE.bootstrap)
        await connect.start(consumer, STATE.bootstrap)
        pretty = Pretty(Console(highlight=False), Flattener(spec)) if pretty_ and not out else None
        try:
            reader = TopicReader(consumer, target.topic, STATE.bootstrap)
            await reader.prepare(start, stop)
            err.print(
                f"[dim]replaying {target.topic} from {start.describe()} to {stop.describe()}: {reader.span:,} offsets[/dim]"
            )
            async for batch in reader.batches(idle_ms=300):
                for record in batch:
                    decoded = decode(spec, record)
                    if not keep(decoded):
                        continue
                    counts["invalid" if not decoded.valid else "valid"] += 1
                    if not decoded.valid:
                        reasons[decoded.reason or "?"] += 1
                    if pretty:
                        pretty.show(decoded)
                    else:
                        sink.write(json_line(decoded) + "\n")
                if sink is sys.stdout:
                    sink.flush()
        finally:
            await consumer.stop()

    try:
        _run(run)
    finally:
        if out:
            sink.close()
    _report_invalid(reasons)
    where = f" to {out}" if out else ""
    err.print(f"replayed {counts.total():,} record(s){where} ({counts['invalid']:,} invalid)")
    if strict and counts["invalid"]:
        raise typer.Exit(1)


def _report_invalid(reasons: Counter[str]) -> None:
    for reason, n in reasons.most_common(10):
        err.print(f"[yellow]invalid ×{n}: {reason}[/yellow]", soft_wrap=True)


# ----------------------------------------------------------------------------------------------
# export
# ----------------------------------------------------------------------------------------------


@app.command()
def export(
    event: str = typer.Argument(..., help="message.received, message.received.v1 or the topic"),
    from_: str = typer.Option("beginning", "--from", help=f"Start, included: {_range_help()}"),
    to: str = typer.Option(None, "--to", help="Stop, excluded (default: the end when the command starts)"),
    fmt: str = typer.Option(None, "--format", help="parquet or csv (default: from --out's extension)"),
    out: Path = typer.Option(..., "--out", help="The file to write"),
    creator: str = typer.Option(None, "--creator", help="Only this creator's events"),
    row_group: int = typer.Option(50_000, "--row-group", min=1000, help="Rows per row group (bounds memory)"),
    invalid_out: Path = typer.Option(None, "--invalid-out", help="Write the invalid records here (JSON lines)"),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when an invalid record was met"),
) -> None:
    """Flattened, typed columns (envelope, payload.*, Kafka coordinates) to Parquet or CSV."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from ..export import FORMATS, TableWriter
    from ..reader import TopicReader, decode
    from ..render import json_line

    target, start, stop, keep = _bounded(event, from_, to, creator)
    chosen = (fmt or out.suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise _fail(StreamsError(f"cannot tell the format of {out}: say --format parquet or --format csv"))
    spec = target.spec
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    started = time.monotonic()

    invalid_sink = _open(invalid_out) if invalid_out else None

    async def run() -> None:
        consumer = connect.consumer(STATE.bootstrap, max_partition_fetch_bytes=2 * 1024 * 1024)
        await connect.start(consumer, STATE.bootstrap)
        writer: TableWriter | None = None
        try:
            reader = TopicReader(consumer, target.topic, STATE.bootstrap)
            await reader.prepare(start, stop)
            writer = TableWriter(spec, out, chosen, row_group)
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                console=err,
                transient=False,
            ) as progress:
                task = progress.add_task(f"export {target.topic}", total=reader.span or 0, rate="")
                async for batch in reader.batches(idle_ms=300):
                    for record in batch:
                        decoded = decode(spec, record)
                        if not keep(decoded):
                            continue
                        if decoded.valid:
                            counts["rows"] += 1
                            writer.add(decoded.envelope, record)
                        else:
                            counts["invalid"] += 1
                            reasons[decoded.reason or "?"] += 1
                            if invalid_sink:
                                invalid_sink.write(json_line(decoded) + "\n")
                    elapsed = max(time.monotonic() - started, 1e-6)
                    progress.update(task, advance=len(batch), rate=f"{counts['rows'] / elapsed:,.0f} rows/s")
            writer.close()
            writer = None
        finally:
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.close()
            await consumer.stop()

    try:
        _run(run)
    finally:
        if invalid_sink:
            invalid_sink.close()
    _report_invalid(reasons)
    elapsed = time.monotonic() - started
    skipped = f"; {counts['invalid']:,} invalid record(s) not exported" + (
        f" (written to {invalid_out})" if invalid_out else ""
    )
    err.print(
        f"exported {counts['rows']:,} row(s) to {out} ({chosen}) in {elapsed:.1f}s"
        + (skipped if counts["invalid"] else "")
    )
    if strict and counts["invalid"]:
        raise typer.Exit(1)
