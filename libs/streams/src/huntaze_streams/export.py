"""Flattening events into typed columns, and writing them to Parquet or CSV in row groups.

The columns of an event come from its payload model's JSON schema (what ``libs/events`` declares),
not from the records: an export of an empty range still has every column with its type.

    envelope    event_id, type, version, occurred_at, producer, creator_id, correlation_id, causation_id
    payload     payload.<field>, nested objects flattened (payload.fan.display_name)
    Kafka       _topic, _partition, _offset, _timestamp

Types: date-times (and the Kafka timestamp) → timestamp[us, UTC]; dates → date32; integers → int64; numbers → float64;
booleans → bool; UUIDs, enums/literals and strings → string; lists, free-form objects and unions of
several kinds → their JSON text (string). A column is nullable when the field is optional or sits
under an optional object.

Memory is bounded by the row group: rows are buffered as Python values per column and written as
one Arrow record batch every ``row_group`` rows; nothing else is kept.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pydantic_core
from aiokafka import ConsumerRecord

from huntaze_events import EventSpec

from .errors import StreamsError

ROW_GROUP = 50_000
FORMATS = ("parquet", "csv")

_KINDS: dict[str, pa.DataType] = {
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "string": pa.string(),
    "uuid": pa.string(),
    "enum": pa.string(),
    "json": pa.string(),
}


@dataclass(frozen=True)
class Column:
    name: str
    path: tuple[str, ...]  # attribute path from the envelope
    kind: str
    nullable: bool

    @property
    def arrow_type(self) -> pa.DataType:
        return _KINDS[self.kind]

    def field(self) -> pa.Field:
        return pa.field(self.name, self.arrow_type, nullable=self.nullable)


ENVELOPE_COLUMNS = [
    Column("event_id", ("event_id",), "uuid", False),
    Column("type", ("type",), "string", False),
    Column("version", ("version",), "int", False),
    Column("occurred_at", ("occurred_at",), "timestamp", False),
    Column("producer", ("producer",), "string", False),
    Column("creator_id", ("creator_id",), "uuid", False),
    Column("correlation_id", ("correlation_id",), "uuid", False),
    Column("causation_id", ("causation_id",), "uuid", True),
]
KAFKA_FIELDS = [
    pa.field("_topic", pa.string(), nullable=False),
    pa.field("_partition", pa.int32(), nullable=False),
    pa.field("_offset", pa.int64(), nullable=False),
    pa.field("_timestamp", pa.timestamp("us", tz="UTC"), nullable=False),
]


# ----------------------------------------------------------------------------------------------
# schema → columns
# ----------------------------------------------------------------------------------------------


def _deref(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _leaf_kind(node: dict[str, Any]) -> str:
    if "enum" in node or "const" in node:
        return "enum"
    kind = node.get("type")
    fmt = node.get("format")
    if kind == "string":
        return {"date-time": "timestamp", "date": "date", "uuid": "uuid"}.get(fmt or "", "string")
    if kind == "integer":
        return "int"
    if kind == "number":
        return "float"
    if kind == "boolean":
        return "bool"
    return "json"  # arrays, free-form objects, anything else


def _walk(node: dict[str, Any], defs: dict[str, Any], prefix: tuple[str, ...], nullable: bool) -> list[Column]:
    node = _deref(node, defs)
    options = node.get("anyOf") or node.get("oneOf")
    if options:
        non_null = [_deref(o, defs) for o in options if o.get("type") != "null"]
        nullable = nullable or len(non_null) < len(options)
        if len(non_null) == 1:
            return _walk(non_null[0], defs, prefix, nullable)
        kinds = {_leaf_kind(o) for o in non_null if "properties" not in o}
        if len(kinds) == 1 and not any("properties" in o for o in non_null):
            return [Column(".".join(prefix), prefix, kinds.pop(), nullable)]
        return [Column(".".join(prefix), prefix, "json", nullable)]
    if node.get("type") == "object" and "properties" in node:
        required = set(node.get("required", ()))
        columns: list[Column] = []
        for name, child in node["properties"].items():
            optional = name not in required and "default" in child and child["default"] is None
            columns += _walk(child, defs, (*prefix, name), nullable or optional or name not in required)
        return columns
    return [Column(".".join(prefix), prefix, _leaf_kind(node), nullable)]


def payload_columns(spec: EventSpec) -> list[Column]:
    """The payload's leaf fields, flattened, with their kinds (from the model's JSON schema)."""
    key = "columns"
    if key not in spec._cache:
        schema = spec.model.model_json_schema()
        defs = schema.get("$defs", {})
        columns = _walk(schema, defs, ("payload",), False)
        # a field with a non-None default is not "required" in JSON schema but is never null
        spec._cache[key] = [_tighten(spec, c) for c in columns]
    return list(spec._cache[key])


def _tighten(spec: EventSpec, column: Column) -> Column:
    """A top-level field with a non-None default is never null on a validated payload."""
    if len(column.path) == 2:
        info = spec.model.model_fields.get(column.path[1])
        if info is not None and not info.is_required() and info.default is not None:
            return Column(column.name, column.path, column.kind, False)
    return column


def columns_for(spec: EventSpec) -> list[Column]:
    return ENVELOPE_COLUMNS + payload_columns(spec)


def arrow_schema(spec: EventSpec) -> pa.Schema:
    return pa.schema([c.field() for c in columns_for(spec)] + KAFKA_FIELDS)


# ----------------------------------------------------------------------------------------------
# values
# ----------------------------------------------------------------------------------------------


def _convert(kind: str) -> Callable[[Any], Any]:
    if kind in ("uuid", "string"):
        return lambda v: v if v is None or isinstance(v, str) else str(v)
    if kind == "enum":
        return lambda v: v.value if isinstance(v, enum.Enum) else (v if v is None or isinstance(v, str) else str(v))
    if kind == "json":
        return lambda v: None if v is None else pydantic_core.to_json(v).decode()
    return lambda v: v


def _getter(path: tuple[str, ...]) -> Callable[[Any], Any]:
    if len(path) == 1:
        name = path[0]
        return lambda obj: getattr(obj, name)

    def get(obj: Any) -> Any:
        for name in path:
            if obj is None:
                return None
            obj = getattr(obj, name)
        return obj

    return get


class Flattener:
    """Envelope → one row of column values (Python values, typed for Arrow)."""

    def __init__(self, spec: EventSpec) -> None:
        self.columns = columns_for(spec)
        self._steps = [(_getter(c.path), _convert(c.kind)) for c in self.columns]

    def values(self, envelope: Any) -> list[Any]:
        return [convert(get(envelope)) for get, convert in self._steps]

    def payload(self, envelope: Any) -> dict[str, Any]:
        """``name → value`` of the payload columns (without the ``payload.`` prefix), for display."""
        return {
            c.name.removeprefix("payload."): convert(get(envelope))
            for c, (get, convert) in zip(self.columns, self._steps, strict=True)
            if c.path[0] == "payload"
        }


# ----------------------------------------------------------------------------------------------
# writers
# ----------------------------------------------------------------------------------------------


class TableWriter:
    """Rows in, Parquet or CSV out, one record batch (a Parquet row group) every ``row_group`` rows."""

    def __init__(self, spec: EventSpec, path: Path, fmt: str, row_group: int = ROW_GROUP) -> None:
        if fmt not in FORMATS:
            raise StreamsError(f"unknown format {fmt!r}: parquet or csv")
        self.flattener = Flattener(spec)
        self.schema = arrow_schema(spec)
        self.path = path
        self.format = fmt
        self.row_group = row_group
        self.rows = 0
        self._buffer: list[list[Any]] = [[] for _ in self.schema]
        self._writer: Any = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if fmt == "parquet":
                import pyarrow.parquet as pq

                self._writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
            else:
                import pyarrow.csv as pcsv

                self._writer = pcsv.CSVWriter(str(path), self.schema)
        except OSError as exc:
            raise StreamsError(f"cannot write {path}: {exc.strerror or exc}") from None

    def add(self, envelope: Any, record: ConsumerRecord[Any, Any]) -> None:
        row = self.flattener.values(envelope)
        row += [record.topic, record.partition, record.offset, record.timestamp * 1000]  # ms → µs
        for column, value in zip(self._buffer, row, strict=True):
            column.append(value)
        self.rows += 1
        if len(self._buffer[0]) >= self.row_group:
            self.flush()

    def flush(self) -> None:
        if not self._buffer[0]:
            return
        arrays = [pa.array(values, type=f.type) for values, f in zip(self._buffer, self.schema, strict=True)]
        self._writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self.schema))
        self._buffer = [[] for _ in self.schema]

    def close(self) -> None:
        self.flush()
        self._writer.close()


__all__ = [
    "ENVELOPE_COLUMNS",
    "FORMATS",
    "KAFKA_FIELDS",
    "Column",
    "Flattener",
    "TableWriter",
    "arrow_schema",
    "columns_for",
    "payload_columns",
]
