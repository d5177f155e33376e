"""HTTP API of tracking links, campaigns and what they brought (through the gateway, whose internal
token names the creator), and the redirect behind the gateway's public ``GET /l/{code}``."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from huntaze_service import ApiError, CreatorId, NoNul, RuntimeDep, VisitorCaller
from huntaze_service.pagination import Limit

from . import clicks, tracking
from .api import REFUSED, answer_of
from .campaigns import MAX_COST_CENTS, MAX_NAME, Campaign, Results, roi
from .domain import Conflict, Refused
from .handlers import NotFound
from .links import CODE_PATTERN, MAX_DOMAINS, MAX_LABEL, MAX_URL, Link
from .networks import Network
from .ports import LinkResult

router = APIRouter(prefix="/v1/marketing", tags=["marketing"])
_CODE = re.compile(CODE_PATTERN)
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. `USD`.")]


# what things brought --------------------------------------------------------------------------------


class MoneyOut(BaseModel):
    currency: str
    gross_cents: int
    net_cents: int


class ResultsOut(BaseModel):
    clicks: int = Field(description="People's clicks (robots apart).")
    bot_clicks: int = Field(description="Crawlers, link previewers and HTTP libraries, by user agent.")
    subscribers: int = Field(description="New subscribers who came through (conversion.tracked).")
    conversion_rate: float | None = Field(description="subscribers ÷ clicks (None: no click yet).")
    revenue: list[MoneyOut] = Field(
        description="Every transaction of those subscribers since they came (refunds subtract), per currency."
    )

    @classmethod
    def of(cls, r: Results) -> ResultsOut:
        return cls(
            clicks=r.clicks,
            bot_clicks=r.bot_clicks,
            subscribers=r.subscribers,
            conversion_rate=r.conversion_rate,
            revenue=[
                MoneyOut(currency=m.currency, gross_cents=m.gross_cents, net_cents=m.net_cents) for m in r.revenue
            ],
        )


# approved domains -----------------------------------------------------------------------------------


class DomainsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domains: list[Annotated[str, Field(min_length=1, max_length=253)]] = Field(max_length=MAX_DOMAINS)


class DomainsOut(BaseModel):
    domains: list[str] = Field(description="Besides onlyfans.com (always allowed), with their subdomains.")


@router.get("/link-domains", response_model=DomainsOut)
async def get_link_domains(runtime: RuntimeDep, creator_id: CreatorId) -> DomainsOut:
    async with runtime.uow() as uow:
        return DomainsOut(domains=list(await uow.repo.link_domains(creator_id)))


@router.put("/link-domains", response_model=DomainsOut, responses={422: REFUSED})
async def put_link_domains(body: DomainsIn, runtime: RuntimeDep, creator_id: CreatorId) -> DomainsOut:
    """The domains (besides onlyfans.com) your links may send visitors to: the whole list, replaced."""
    async with runtime.uow() as uow:
        try:
            return DomainsOut(domains=list(await tracking.set_link_domains(uow, creator_id, body.domains)))
        except Refused as exc:
            raise answer_of(exc) from None


# links ------------------------------------------------------------------------------------------------


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_url: str = Field(min_length=1, max_length=MAX_URL, description="onlyfans.com or an approved domain.")
    label: Annotated[str, NoNul] = Field(min_length=1, max_length=MAX_LABEL)
    onlyfans_link: Annotated[str, NoNul] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_URL,
        description="The OnlyFans tracking or trial link, as the connector reports it in `subscription.via`; "
        "defaults to the target when the target is on onlyfans.com.",
    )
    campaign_id: uuid.UUID | None = None
    post_id: uuid.UUID | None = None
    network: Network | None = Field(
        default=None, description="Where it is shared (e.g. an Instagram bio link); a post's link takes the post's."
    )


class LinkOut(BaseModel):
    link_id: uuid.UUID
    code: str
    url: str = Field(description="What to share: the gateway's public redirect.")
    target_url: str
    label: str
    onlyfans_link: str | None
    campaign_id: uuid.UUID | None
    post_id: uuid.UUID | None
    network: str | None
    created_at: datetime
    results: ResultsOut | None = None

    @classmethod
    def of(cls, link: Link, base: str, results: Results | None = None) -> LinkOut:
        return cls(
            link_id=link.id,
            code=link.code,
            url=f"{base.rstrip('/')}/l/{link.code}",
            target_url=link.target_url,
            label=link.label,
            onlyfans_link=link.onlyfans_link,
            campaign_id=link.campaign_id,
            post_id=link.post_id,
            network=link.network,
            created_at=link.created_at,
            results=None if results is None else ResultsOut.of(results),
        )


class LinkPage(BaseModel):
    items: list[LinkOut]


def _base(runtime: RuntimeDep) -> str:
    return str(runtime.settings.link_base)  # type: ignore[attr-defined]


@router.post("/links", status_code=201, response_model=LinkOut, responses={404: REFUSED, 409: REFUSED, 422: REFUSED})
async def add_link(body: LinkIn, runtime: RuntimeDep, creator_id: CreatorId) -> LinkOut:
    """A tracking link: a short code whose public redirect records each click."""
    async with runtime.uow() as uow:
        try:
            link = await tracking.add_link(
                uow,
                creator_id,
                body.target_url,
                body.label,
                body.onlyfans_link,
                body.campaign_id,
                body.post_id,
                body.network.value if body.network else None,
            )
        except (NotFound, Conflict, Refused) as exc:
            raise answer_of(exc) from None
    return LinkOut.of(link, _base(runtime))


@router.get("/links", response_model=LinkPage)
async def list_links(runtime: RuntimeDep, creator_id: CreatorId, limit: Limit = 100) -> LinkPage:
    """The newest links first."""
    async with runtime.uow() as uow:
        found = await uow.repo.links(creator_id, limit)
    return LinkPage(items=[LinkOut.of(k, _base(runtime)) for k in found])


@router.get("/links/{link_id}", response_model=LinkOut, responses={404: REFUSED})
async def get_link(link_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> LinkOut:
    """The link and what it brought: clicks, subscribers, their revenue since."""
    async with runtime.uow() as uow:
        try:
            link, results = await tracking.link(uow, creator_id, link_id)
        except NotFound as exc:
            raise answer_of(exc) from None
    return LinkOut.of(link, _base(runtime), results)


class LinkResultOut(BaseModel):
    link_id: uuid.UUID
    results: ResultsOut

    @classmethod
    def of(cls, r: LinkResult) -> LinkResultOut:
        return cls(link_id=r.link_id, results=ResultsOut.of(r.results))


class PostResultsOut(BaseModel):
    post_id: uuid.UUID
    total: ResultsOut
    links: list[LinkResultOut]


@router.get("/posts/{post_id}/results", response_model=PostResultsOut, responses={404: REFUSED})
async def post_results(post_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> PostResultsOut:
    """Revenue per post: the post's links → their subscribers → everything those spent since."""
    async with runtime.uow() as uow:
        try:
            per_link, total = await tracking.post_results(uow, creator_id, post_id)
        except NotFound as exc:
            raise answer_of(exc) from None
    return PostResultsOut(post_id=post_id, total=ResultsOut.of(total), links=[LinkResultOut.of(r) for r in per_link])


