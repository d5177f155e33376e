"""``GET /v1/ai/anomalies``: the alerts raised on the creator's own series (newest first), each with what
was observed, the expected range and the evidence the model used — the same facts ``anomaly.detected``
carries to notifications and webhooks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field

from huntaze_service import CreatorId, RuntimeDep

router = APIRouter(prefix="/v1/ai", tags=["ai"])


class AnomalyOut(BaseModel):
    anomaly_id: str
    kind: Literal["revenue_drop", "revenue_spike", "link_conversion_drop"]
    subject: str = Field(description="The currency (revenue kinds) or the tracking link's id.")
    window_start: datetime
    window_end: datetime = Field(description="Exclusive; a continuing episode extends it.")
    unit: Literal["cents", "conversions"]
    observed: int
    expected: int
    low: int
    high: int
    score: float = Field(description="−log10 of the probability of something at least as extreme.")
    evidence: dict[str, Any]
    detected_at: datetime


class AnomaliesOut(BaseModel):
    items: list[AnomalyOut]


@router.get("/anomalies", response_model=AnomaliesOut)
async def anomalies(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    since: Annotated[AwareDatetime | None, Query(description="Default: 30 days ago.")] = None,
    kind: Annotated[Literal["revenue_drop", "revenue_spike", "link_conversion_drop"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AnomaliesOut:
    async with runtime.uow() as uow:
        rows = await uow.repo.anomalies(creator_id, since or uow.now() - timedelta(days=30), kind, limit)
    return AnomaliesOut(
        items=[
            AnomalyOut(
                **{**r, "anomaly_id": str(r["anomaly_id"])},
                unit="conversions" if r["kind"] == "link_conversion_drop" else "cents",
            )
            for r in rows
        ]  # fmt: skip
    )
