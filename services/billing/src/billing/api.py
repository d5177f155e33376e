"""HTTP API of the billing service (reached through the gateway, whose internal token names the
caller). The organisation is the verified caller's (``OrgId``); the gateway lets only owners reach
checkout, portal and subscription (permission ``billing.manage``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from huntaze_events.billing import PLAN_CODE, Features, Limits
from huntaze_service import OrgId, RuntimeDep

from . import checkout as use
from .accounts import public_status
from .plans import FREE, Catalogue, Plan
from .stripe_api import StripePort

router = APIRouter(prefix="/v1/billing", tags=["billing"])
STRIPE = "stripe"
REFUSED = {"description": "The request cannot be applied; `code` names why."}
STRIPE_DOWN = {"description": "Stripe refused the request (502) or is not answering (503): try again."}


def stripe_port(runtime: RuntimeDep) -> StripePort:
    return runtime.state[STRIPE]  # type: ignore[no-any-return]


StripeDep = Annotated[StripePort, Depends(stripe_port)]


class PlanOut(BaseModel):
    code: str
    name: str
    rank: int
    limits: Limits
    features: Features
    amount_monthly_cents: int = Field(description="Integer minor units of `currency`.")
    amount_yearly_cents: int
    currency: str
    intervals: list[Literal["month", "year"]] = Field(description="How it can be bought (none: the free plan).")
    metered_ai_drafts: bool = Field(description="AI drafts are also reported to Stripe as metered usage.")

    @classmethod
    def of(cls, p: Plan) -> PlanOut:
        intervals: list[Any] = [i for i in ("month", "year") if p.price(i)]  # type: ignore[arg-type]
        return cls(code=p.code, name=p.name, rank=p.rank, limits=p.limits, features=p.features,
                   amount_monthly_cents=p.amount_monthly_cents, amount_yearly_cents=p.amount_yearly_cents,
                   currency=p.currency, intervals=intervals, metered_ai_drafts=p.stripe_meter_event is not None)  # fmt: skip


class PlansOut(BaseModel):
    items: list[PlanOut]


class CheckoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: str = Field(pattern=PLAN_CODE)
    interval: Literal["month", "year"] = "month"


class CheckoutOut(BaseModel):
    url: str = Field(description="Stripe Checkout: send the owner there.")
    session_id: str


class PortalOut(BaseModel):
    url: str = Field(description="Stripe's Customer Portal for this organisation.")


class Use(BaseModel):
    used: int
    limit: int | None = Field(description="None: unlimited.")


class SubscriptionOut(BaseModel):
    plan: str
    plan_name: str
    status: str
    interval: str | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    grace_until: datetime | None
    period: str = Field(description="The UTC month the monthly usage counts in, `YYYY-MM`.")
    usage: dict[str, Use] = Field(description="ai_drafts, mass_messages (this month), creators, seats (now).")


@router.get("/plans", response_model=PlansOut, summary="The plans on sale")
async def list_plans(runtime: RuntimeDep, _org: OrgId) -> PlansOut:
    async with runtime.uow() as uow:
        plans = Catalogue.of(await uow.repo.plans()).public()
    return PlansOut(items=[PlanOut.of(p) for p in plans])


@router.post(
    "/checkout",
    response_model=CheckoutOut,
    summary="A Stripe Checkout Session for a plan",
    responses={409: REFUSED, 422: REFUSED, 502: STRIPE_DOWN, 503: STRIPE_DOWN},
)
async def create_checkout(body: CheckoutIn, runtime: RuntimeDep, org_id: OrgId, stripe: StripeDep) -> CheckoutOut:
    session = await use.checkout(runtime, stripe, org_id, body.plan, body.interval)
    return CheckoutOut(url=session.url, session_id=session.session_id)


@router.post(
    "/portal",
    response_model=PortalOut,
    summary="A Stripe Customer Portal session",
    responses={409: REFUSED, 502: STRIPE_DOWN, 503: STRIPE_DOWN},
)
async def create_portal(runtime: RuntimeDep, org_id: OrgId, stripe: StripeDep) -> PortalOut:
    return PortalOut(url=await use.portal(runtime, stripe, org_id))


@router.get("/subscription", response_model=SubscriptionOut, summary="The plan, its standing, this month's usage")
async def get_subscription(runtime: RuntimeDep, org_id: OrgId) -> SubscriptionOut:
    async with runtime.uow() as uow:
        account = await uow.repo.account(org_id)
        catalogue = Catalogue.of(await uow.repo.plans())
        period = uow.now().strftime("%Y-%m")
        used = await uow.repo.usage(org_id, period)
    plan = catalogue.get(account.plan if account else FREE) or catalogue.get(FREE)
    assert plan is not None
    limits = plan.limits
    return SubscriptionOut(
        plan=plan.code, plan_name=plan.name, status=public_status(account) if account else "free",
        interval=account.interval if account else None,
        current_period_end=account.current_period_end if account else None,
        cancel_at_period_end=account.cancel_at_period_end if account else False,
        grace_until=account.grace_until if account else None, period=period,
        usage={
            "ai_drafts": Use(used=used.get("ai_drafts", 0), limit=limits.ai_drafts_per_month),
            "mass_messages": Use(used=used.get("mass_messages", 0), limit=limits.mass_messages_per_month),
            "creators": Use(used=len(account.creator_ids) if account else 0, limit=limits.creators),
            "seats": Use(used=account.seats if account else 0, limit=limits.seats),
        },
    )  # fmt: skip
