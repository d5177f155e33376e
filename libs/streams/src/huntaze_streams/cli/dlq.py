"""`dlq list` and `dlq redrive`: the dead-letter topics, and putting their records back."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from .. import catalog
from ..errors import StreamsError
from .base import STATE, _guard, _run, _wide, dlq_app, err


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
    from ..dlq import summarize

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
    from ..dlq import DeadLetter, RedriveResult, redrive
    from ..reader import decode

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
        + (f"; batches tried again after a retriable Kafka error: {result.retried}" if result.retried else "")
    )
    _ = DeadLetter


def _valid_now(letter: Any, decode: Any) -> str:
    try:
        spec = catalog.resolve(letter.original_topic).spec
    except StreamsError:
        return "?"
    decoded = decode(spec, letter.record)
    return "yes" if decoded.valid else f"no: {decoded.reason}"
