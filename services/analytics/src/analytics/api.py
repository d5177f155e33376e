"""HTTP API of the analytics service (reached through the gateway: its internal token names the creator).

Every report is the caller's (the creator named by the internal token), in one currency and one IANA time zone
(``tz``, default UTC). Bad parameters answer 422 with a message (unknown zone, ``from`` not
before ``to``, more than 2,000 buckets, a date that is not ISO 8601). Definitions: the docstrings
of :mod:`.domain` (source lines, ARPPU), :mod:`.timegrid` (buckets), :mod:`.reports` (periods,
sales hours) and :mod:`.retention` (cohorts, churn).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from huntaze_service import ApiError, CreatorId, RuntimeDep

from . import handlers, schemas
from .schemas import RetentionOut, RevenueOut, SalesHoursOut, SummaryOut
from .timegrid import BadQuery, Granularity

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])

Currency = Annotated[
    str, Query(pattern=r"^[A-Za-z]{3}$", description="ISO 4217 code; amounts of other currencies are left out.")
]
Tz = Annotated[str, Query(min_length=1, max_length=64, description="IANA time zone, e.g. Europe/Paris.")]
_BOUND = "ISO 8601 date or datetime (without an offset: local time in `tz`)"
From = Annotated[str | None, Query(alias="from", max_length=64, description=f"{_BOUND}, inclusive.")]
To = Annotated[str | None, Query(alias="to", max_length=64, description=f"{_BOUND}, exclusive.")]


@contextmanager
def answerable() -> Iterator[None]:
    try:
        yield
    except BadQuery as exc:
        raise ApiError(422, str(exc)) from None


def _json(body: schemas.Body) -> Response:
    """The body serialized once, as it is (see :mod:`.schemas`: the models document it)."""
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")


@router.get("/revenue", response_model=RevenueOut)
async def revenue(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    start: From = None,
    end: To = None,
    granularity: Granularity = "day",
    tz: Tz = "UTC",
    currency: Currency = "USD",
) -> Response:
    """Gross and net by bucket and source line over [from, to) (default: the last 24 hours, 30 days,
    12 weeks or 12 months up to the end of the current one), empty buckets included, with totals."""
    with answerable():
        async with runtime.uow() as uow:
            report = await handlers.revenue(
                uow, creator_id, currency=currency.upper(), tz=tz, granularity=granularity, start=start, end=end
            )
    return _json(schemas.revenue_body(report))


@router.get("/summary", response_model=SummaryOut)
async def summary(runtime: RuntimeDep, creator_id: CreatorId, tz: Tz = "UTC", currency: Currency = "USD") -> Response:
    """Today, the last 7 and 30 days (each with the period before), and the top fans, as of now."""
    with answerable():
        async with runtime.uow() as uow:
            report = await handlers.summary(uow, creator_id, currency=currency.upper(), tz=tz)
    return _json(schemas.summary_body(report))


@router.get("/sales-hours", response_model=SalesHoursOut)
async def sales_hours(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    tz: Tz = "UTC",
    currency: Currency = "USD",
    days: Annotated[int, Query(ge=1, le=366, description="How many days back from now.")] = 90,
) -> Response:
    """Sales by local weekday × hour over the last ``days``: when this creator's fans buy."""
    with answerable():
        async with runtime.uow() as uow:
            report = await handlers.sales_hours(uow, creator_id, currency=currency.upper(), tz=tz, days=days)
    return _json(schemas.sales_hours_body(report))


@router.get("/retention", response_model=RetentionOut)
async def retention(runtime: RuntimeDep, creator_id: CreatorId, tz: Tz = "UTC") -> Response:
    """Subscriber cohorts by month of first subscription, and monthly churn."""
    with answerable():
        async with runtime.uow() as uow:
            report = await handlers.subscriber_retention(uow, creator_id, tz=tz)
    return _json(schemas.retention_body(report))
