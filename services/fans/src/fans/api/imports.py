"""``/v1/revenue/imports``: the creator's OnlyFans statement (Statements → Earnings, CSV)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, File, UploadFile
from pydantic import BaseModel

from huntaze_service import ApiError, CreatorId, RuntimeDep, UserId, not_found

from ..handlers.imports import start_import
from ..imports import MAX_LISTED_REJECTIONS, ImportRecord
from ..statement import MissingColumns, StatementFormatError

router = APIRouter(prefix="/v1/revenue/imports", tags=["revenue"])


class RejectedRow(BaseModel):
    line: int
    reason: str


class ImportOut(BaseModel):
    import_id: uuid.UUID
    status: Literal["running", "done", "failed"]
    filename: str | None
    timezone: str
    currency: str
    rows_total: int
    rows_processed: int
    imported: int
    duplicate: int
    rejected: int
    rejected_rows: list[RejectedRow]
    error: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, r: ImportRecord, rejected_rows: list[RejectedRow]) -> ImportOut:
        return cls(
            import_id=r.id,
            status=r.status,
            filename=r.filename,
            timezone=r.timezone,
            currency=r.currency,
            rows_total=r.rows_total,
            rows_processed=r.rows_processed,
            imported=r.imported,
            duplicate=r.duplicate,
            rejected=r.rejected,
            rejected_rows=rejected_rows,
            error=r.error,
            created_at=r.created_at,
            finished_at=r.finished_at,
        )


class ImportAccepted(BaseModel):
    import_id: uuid.UUID
    status: Literal["running"]
    rows_total: int
    rejected: int


@router.post(
    "",
    status_code=202,
    response_model=ImportAccepted,
    summary="Import a statement CSV (Date, Amount, Fee, Net, Description[, Status])",
    responses={
        413: {"description": "file too large"},
        415: {"description": "not a CSV statement"},
        422: {"description": "required columns missing (named)"},
    },
)
async def post_import(
    runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId, file: UploadFile = File(...)
) -> ImportAccepted:
    async with runtime.uow() as uow:
        try:
            record = await start_import(uow, creator_id, file=file.file, filename=file.filename, created_by=user_id)
        except MissingColumns as exc:
            raise ApiError(422, f"missing required columns: {', '.join(exc.missing)}", "missing_columns") from None
        except StatementFormatError as exc:
            raise ApiError(415, f"not a CSV statement: {exc}", "unsupported_file") from None
        await uow.commit()
    async with runtime.uow() as uow:
        current = await uow.repo.get_import(creator_id, record.id)
    assert current is not None
    return ImportAccepted(
        import_id=record.id, status="running", rows_total=current.rows_total, rejected=current.rejected
    )


@router.get(
    "/{import_id}",
    response_model=ImportOut,
    summary="Progress and result of an import, rejected rows by line",
    responses={404: {"description": "No such import for this creator."}},
)
async def get_import(import_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> ImportOut:
    async with runtime.uow() as uow:
        record = await uow.repo.get_import(creator_id, import_id)
        if record is None:
            raise not_found("import")
        rows = await uow.repo.rejections(import_id, MAX_LISTED_REJECTIONS)
    return ImportOut.of(record, [RejectedRow(**r) for r in rows])
