"""huntaze-streams: Huntaze's event streams for analysts and operators.

Reads Kafka without joining any consumer group (assign + seek) and never commits offsets; every
record is validated against its contract in ``libs/events``; an invalid one is shown as such.
Only ``dlq redrive`` writes (a transaction of its own, see :mod:`huntaze_streams.dlq`).

The broker: KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:9092, `make run`), TLS/SASL from the other
KAFKA_* variables like every Huntaze client. Exit codes: 0 done, 1 invalid records met by
replay/export when --strict, 2 a usage or connection error (said in words), 130 interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from . import catalog, connect
from .errors import StreamsError
from .ranges import BEGINNING, END, Position, check_range, parse_position

app = typer.Typer(
    help="Huntaze's event streams: the catalog, live tail, replay, export, dead letters.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
dlq_app = typer.Typer(help="Dead-letter topics: what is in them, and re-driving them.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")

err = Console(stderr=True, highlight=False, soft_wrap=True)


class State:
    bootstrap: str = connect.DEFAULT_BOOTSTRAP


STATE = State()


@app.callback()
def options(
    bootstrap_servers: str = typer.Option(
        None, "--bootstrap-servers", "-b", help="Kafka address (default: $KAFKA_BOOTSTRAP_SERVERS, else 127.0.0.1:9092)"
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the Kafka client's own warnings"),
) -> None:
    STATE.bootstrap = connect.bootstrap_servers(bootstrap_servers)
    # aiokafka logs every failed connection attempt; the tool says it once, in words
    logging.basicConfig(level=logging.WARNING if verbose else logging.CRITICAL, stream=sys.stderr)
    _guard(catalog.load_event_modules)


def _fail(exc: StreamsError) -> typer.Exit:
    err.print(f"[bold red]error:[/bold red] {exc.message}", soft_wrap=True)
    if exc.hint:
        err.print(f"       {exc.hint}", soft_wrap=True)
    return typer.Exit(exc.exit_code)


def _guard(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except StreamsError as exc:
        raise _fail(exc) from None


def _run(make: Callable[[], Awaitable[Any]], *, interrupt_code: int = 130) -> Any:
    """Runs the command's coroutine: errors in words, Ctrl-C/SIGTERM end it cleanly."""

    async def main() -> Any:
        task = asyncio.current_task()
        assert task is not None
        with contextlib.suppress(NotImplementedError):
            for sig in (signal.SIGTERM, signal.SIGINT):  # both end the command at its next await
                asyncio.get_running_loop().add_signal_handler(sig, task.cancel)
        return await make()

    try:
        return asyncio.run(main())
    except StreamsError as exc:
        raise _fail(exc) from None
    except (KeyboardInterrupt, asyncio.CancelledError):
        if interrupt_code:
            err.print("interrupted")
        raise typer.Exit(interrupt_code) from None
    except BrokenPipeError:  # the reader of stdout went away (| head): done
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None


def _wide() -> Console:
    """stdout; when it is not a terminal (a file, a pipe), wide enough not to cut the table."""
    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=220)


def _open(path: Path) -> Any:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise _fail(StreamsError(f"cannot write {path}: {exc.strerror or exc}")) from None


def _position(text: str | None, default: Position) -> Position:
    return default if text is None else _guard(lambda: parse_position(text))


# ----------------------------------------------------------------------------------------------
# topics
# ----------------------------------------------------------------------------------------------


