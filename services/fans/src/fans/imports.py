"""Statement imports: the record the creator follows, and the rows staged from the uploaded file.

The upload is parsed as it streams in (bounded memory): valid rows are staged in the database,
rejected ones recorded with their line and reason, in one transaction with the import record and
its first ``import_chunk`` timer. The timer applies the staged rows a chunk at a time, oldest sale
first, each chunk in its own transaction with its progress, then schedules itself again until none
are left: a crash resumes at the last committed chunk and never applies a row twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ImportStatus = Literal["running", "done", "failed"]
IMPORT_CHUNK_ROWS = 2000
STAGE_BATCH_ROWS = 5000
MAX_LISTED_REJECTIONS = 1000


@dataclass(frozen=True)
class ImportRecord:
    id: uuid.UUID
    creator_id: uuid.UUID
    filename: str | None
    timezone: str
    currency: str
    status: ImportStatus
    created_at: datetime
    rows_total: int = 0
    rows_processed: int = 0
    imported: int = 0
    duplicate: int = 0
    rejected: int = 0
    error: str | None = None
    updated_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class StagedRow:
    line_no: int
    type: str
    fan_external_id: str
    fan_display_name: str
    gross_cents: int
    fee_cents: int
    net_cents: int
    occurred_at: datetime
    match_n: int | None = None
