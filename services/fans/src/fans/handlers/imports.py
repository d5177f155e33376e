"""Statement imports: stage the uploaded file (parsed as it streams), then apply it a chunk at a
time from a durable timer (see :mod:`fans.imports`)."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Iterator
from typing import BinaryIO
from zoneinfo import ZoneInfo

from huntaze_events import fan_id_for

from ..erasure import staged_fan_id
from ..imports import IMPORT_CHUNK_ROWS, STAGE_BATCH_ROWS, ImportRecord, StagedRow
from ..ledger import NewTransaction
from ..profile import FanIdentity
from ..statement import RowRejected, StatementLine, open_statement, parse_line
from .publish import Uow
from .revenue import Incoming, record_transactions

IMPORT_TIMER = "import_chunk"
IMPORT_CHUNK_ATTEMPTS = 5
"""Attempts of one chunk; after them the import shows ``failed`` (and the rows applied so far stay,
counted in its figures) instead of ``running`` forever."""


def _parse_batch(lines: Iterator[StatementLine], tz: ZoneInfo) -> tuple[list[StagedRow], list[tuple[int, str]], int]:
    staged: list[StagedRow] = []
    rejected: list[tuple[int, str]] = []
    count = 0
    for line in itertools.islice(lines, STAGE_BATCH_ROWS):
        count += 1
        try:
            row = parse_line(line, tz)
        except RowRejected as exc:
            rejected.append((line.line_no, str(exc)))
            continue
        staged.append(
            StagedRow(
                line_no=row.line_no,
                type=row.type,
                fan_external_id=row.fan_external_id,
                fan_display_name=row.fan_display_name[:100],
                gross_cents=row.gross_cents,
                fee_cents=row.fee_cents,
                net_cents=row.net_cents,
                occurred_at=row.occurred_at,
            )
        )
    return staged, rejected, count


async def start_import(
    uow: Uow, creator_id: uuid.UUID, *, file: BinaryIO, filename: str | None, created_by: uuid.UUID | None
) -> ImportRecord:
    """Reads the header (StatementFormatError / MissingColumns before anything is stored), stages
    every row in bounded memory, and schedules the first chunk. One transaction: an upload is
    either wholly accepted or not at all."""
    settings = await uow.repo.creator_settings(creator_id)
    tz = ZoneInfo(settings.timezone)
    statement = await asyncio.to_thread(open_statement, file)
    record = ImportRecord(
        id=uuid.uuid4(),
        creator_id=creator_id,
        filename=(filename or "")[:200] or None,
        timezone=settings.timezone,
        currency=settings.currency,
        status="running",
        created_at=uow.now(),
    )
    await uow.repo.add_import(record, created_by)
    total = rejected = 0
    lines = iter(statement)
    while True:
        # parsing runs in a thread, a batch at a time: the event loop keeps serving other requests
        staged, rejections, count = await asyncio.to_thread(_parse_batch, lines, tz)
        if count == 0:
            break
        total += count
        rejected += len(rejections)
        await uow.repo.stage_rows(record.id, staged)
        await uow.repo.add_rejections(record.id, rejections)
    await uow.repo.finish_staging(record.id, total, rejected, uow.now())
    uow.schedule(
        IMPORT_TIMER, key=str(record.id), at=uow.now(), payload={"import_id": str(record.id)}, tenant=creator_id
    )
    return record


async def apply_chunk(uow: Uow, creator_id: uuid.UUID, import_id: uuid.UUID) -> None:
    """One chunk of staged rows through the same use case as the connector's batches."""
    record = await uow.repo.get_import(creator_id, import_id)
    if record is None or record.status != "running":
        return
    rows = await uow.repo.next_rows(import_id, IMPORT_CHUNK_ROWS)
    incoming = []
    for r in rows:
        # a row of an erased fan names them by the placeholder that carries their id (fans.erasure)
        fan_id = staged_fan_id(r.fan_external_id) or fan_id_for(creator_id, r.fan_external_id)
        incoming.append(
            Incoming(
                tx=NewTransaction(
                    id=uuid.uuid4(),
                    creator_id=creator_id,
                    fan_id=fan_id,
                    type=r.type,  # type: ignore[arg-type]
                    gross_cents=r.gross_cents,
                    fee_cents=r.fee_cents,
                    net_cents=r.net_cents,
                    currency=record.currency,
                    occurred_at=r.occurred_at,
                    source="statement",
                    import_id=import_id,
                    line_no=r.line_no,
                    match_n=r.match_n,
                ),
                fan=FanIdentity(fan_id, r.fan_external_id, r.fan_display_name),
            )
        )
    outcomes = await record_transactions(uow, creator_id, incoming) if incoming else []
    imported = sum(1 for status, _ in outcomes if status == "accepted")
    await uow.repo.drop_rows(import_id, [r.line_no for r in rows])
    done = len(rows) < IMPORT_CHUNK_ROWS
    await uow.repo.progress(
        import_id, processed=len(rows), imported=imported, duplicate=len(rows) - imported, done=done, now=uow.now()
    )
    if not done:
        uow.schedule(
            IMPORT_TIMER, key=str(import_id), at=uow.now(), payload={"import_id": str(import_id)}, tenant=creator_id
        )


async def give_up(uow: Uow, creator_id: uuid.UUID, import_id: uuid.UUID) -> None:
    await uow.repo.fail_import(
        import_id,
        f"a chunk failed {IMPORT_CHUNK_ATTEMPTS} times; rows applied so far are counted, the rest were not "
        "imported (operators: `python -m fans timers dead`, and the fans logs)",
        uow.now(),
    )