@app.command()
def topics(
    consumers: bool = typer.Option(
        True, "--consumers/--no-consumers", help="Find each topic's consumers (imports every service: ~1-3 s)"
    ),
    dlq: bool = typer.Option(True, "--dlq/--no-dlq", help="Include the dead-letter topics"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per topic, one per line"),
) -> None:
    """The catalog: event, version, topic, key, producer, consumers, partitions, end offsets, records."""
    from .topics import inventory

    rows = _run(lambda: inventory(STATE.bootstrap, with_consumers=consumers, dlq=dlq))
    if as_json:
        for row in rows:
            print(json.dumps(row.as_dict()))
        return
    table = Table(title=f"Huntaze event topics on {STATE.bootstrap}", title_justify="left")
    for name, justify in [
        ("event", "left"),
        ("v", "right"),
        ("topic", "left"),
        ("key", "left"),
        ("producer", "left"),
        ("consumers", "left"),
        ("partitions", "right"),
        ("end offsets", "left"),
        ("records", "right"),
    ]:
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    mismatches = 0
    for row in rows:
        if row.broker_partitions is None:
            parts = f"{row.partitions} [dim](not created)[/dim]"
        elif row.mismatch:
            mismatches += 1
            parts = f"[bold yellow]{row.partitions} ≠ broker {row.broker_partitions}[/bold yellow]"
        else:
            parts = str(row.partitions)
        ends = " ".join(str(o) for _, o in sorted(row.end_offsets.items())) or "—"
        who = "(not looked up)" if row.consumers is None else (", ".join(row.consumers) or "— (analysts)")
        style = "dim" if row.dlq else None
        table.add_row(
            "" if row.dlq else row.event,
            "" if row.dlq else str(row.version),
            row.topic,
            "" if row.dlq else row.key,
            row.producer,
            "" if row.dlq else who,
            parts,
            ends,
            f"{row.records:,}",
            style=style,
        )
    _wide().print(table)
    if mismatches:
        err.print(
            f"[yellow]{mismatches} topic(s) have another partition count on the broker than in the registry[/yellow]"
        )
    err.print("[dim]records = end − beginning offsets (a re-drive's transaction markers take offsets too)[/dim]")


# ----------------------------------------------------------------------------------------------
# tail
# ----------------------------------------------------------------------------------------------


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
    from .export import Flattener
    from .reader import TopicReader, creator_filter, decode
    from .render import Pretty, json_line

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
    from .export import Flattener
    from .reader import TopicReader, creator_filter, decode
    from .render import Pretty, json_line

    target = _guard(lambda: catalog.resolve(event))
    start, stop = _position(from_, BEGINNING), _position(to, END)
    _guard(lambda: check_range(start, stop))
    keep = _guard(lambda: creator_filter(creator))
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

    from .export import FORMATS, TableWriter
    from .reader import TopicReader, creator_filter, decode
    from .render import json_line

    target = _guard(lambda: catalog.resolve(event))
    start, stop = _position(from_, BEGINNING), _position(to, END)
    _guard(lambda: check_range(start, stop))
    keep = _guard(lambda: creator_filter(creator))
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


# ----------------------------------------------------------------------------------------------
# dlq
# ----------------------------------------------------------------------------------------------


def _dlq_topic(name: str) -> str:
    try:
        return catalog.resolve(name, dlq=True).topic
    except StreamsError:
        if name.endswith(".dlq"):
            return name  # an unregistered event's dead letters: the re-drive moves bytes, no schema needed
        raise


@dlq_app.command("list")
def dlq_list(
    topic: str = typer.Argument(None, help="A dead-letter topic or its event (default: every one)"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per topic, one per line"),
) -> None:
    """Per dead-letter topic: count, not yet re-driven, reasons, consumers, first and last failure."""
    from .dlq import summarize

    names = [_guard(lambda: _dlq_topic(topic))] if topic else [s.dlq_topic for s in catalog.specs()]

    async def run() -> list[Any]:
        return [await summarize(STATE.bootstrap, name) for name in names]

    summaries = _run(run)
    if topic and not summaries[0].exists:
        err.print(f"{names[0]} does not exist yet: nothing was ever dead-lettered there")
    shown = [s for s in summaries if s.exists and (s.count or topic)]
    if as_json:
        for s in shown:
            print(json.dumps(s.as_dict()))
        return
    table = Table(title=f"Dead letters on {STATE.bootstrap}", title_justify="left")
    for name in ("topic", "count", "not re-driven", "reasons", "consumers", "first failed_at", "last failed_at"):
        table.add_column(name, justify="right" if name in ("count", "not re-driven") else "left")
    for s in shown:
        table.add_row(
            s.topic,
            f"{s.count:,}",
            f"{s.pending:,}",
            "\n".join(f"{r} ×{n}" for r, n in s.reasons.most_common()),
            "\n".join(f"{c} ×{n}" for c, n in s.consumers.most_common()),
            s.first_failed_at or "—",
            s.last_failed_at or "—",
        )
    _wide().print(table)
    if not topic:
        empty = len(summaries) - len(shown)
        err.print(f"[dim]{empty} other dead-letter topic(s) empty or not created[/dim]")


@dlq_app.command("redrive")
def dlq_redrive(
    topic: str = typer.Argument(..., help="A dead-letter topic (message.received.v1.dlq) or its event"),
    reason: list[str] = typer.Option(None, "--reason", help="Only records with this dlq.reason (repeatable)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be re-driven; change nothing"),
    batch: int = typer.Option(500, "--batch", min=1, help="Records per transaction"),
    rate: float = typer.Option(0, "--rate", min=0, help="At most this many records per second (0: no limit)"),
    group: str = typer.Option("huntaze-streams-redrive", "--group", help="Where the tool keeps its progress"),
    show: int = typer.Option(50, "--show", min=0, help="--dry-run: list this many records"),
) -> None:
    """Put dead-lettered records back on their original topic, exactly once (a Kafka transaction
    commits the records and the tool's progress together; a second run re-drives nothing twice)."""
    from .dlq import DeadLetter, RedriveResult, redrive
    from .reader import decode

    name = _guard(lambda: _dlq_topic(topic))
    reasons = set(reason) if reason else None
    tty = err.is_terminal

    def progress(result: RedriveResult, total: int) -> None:
        if not dry_run:
            err.print(
                f"re-driven {result.redriven:,} (already {result.already:,}, left {result.filtered:,}) of {total:,} offsets",
                highlight=False,
            )

    result = _run(
        lambda: redrive(
            STATE.bootstrap,
            name,
            reasons=reasons,
            dry_run=dry_run,
            batch=batch,
            rate=rate,
            group=group,
            on_progress=None if tty and dry_run else progress,
        )
    )
    if dry_run:
        table = Table(title=f"would re-drive from {name} (dry run: nothing changed)", title_justify="left")
        for col in ("partition", "offset", "to topic", "key", "reason", "consumer", "failed_at", "valid now"):
            table.add_column(col)
        for letter in result.planned[:show]:
            table.add_row(
                str(letter.record.partition),
                str(letter.record.offset),
                letter.original_topic,
                (letter.record.key or b"").decode(errors="replace"),
                letter.reason,
                letter.consumer,
                letter.failed_at or "—",
                _valid_now(letter, decode),
            )
        _wide().print(table)
        if len(result.planned) > show:
            err.print(f"… and {len(result.planned) - show:,} more")
        err.print(
            f"would re-drive {len(result.planned):,}; already re-driven {result.already:,}; "
            f"left by --reason {result.filtered:,}"
        )
        return
    targets = ", ".join(f"{t} ×{n}" for t, n in result.to_topics.most_common()) or "—"
    err.print(
        f"re-drove {result.redriven:,} record(s) from {name} → {targets}; "
        f"already re-driven before: {result.already:,}; left by --reason: {result.filtered:,}"
    )
    _ = DeadLetter


def _valid_now(letter: Any, decode: Any) -> str:
    try:
        spec = catalog.resolve(letter.original_topic).spec
    except StreamsError:
        return "?"
    decoded = decode(spec, letter.record)
    return "yes" if decoded.valid else f"no: {decoded.reason}"


def main() -> None:
    app()


if __name__ == "__main__":
    main()
