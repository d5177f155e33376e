"""`huntaze-streams topics`: the catalog with the broker's partitions, end offsets and counts."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from .base import STATE, _run, _wide, app, err


@app.command()
def topics(
    consumers: bool = typer.Option(
        True, "--consumers/--no-consumers", help="Find each topic's consumers (imports every service: ~1-3 s)"
    ),
    dlq: bool = typer.Option(True, "--dlq/--no-dlq", help="Include the dead-letter topics"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per topic, one per line"),
) -> None:
    """The catalog: event, version, topic, key, producer, consumers, partitions, end offsets, records."""
    from ..topics import inventory

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
