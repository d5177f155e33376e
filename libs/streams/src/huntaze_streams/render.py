"""How records are shown: JSON lines (for jq and files) or a readable line per event (rich)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiokafka import ConsumerRecord
from rich.console import Console
from rich.markup import escape

from .export import Flattener
from .reader import Decoded


def kafka_time(record: ConsumerRecord[Any, Any]) -> str:
    return (
        datetime.fromtimestamp(record.timestamp / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def coordinates(record: ConsumerRecord[Any, Any]) -> dict[str, Any]:
    return {
        "_topic": record.topic,
        "_partition": record.partition,
        "_offset": record.offset,
        "_timestamp": kafka_time(record),
    }


def json_object(decoded: Decoded) -> dict[str, Any]:
    """The full envelope as it is on the wire (fields a newer producer added included), plus the
    Kafka coordinates. An invalid record: ``_invalid`` (the reason) and ``_raw`` (its text)."""
    record = decoded.record
    if decoded.valid:
        return json.loads(record.value) | coordinates(record)
    raw = record.value.decode(errors="replace") if record.value is not None else None
    return {"_invalid": decoded.reason, "_raw": raw, "_key": _key(record)} | coordinates(record)


def json_line(decoded: Decoded) -> str:
    return json.dumps(json_object(decoded), ensure_ascii=False, separators=(",", ":"))


def _key(record: ConsumerRecord[Any, Any]) -> str | None:
    return record.key.decode(errors="replace") if record.key is not None else None


def _short(value: Any, width: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    if isinstance(value, datetime):
        text = value.isoformat().replace("+00:00", "Z")
    text = text.replace("\n", "⏎")
    return text if len(text) <= width else text[: width - 1] + "…"


class Pretty:
    """One or two lines per event on a rich console: when, where, who, and the payload's fields."""

    def __init__(self, console: Console, flattener: Flattener) -> None:
        self.console = console
        self.flattener = flattener

    def show(self, decoded: Decoded) -> None:
        record = decoded.record
        where = f"[dim]{kafka_time(record)}  p{record.partition}@{record.offset}[/dim]"
        if not decoded.valid:
            self.console.print(
                f"{where}  [bold red]INVALID[/bold red] [red]{escape(decoded.reason or '')}[/red]  "
                f"key={escape(_key(record) or '∅')}  [dim]{escape(_short(_raw(record), 120))}[/dim]",
                highlight=False,
                soft_wrap=True,
            )
            return
        envelope = decoded.envelope
        fields = "  ".join(
            f"[cyan]{escape(name)}[/cyan]={escape(_short(value))}"
            for name, value in self.flattener.payload(envelope).items()
            if value is not None
        )
        self.console.print(
            f"{where}  [bold]{envelope.type}.v{envelope.version}[/bold] [dim]creator[/dim]={str(envelope.creator_id)[:8]}… "
            f"[dim]event[/dim]={str(envelope.event_id)[:8]}…\n    {fields}",
            highlight=False,
            soft_wrap=True,
        )


def _raw(record: ConsumerRecord[Any, Any]) -> str:
    return record.value.decode(errors="replace") if record.value is not None else "∅"
