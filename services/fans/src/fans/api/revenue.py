"""``/v1/revenue``: what the connector pushes (transactions, subscription reports) and the
creator's revenue settings. One bad item never loses the others: each gets its own result."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from pydantic_extra_types.currency_code import ISO4217

from huntaze_events import TransactionType, fan_id_for, utcnow
from huntaze_events.ids import normalise_handle
from huntaze_service import ApiError, CreatorId, NoNul, RuntimeDep

from ..crm import CreatorSettings, CurrencyLocked
from ..handlers.crm import update_settings
from ..handlers.revenue import Incoming, SubscriptionReport, record_transactions, report_subscriptions
from ..ledger import InvalidAmounts, NewTransaction, settle_amounts
from ..profile import FanIdentity
from ..subscription import Report

router = APIRouter(prefix="/v1/revenue", tags=["revenue"])

MAX_BATCH = 1000
MAX_CENTS = 10**11  # $1bn: anything above is a unit mistake
FUTURE_TOLERANCE = timedelta(hours=24)


class FanIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: Annotated[str, NoNul] = Field(
        min_length=1, max_length=128, description="The fan's OnlyFans username (as statements show it, without @)."
    )
    display_name: Annotated[str, NoNul] = Field(min_length=1, max_length=100)

    @field_validator("external_id")
    @classmethod
    def _canonical(cls, value: str) -> str:
        handle = normalise_handle(value)
        if not handle:
            raise ValueError("an OnlyFans username is needed")
        return handle


class RefIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["message", "post", "stream", "tracking_link"]
    id: Annotated[str, NoNul] = Field(min_length=1, max_length=128)


class TransactionIn(BaseModel):
    """One sale, refund or chargeback as the connector saw it. Amounts in cents of ``currency``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: Annotated[str, NoNul] = Field(
        min_length=1, max_length=128, description="OnlyFans' id of the transaction."
    )
    fan: FanIn
    type: TransactionType
    gross_cents: StrictInt = Field(ge=-MAX_CENTS, le=MAX_CENTS)
    fee_cents: StrictInt | None = Field(
        default=None, ge=-MAX_CENTS, le=MAX_CENTS, description="Default: 20 % of gross."
    )
    net_cents: StrictInt | None = Field(default=None, ge=-MAX_CENTS, le=MAX_CENTS, description="Default: gross − fee.")
    currency: ISO4217
    occurred_at: AwareDatetime
    ref: RefIn | None = None


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Any] = Field(min_length=1, max_length=MAX_BATCH, description=f"Up to {MAX_BATCH} items.")


class ItemResult(BaseModel):
    index: int
    external_id: str | None = None
    status: Literal["accepted", "duplicate", "rejected"]
    transaction_id: uuid.UUID | None = None
    reason: str | None = None


class BatchOut(BaseModel):
    accepted: int
    duplicate: int
    rejected: int
    results: list[ItemResult]

    @classmethod
    def of(cls, results: list[ItemResult]) -> BatchOut:
        count = {s: sum(1 for r in results if r.status == s) for s in ("accepted", "duplicate", "rejected")}
        return cls(**count, results=results)


def _reason(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "item"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)[:500]


_TRANSACTION = TypeAdapter(TransactionIn)


@router.post("/transactions", response_model=BatchOut, summary="Record transactions from the connector (≤ 1,000)")
async def post_transactions(body: BatchIn, runtime: RuntimeDep, creator_id: CreatorId) -> BatchOut:
    results: list[ItemResult | None] = [None] * len(body.items)
    incoming: list[Incoming] = []
    positions: list[int] = []
    now = utcnow()
    async with runtime.uow() as uow:
        settings = await uow.repo.creator_settings(creator_id)
        for index, raw in enumerate(body.items):
            external = raw.get("external_id") if isinstance(raw, dict) else None
            external = external[:128] if isinstance(external, str) else None
            try:
                item = _TRANSACTION.validate_python(raw)
                if item.currency != settings.currency:
                    raise InvalidAmounts(f"currency {item.currency} is not the account's currency {settings.currency}")
                if item.occurred_at > now + FUTURE_TOLERANCE:
                    raise InvalidAmounts("occurred_at is in the future")
                gross, fee, net = settle_amounts(item.type, item.gross_cents, item.fee_cents, item.net_cents)
            except ValidationError as exc:
                results[index] = ItemResult(index=index, external_id=external, status="rejected", reason=_reason(exc))
                continue
            except InvalidAmounts as exc:
                results[index] = ItemResult(index=index, external_id=external, status="rejected", reason=str(exc))
                continue
            fan_id = fan_id_for(creator_id, item.fan.external_id)
            incoming.append(
                Incoming(
                    tx=NewTransaction(
                        id=uuid.uuid4(),
                        creator_id=creator_id,
                        fan_id=fan_id,
                        type=item.type,
                        gross_cents=gross,
                        fee_cents=fee,
                        net_cents=net,
                        currency=item.currency,
                        occurred_at=item.occurred_at,
                        source="connector",
                        external_id=item.external_id,
                        ref_kind=item.ref.kind if item.ref else None,
                        ref_id=item.ref.id if item.ref else None,
                    ),
                    fan=FanIdentity(fan_id, item.fan.external_id, item.fan.display_name),
                )
            )
            positions.append(index)
        outcomes = await record_transactions(uow, creator_id, incoming)
        await uow.commit()
    for index, inc, (status, tx_id) in zip(positions, incoming, outcomes, strict=True):
        results[index] = ItemResult(index=index, external_id=inc.tx.external_id, status=status, transaction_id=tx_id)
    return BatchOut.of([r for r in results if r is not None])


class ViaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tracking_link: Annotated[str, NoNul] | None = Field(default=None, max_length=128)
    trial: Annotated[str, NoNul] | None = Field(default=None, max_length=128)


class SubscriptionIn(BaseModel):
    """The connector's view of one fan's subscription."""

    model_config = ConfigDict(extra="forbid")

    fan: FanIn
    status: Literal["active", "expired"]
    started_at: AwareDatetime
    expires_at: AwareDatetime
    auto_renew: StrictBool
    price_cents: StrictInt | None = Field(default=None, ge=0, le=MAX_CENTS)
    currency: ISO4217
    via: ViaIn | None = None


_SUBSCRIPTION = TypeAdapter(SubscriptionIn)


@router.post("/subscriptions", response_model=BatchOut, summary="Report subscription states (≤ 1,000)")
async def post_subscriptions(body: BatchIn, runtime: RuntimeDep, creator_id: CreatorId) -> BatchOut:
    results: list[ItemResult | None] = [None] * len(body.items)
    reports: list[SubscriptionReport] = []
    positions: list[int] = []
    async with runtime.uow() as uow:
        settings = await uow.repo.creator_settings(creator_id)
        for index, raw in enumerate(body.items):
            fan_raw = raw.get("fan") if isinstance(raw, dict) else None
            external = fan_raw.get("external_id") if isinstance(fan_raw, dict) else None
            external = external[:128] if isinstance(external, str) else None
            try:
                item = _SUBSCRIPTION.validate_python(raw)
                if item.expires_at < item.started_at:
                    raise InvalidAmounts("expires_at is before started_at")
                if item.currency != settings.currency:
                    raise InvalidAmounts(f"currency {item.currency} is not the account's currency {settings.currency}")
            except ValidationError as exc:
                results[index] = ItemResult(index=index, external_id=external, status="rejected", reason=_reason(exc))
                continue
            except InvalidAmounts as exc:
                results[index] = ItemResult(index=index, external_id=external, status="rejected", reason=str(exc))
                continue
            fan_id = fan_id_for(creator_id, item.fan.external_id)
            via = item.via.model_dump(exclude_none=True) if item.via else None
            reports.append(
                SubscriptionReport(
                    fan=FanIdentity(fan_id, item.fan.external_id, item.fan.display_name),
                    report=Report(
                        status=item.status,
                        started_at=item.started_at,
                        expires_at=item.expires_at,
                        auto_renew=item.auto_renew,
                        price_cents=item.price_cents,
                        currency=item.currency,
                        via=via or None,
                    ),
                )
            )
            positions.append(index)
        outcomes = await report_subscriptions(uow, creator_id, reports)
        await uow.commit()
    for index, rep, status in zip(positions, reports, outcomes, strict=True):
        results[index] = ItemResult(index=index, external_id=rep.fan.external_id, status=status)
    return BatchOut.of([r for r in results if r is not None])


class SettingsOut(BaseModel):
    currency: str
    timezone: str
    whale_threshold_cents: int

    @classmethod
    def of(cls, s: CreatorSettings) -> SettingsOut:
        return cls(currency=s.currency, timezone=s.timezone, whale_threshold_cents=s.whale_threshold_cents)


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: ISO4217 | None = None
    timezone: Annotated[
        str | None, Field(max_length=64, description="IANA zone of the statements, e.g. Europe/Paris.")
    ] = None
    whale_threshold_cents: StrictInt | None = Field(default=None, gt=0, le=MAX_CENTS)


@router.get(
    "/settings", response_model=SettingsOut, summary="The account's currency, statement time zone and whale threshold"
)
async def get_settings(runtime: RuntimeDep, creator_id: CreatorId) -> SettingsOut:
    async with runtime.uow() as uow:
        return SettingsOut.of(await uow.repo.creator_settings(creator_id))


@router.put(
    "/settings",
    response_model=SettingsOut,
    summary="Change them (a new whale threshold moves fans at once)",
    responses={409: {"description": "The currency cannot change once the account has transactions."}},
)
async def put_settings(body: SettingsIn, runtime: RuntimeDep, creator_id: CreatorId) -> SettingsOut:
    if body.timezone is not None:
        try:
            ZoneInfo(body.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ApiError(422, f"unknown time zone {body.timezone!r}") from None
    async with runtime.uow() as uow:
        try:
            updated = await update_settings(
                uow,
                creator_id,
                currency=body.currency,
                timezone=body.timezone,
                whale_threshold_cents=body.whale_threshold_cents,
            )
        except CurrencyLocked as exc:
            raise ApiError(409, f"the account already has transactions in {exc.args[0]}", "conflict") from None
        await uow.commit()
    return SettingsOut.of(updated)
