"""Every registered event flattens into typed Arrow columns; its golden sample round-trips through
Parquet and CSV with those types."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from pydantic import AwareDatetime

from huntaze_events import REGISTRY, EventPayload, EventSpec, make_envelope
from huntaze_events.samples import samples
from huntaze_streams.export import ENVELOPE_COLUMNS, Flattener, TableWriter, arrow_schema, payload_columns
from huntaze_testkit import consumer_record

TS = pa.timestamp("us", tz="UTC")


def _sample(spec: EventSpec) -> Any:
    for envelope in samples().values():
        if (envelope.type, envelope.version) == (spec.type, spec.version):
            return envelope
    raise AssertionError(f"no golden sample for {spec.name}")


def _python_kind(annotation: Any) -> set[pa.DataType]:
    """What the model says a leaf is, independently of the JSON-schema walk."""
    text = repr(annotation)
    if text.startswith(("list[", "dict[")):  # a list or a mapping: one JSON text column
        return {pa.string()}
    if "datetime.date'" in text:  # a calendar day (``date``), not a moment
        return {pa.date32()}
    if "datetime" in text:
        return {TS}
    if "UUID" in text or "str" in text or "Literal" in text:
        return {pa.string()}
    if "bool" in text:
        return {pa.bool_()}
    if "int" in text:
        return {pa.int64()}
    return {pa.string(), pa.int64(), pa.float64(), pa.bool_(), TS}


@pytest.mark.parametrize("spec", list(REGISTRY), ids=lambda s: s.name)
def test_every_event_has_typed_flat_columns(spec: EventSpec) -> None:
    schema = arrow_schema(spec)
    names = schema.names
    assert names[: len(ENVELOPE_COLUMNS)] == [c.name for c in ENVELOPE_COLUMNS]
    assert names[-4:] == ["_topic", "_partition", "_offset", "_timestamp"]
    assert len(set(names)) == len(names)
    assert schema.field("occurred_at").type == TS and schema.field("version").type == pa.int64()
    assert schema.field("event_id").type == pa.string() and schema.field("_timestamp").type == TS
    for column in payload_columns(spec):
        assert column.name.startswith("payload.")
        top = spec.model.model_fields[column.path[1]]
        if len(column.path) == 2:
            assert schema.field(column.name).type in _python_kind(top.annotation), column
        # a nested model's fields are flattened, never left as a struct
        assert not pa.types.is_struct(schema.field(column.name).type)


PLATFORM = [s for s in REGISTRY if s.model.__module__.startswith("huntaze_events.")]  # those with a golden sample


@pytest.mark.parametrize("spec", PLATFORM, ids=lambda s: s.name)
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_golden_samples_round_trip_with_their_types(spec: EventSpec, fmt: str, tmp_path: Path) -> None:
    envelope = _sample(spec)
    record = consumer_record(spec.topic, envelope.to_json(), offset=41)
    path = tmp_path / f"out.{fmt}"
    writer = TableWriter(spec, path, fmt, row_group=1000)
    for _ in range(3):
        writer.add(envelope, record)
    writer.close()
    if fmt == "parquet":
        table = pq.read_table(path)
        assert table.schema == arrow_schema(spec)
    else:
        table = pcsv.read_csv(
            path,
            convert_options=pcsv.ConvertOptions(
                column_types=arrow_schema(spec), strings_can_be_null=True, quoted_strings_can_be_null=False
            ),
        )
    assert table.num_rows == 3
    row = table.slice(0, 1).to_pylist()[0]
    assert row["event_id"] == str(envelope.event_id)
    assert row["occurred_at"] == envelope.occurred_at
    assert row["_offset"] == 41 and row["_topic"] == spec.topic
    flat = Flattener(spec).payload(envelope)
    for name, value in flat.items():
        got = row[f"payload.{name}"]
        if isinstance(value, datetime):
            assert got == value
        else:
            assert got == value, name


class _Deep(EventPayload):
    class Inner(EventPayload):
        at: AwareDatetime
        count: int
        tags: list[str]

    id: uuid.UUID
    kind: Literal["a", "b"]
    ratio: float
    inner: Inner | None = None
    labels: dict[str, str] = {}
    either: int | str = 0


def test_nested_optional_lists_maps_and_unions() -> None:
    spec = EventSpec(type="probe.deep", version=1, model=_Deep, producer="t", key="id", summary="")
    schema = arrow_schema(spec)
    assert schema.field("payload.id").type == pa.string()
    assert schema.field("payload.kind").type == pa.string()
    assert schema.field("payload.ratio").type == pa.float64()
    assert schema.field("payload.inner.at").type == TS and schema.field("payload.inner.at").nullable
    assert schema.field("payload.inner.count").type == pa.int64()
    assert schema.field("payload.inner.tags").type == pa.string()  # a list: its JSON
    assert schema.field("payload.labels").type == pa.string()  # a free-form object: its JSON
    assert schema.field("payload.either").type == pa.string()  # a union of kinds: its JSON
    assert not schema.field("payload.id").nullable


def test_flattened_values_are_arrow_ready() -> None:
    spec = EventSpec(type="probe.deep", version=1, model=_Deep, producer="t", key="id", summary="")
    from datetime import UTC

    payload = _Deep(
        id=uuid.uuid4(),
        kind="a",
        ratio=0.5,
        inner=_Deep.Inner(at=datetime(2026, 1, 1, tzinfo=UTC), count=3, tags=["x"]),
        labels={"k": "v"},
        either="s",
    )
    REGISTRY.register(spec)
    try:
        envelope = make_envelope(payload, producer="t", creator_id=uuid.uuid4())
    finally:
        REGISTRY.unregister(spec)
    flat = Flattener(spec).payload(envelope)
    assert flat["inner.tags"] == '["x"]' and flat["labels"] == '{"k":"v"}' and flat["either"] == '"s"'
    assert flat["id"] == str(payload.id) and flat["inner.count"] == 3
