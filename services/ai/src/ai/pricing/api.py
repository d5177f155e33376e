"""``GET /v1/ai/pricing``: the creator's price suggestions, computed from their own sales on request
(see :mod:`.review`). Every suggestion carries its expected effect per 30 days with an interval and
the counts it rests on; a scope below its minimum sample says so instead of guessing."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from huntaze_service import CreatorId, RuntimeDep

from . import review
from .ppv import NotEnoughData, PpvEvidence, PriceSuggestion
from .subscription import SubscriptionEvidence
from .tips import TipMenu

router = APIRouter(prefix="/v1/ai", tags=["ai"])


class NotEnoughOut(BaseModel):
    reason: str
    have: dict[str, int]
    need: dict[str, int]


class PricePointOut(BaseModel):
    price_cents: int
    seen: int = Field(description="Offers sent (PPV) or tracking-link visitors (subscription) at this price.")
    bought: int = Field(description="Offers unlocked (PPV) or subscribers who came through a link (subscription).")


class EvidenceOut(BaseModel):
    observations: int = Field(description="Offers (PPV) or visitors (subscription) counted.")
    successes: int = Field(description="Unlocks (PPV) or link subscribers (subscription).")
    distinct_prices: int
    by_price: list[PricePointOut]
    renewed: int | None = Field(default=None, description="Subscription: subscribers whose first period renewed.")
    expired: int | None = None


class SuggestionOut(BaseModel):
    current_price_cents: int
    suggested_price_cents: int
    currency: str
    revenue_30d_current_cents: int
    revenue_30d_suggested_cents: int
    change_30d_cents: int = Field(
        description="Expected change of revenue per 30 days (mean over the curve's uncertainty)."
    )
    change_30d_low_cents: int
    change_30d_high_cents: int
    confidence: float = Field(description="Of the interval [low, high].")
    rate_current: float = Field(
        description="Unlock rate (PPV) or visitor conversion (subscription) at the current price."
    )
    rate_suggested: float
    at_edge_of_evidence: bool = Field(description="The best price is the furthest the data allow: test beyond it.")
    evidence: EvidenceOut


class ScopeOut(BaseModel):
    scope: Literal["ppv", "subscription"]
    segment: str = Field(description="`all` or the segment of the fans offered.")
    media_kind: str = Field(description="`all` or the kind of the media offered.")
    suggestion: SuggestionOut | None
    not_enough_data: NotEnoughOut | None


class TipTierOut(BaseModel):
    amount_cents: int
    share_at_or_above: float = Field(description="Of past tips, the share at least this amount.")
    tips_at_or_above: int


class TipMenuOut(BaseModel):
    tiers: list[TipTierOut]
    tips: int
    median_cents: int | None
    not_enough_data: NotEnoughOut | None


class PricingOut(BaseModel):
    currency: str
    period_start: datetime
    period_end: datetime
    ppv: list[ScopeOut]
    subscription: ScopeOut
    tip_menu: TipMenuOut


def _evidence(s: PriceSuggestion) -> EvidenceOut:
    e = s.evidence
    if isinstance(e, PpvEvidence):
        points = [PricePointOut(price_cents=p.price_cents, seen=p.offered, bought=p.unlocked) for p in e.points]
        return EvidenceOut(
            observations=e.offers, successes=e.unlocks, distinct_prices=e.distinct_prices, by_price=points
        )
    assert isinstance(e, SubscriptionEvidence)
    points = [PricePointOut(price_cents=p.price_cents, seen=p.visitors, bought=p.subscribed) for p in e.points]
    return EvidenceOut(observations=e.visitors, successes=e.subscribed, distinct_prices=e.distinct_prices,
                       by_price=points, renewed=e.renewed, expired=e.expired)  # fmt: skip


def _scope(found: review.ScopeResult) -> ScopeOut:
    r = found.result
    if isinstance(r, NotEnoughData):
        return ScopeOut(scope=found.scope, segment=found.segment, media_kind=found.media_kind, suggestion=None,
                        not_enough_data=NotEnoughOut(reason=r.reason, have=r.have, need=r.need))  # fmt: skip
    suggestion = SuggestionOut(
        current_price_cents=r.current_price_cents, suggested_price_cents=r.suggested_price_cents, currency=r.currency,
        revenue_30d_current_cents=r.revenue_30d_current_cents, revenue_30d_suggested_cents=r.revenue_30d_suggested_cents,
        change_30d_cents=r.change_30d_cents, change_30d_low_cents=r.change_30d_low_cents,
        change_30d_high_cents=r.change_30d_high_cents, confidence=r.confidence, rate_current=r.rate_current,
        rate_suggested=r.rate_suggested, at_edge_of_evidence=r.at_edge_of_evidence, evidence=_evidence(r),
    )  # fmt: skip
    return ScopeOut(scope=found.scope, segment=found.segment, media_kind=found.media_kind, suggestion=suggestion,
                    not_enough_data=None)  # fmt: skip


def _tips(menu: TipMenu | NotEnoughData) -> TipMenuOut:
    if isinstance(menu, NotEnoughData):
        return TipMenuOut(tiers=[], tips=menu.have.get("tips", 0), median_cents=None,
                          not_enough_data=NotEnoughOut(reason=menu.reason, have=menu.have, need=menu.need))  # fmt: skip
    tiers = [TipTierOut(amount_cents=t.amount_cents, share_at_or_above=t.share_at_or_above,
                        tips_at_or_above=t.tips_at_or_above) for t in menu.tiers]  # fmt: skip
    return TipMenuOut(
        tiers=tiers, tips=menu.evidence.tips, median_cents=menu.evidence.median_cents, not_enough_data=None
    )


@router.get("/pricing", response_model=PricingOut)
async def pricing(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    currency: Annotated[
        str | None, Query(pattern=r"^[A-Z]{3}$", description="Default: the creator's main one.")
    ] = None,
    days: Annotated[int, Query(ge=7, le=365, description="The period the counts cover, back from now.")] = 90,
) -> PricingOut:
    async with runtime.uow() as uow:
        found = await review.report(uow, creator_id, currency=currency, days=days, now=uow.now())
    return PricingOut(currency=found.currency, period_start=found.since, period_end=found.until,
                      ppv=[_scope(s) for s in found.ppv], subscription=_scope(found.subscription),
                      tip_menu=_tips(found.tips))  # fmt: skip