# campaigns --------------------------------------------------------------------------------------------


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: Annotated[str, NoNul] = Field(min_length=1, max_length=MAX_NAME)
    cost_cents: int = Field(ge=0, le=MAX_COST_CENTS, strict=True)
    currency: Currency
    start: AwareDatetime = Field(alias="from")
    end: AwareDatetime = Field(alias="to")


class CampaignOut(BaseModel):
    campaign_id: uuid.UUID
    name: str
    cost_cents: int
    currency: str
    start: datetime = Field(serialization_alias="from")
    end: datetime = Field(serialization_alias="to")
    created_at: datetime
    results: ResultsOut | None = None
    roi: Decimal | None = Field(
        default=None,
        description="Attributed net revenue in the campaign's currency ÷ cost, 4 decimals (1.0: paid for itself); "
        "None for a free campaign.",
    )

    @classmethod
    def of(cls, c: Campaign, results: Results | None = None) -> CampaignOut:
        return cls(
            campaign_id=c.id,
            name=c.name,
            cost_cents=c.cost_cents,
            currency=c.currency,
            start=c.starts_at,
            end=c.ends_at,
            created_at=c.created_at,
            results=None if results is None else ResultsOut.of(results),
            roi=None if results is None else roi(c, results),
        )


class CampaignPage(BaseModel):
    items: list[CampaignOut]


@router.post("/campaigns", status_code=201, response_model=CampaignOut, response_model_by_alias=True,
             responses={422: REFUSED})  # fmt: skip
async def add_campaign(body: CampaignIn, runtime: RuntimeDep, creator_id: CreatorId) -> CampaignOut:
    """A campaign: its cost and span; posts and links name it."""
    async with runtime.uow() as uow:
        try:
            campaign = await tracking.add_campaign(
                uow, creator_id, body.name, body.cost_cents, body.currency, body.start, body.end
            )
        except Refused as exc:
            raise answer_of(exc) from None
    return CampaignOut.of(campaign)


@router.get("/campaigns", response_model=CampaignPage, response_model_by_alias=True)
async def list_campaigns(runtime: RuntimeDep, creator_id: CreatorId, limit: Limit = 100) -> CampaignPage:
    async with runtime.uow() as uow:
        return CampaignPage(items=[CampaignOut.of(c) for c in await uow.repo.campaigns(creator_id, limit)])


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut, response_model_by_alias=True,
            responses={404: REFUSED})  # fmt: skip
async def get_campaign(campaign_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> CampaignOut:
    """The campaign, what its links and posts brought, and its ROI."""
    async with runtime.uow() as uow:
        try:
            campaign, results = await tracking.campaign(uow, creator_id, campaign_id)
        except NotFound as exc:
            raise answer_of(exc) from None
    return CampaignOut.of(campaign, results)


# the public redirect (the gateway's GET /l/{code}) ------------------------------------------------------


@router.get("/redirect/{code}", include_in_schema=False)
async def redirect(code: str, request: Request, runtime: RuntimeDep, _visitor: VisitorCaller) -> Response:
    """302 to the link's target, the click recorded first (one transaction: the click row and its
    ``link.clicked`` in the outbox); 404 for a code that is no link."""
    if not _CODE.match(code):
        raise ApiError(404, "no such link")
    headers = {name: request.headers.get(name, "")[:2048] for name in clicks.FORWARDED_HEADERS}
    async with runtime.uow() as uow:
        target = await tracking.click(uow, code, headers, request.query_params.get("utm_source", ""))
    if target is None:
        raise ApiError(404, "no such link")
    return Response(status_code=302, headers={"location": target, "cache-control": "no-store"})
