"""HTTP API of CTA tests: which variant of a post converts best (:mod:`.cta_tests`, :mod:`.cta`)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel, Field

from huntaze_service import CreatorId, RuntimeDep

from . import cta_tests
from .api import REFUSED, answer_of
from .cta import WINNING_PROBABILITY
from .handlers import NotFound
from .links_api import ResultsOut

router = APIRouter(prefix="/v1/marketing", tags=["marketing"])
METHOD = (
    "Bayesian A/B test: Beta(1,1)-binomial posterior of each variant's conversion rate (subscribers ÷ people's "
    "clicks); probability to be best by Monte Carlo (NumPy, 20,000 draws)"
)


class VariantOut(BaseModel):
    variant: str
    post_id: uuid.UUID
    status: str
    cta: str | None
    link_ids: list[uuid.UUID]
    results: ResultsOut
    probability_best: float = Field(description="Probability this variant has the highest conversion rate.")


class CtaOut(BaseModel):
    cta_test_id: uuid.UUID
    method: str
    min_clicks: int = Field(description="People's clicks each variant needs before a winner may be declared.")
    clicks_missing: int = Field(description="Clicks still needed across the variants (0: enough data).")
    winning_probability: float
    winner: str | None = Field(description="The declared winner's letter; None until the data decides.")
    variants: list[VariantOut]


@router.get("/posts/{post_id}/cta", response_model=CtaOut, responses={404: REFUSED})
async def cta_test(post_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> CtaOut:
    """The CTA test this post is a variant of: clicks, subscribers, conversion rate and revenue per variant,
    the probability that each is best, and the winner once the data allows."""
    min_clicks = int(runtime.settings.cta_min_clicks)  # type: ignore[attr-defined]
    async with runtime.uow() as uow:
        try:
            test_id, variants, verdict = await cta_tests.cta_results(uow, creator_id, post_id, min_clicks)
        except NotFound as exc:
            raise answer_of(exc) from None
    return CtaOut(
        cta_test_id=test_id,
        method=METHOD,
        min_clicks=min_clicks,
        clicks_missing=verdict.clicks_missing,
        winning_probability=WINNING_PROBABILITY,
        winner=None if verdict.winner is None else variants[verdict.winner].post.variant,
        variants=[
            VariantOut(
                variant=v.post.variant or "?",
                post_id=v.post.id,
                status=v.post.status.value,
                cta=v.post.content.cta,
                link_ids=list(v.link_ids),
                results=ResultsOut.of(v.results),
                probability_best=p,
            )
            for v, p in zip(variants, verdict.probabilities, strict=True)
        ],
    )
