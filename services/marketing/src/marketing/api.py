"""HTTP API of the marketing service (reached through the gateway, whose internal token names the
creator): social accounts (credentials go in, never out) and scheduled posts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from huntaze_service import ApiError, CreatorId, NoNul, RuntimeDep
from huntaze_service.pagination import Limit

from . import cta_tests, handlers
from .domain import (
    MAX_CAPTION,
    MAX_CTA,
    MAX_HANDLE,
    MAX_MEDIA,
    Account,
    Conflict,
    Content,
    PlanRefused,
    Post,
    PostStatus,
    Refused,
)
from .networks import Network

router = APIRouter(prefix="/v1/marketing", tags=["marketing"])
REFUSED = {"description": "The network's rules or the request refuse it; `code` names which."}
PLAN_LIMIT = {"description": "The plan does not include this network (code `plan_limit`; the message names the plan)."}

Secret = Annotated[str, NoNul, Field(min_length=1, max_length=4096)]
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


def answer_of(exc: Exception) -> ApiError:
    if isinstance(exc, handlers.NotFound):
        return ApiError(404, str(exc))
    if isinstance(exc, Conflict):
        return ApiError(409, str(exc), exc.code)
    if isinstance(exc, PlanRefused):
        return ApiError(402, str(exc), exc.code)
    assert isinstance(exc, Refused)
    return ApiError(422, str(exc), exc.code)


# accounts ------------------------------------------------------------------------------------------


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    network: Network
    handle: str = Field(min_length=1, max_length=MAX_HANDLE + 1)
    credentials: dict[Key, Secret] = Field(
        min_length=1,
        max_length=20,
        description="What the network's API needs (e.g. `access_token` and `ig_user_id`); stored encrypted, "
        "never returned.",
    )


class AccountOut(BaseModel):
    account_id: uuid.UUID
    network: Network
    handle: str
    created_at: datetime

    @classmethod
    def of(cls, a: Account) -> AccountOut:
        return cls(account_id=a.id, network=a.network, handle=a.handle, created_at=a.created_at)


class AccountPage(BaseModel):
    items: list[AccountOut]


@router.post("/accounts", status_code=201, response_model=AccountOut, responses={409: REFUSED, 422: REFUSED})
async def add_account(body: AccountIn, runtime: RuntimeDep, creator_id: CreatorId) -> AccountOut:
    """A social account of the creator's; its credentials are encrypted at rest and never shown again."""
    async with runtime.uow() as uow:
        try:
            account = await handlers.add_account(
                uow, runtime.state["vault"], creator_id, body.network, body.handle, dict(body.credentials)
            )
        except (Refused, Conflict) as exc:
            raise answer_of(exc) from None
    return AccountOut.of(account)


@router.get("/accounts", response_model=AccountPage)
async def list_accounts(runtime: RuntimeDep, creator_id: CreatorId) -> AccountPage:
    async with runtime.uow() as uow:
        return AccountPage(items=[AccountOut.of(a) for a in await uow.repo.accounts(creator_id)])


@router.delete("/accounts/{account_id}", status_code=204, responses={404: REFUSED, 409: REFUSED})
async def delete_account(account_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> Response:
    """Removes the account and its credentials; refused while it has scheduled posts."""
    async with runtime.uow() as uow:
        try:
            await handlers.delete_account(uow, creator_id, account_id)
        except (handlers.NotFound, Conflict) as exc:
            raise answer_of(exc) from None
    return Response(status_code=204)


# posts ---------------------------------------------------------------------------------------------


class ContentFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    caption: Annotated[str, NoNul] = Field(default="", max_length=MAX_CAPTION)
    media_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_MEDIA,
        description="Media of your vault (the content service), published first: uploaded to X, pulled by "
        "Instagram and TikTok through presigned URLs; not on Reddit.",
    )
    media_urls: list[Annotated[str, Field(max_length=2048)]] = Field(
        default_factory=list,
        max_length=MAX_MEDIA,
        description="Public https URLs of images or videos: Instagram and TikTok fetch them, for X the worker "
        "fetches and uploads them; not on Reddit.",
    )
    cta: Annotated[str, NoNul] | None = Field(default=None, max_length=MAX_CTA, description="A call-to-action line.")
    title: Annotated[str, NoNul] | None = Field(default=None, max_length=1000, description="Reddit only.")
    subreddit: Annotated[str, NoNul] | None = Field(default=None, max_length=32, description="Reddit only.")

    def content(self) -> Content:
        return Content(
            self.caption, tuple(self.media_ids), self.cta, self.title, self.subreddit, tuple(self.media_urls)
        )


class CtaVariantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cta: Annotated[str, NoNul] = Field(
        min_length=1, max_length=MAX_CTA, description="This variant's CTA line; `{link}` becomes its link's URL."
    )
    link_id: uuid.UUID = Field(description="A tracking link of yours not used by another post yet.")


class PostIn(ContentFields):
    account_id: uuid.UUID
    publish_at: AwareDatetime | Literal["next_slot"] = Field(
        description='When to publish; `"next_slot"`: the account\'s next free queue slot '
        "(PUT /v1/marketing/accounts/{account_id}/slots)."
    )
    campaign_id: uuid.UUID | None = None
    cta_variants: list[CtaVariantIn] | None = Field(
        default=None,
        min_length=2,
        max_length=4,
        description="A CTA test: one post per variant (A, B, …), same content and time, each with its own CTA line "
        "and link; instead of `cta`. The answer is variant A; `GET /v1/marketing/posts/{id}/cta` compares them.",
    )

    def when(self) -> datetime | None:
        """The time asked for; None: the next free slot."""
        return None if self.publish_at == "next_slot" else self.publish_at  # type: ignore[return-value]


class PostPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: ContentFields | None = Field(default=None, description="The whole content, replaced.")
    publish_at: AwareDatetime | None = None


class PostOut(BaseModel):
    post_id: uuid.UUID
    account_id: uuid.UUID
    network: Network
    caption: str
    media_ids: list[uuid.UUID]
    media_urls: list[str]
    cta: str | None
    title: str | None
    subreddit: str | None
    publish_at: datetime
    status: PostStatus
    network_post_id: str | None
    error: str | None
    published_at: datetime | None
    campaign_id: uuid.UUID | None
    cta_test_id: uuid.UUID | None
    variant: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: Post) -> PostOut:
        c = p.content
        return cls(
            post_id=p.id,
            account_id=p.account_id,
            network=p.network,
            caption=c.caption,
            media_ids=list(c.media_ids),
            media_urls=list(c.media_urls),
            cta=c.cta,
            title=c.title,
            subreddit=c.subreddit,
            publish_at=p.publish_at,
            status=p.status,
            network_post_id=p.network_post_id,
            error=p.error,
            published_at=p.published_at,
            campaign_id=p.campaign_id,
            cta_test_id=p.cta_test_id,
            variant=p.variant,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


class PostPage(BaseModel):
    items: list[PostOut]


@router.post(
    "/posts",
    status_code=201,
    response_model=PostOut,
    responses={402: PLAN_LIMIT, 404: REFUSED, 409: REFUSED, 422: REFUSED},
)
async def schedule_post(body: PostIn, runtime: RuntimeDep, creator_id: CreatorId) -> PostOut:
    """A post scheduled on one of the creator's accounts; its network's rules are checked now."""
    if body.cta_variants is not None:
        return await _schedule_cta_test(body, runtime, creator_id)
    async with runtime.uow() as uow:
        try:
            post = await handlers.schedule_post(
                uow, creator_id, body.account_id, body.content(), body.when(), body.campaign_id
            )
        except (handlers.NotFound, Refused) as exc:
            raise answer_of(exc) from None
    return PostOut.of(post)


async def _schedule_cta_test(body: PostIn, runtime: RuntimeDep, creator_id: uuid.UUID) -> PostOut:
    if body.cta is not None:
        raise ApiError(422, "a CTA test gives each variant's line in cta_variants, not cta", "invalid_cta_test")
    variants = [(v.cta, v.link_id) for v in body.cta_variants or ()]
    base = runtime.settings.link_base  # type: ignore[attr-defined]
    async with runtime.uow() as uow:
        try:
            posts = await cta_tests.schedule_cta_test(
                uow, base, creator_id, body.account_id, body.content(), variants, body.when(), body.campaign_id
            )
        except (handlers.NotFound, Conflict, Refused) as exc:
            raise answer_of(exc) from None
    return PostOut.of(posts[0])


@router.get("/posts", response_model=PostPage)
async def list_posts(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    status: PostStatus | None = None,
    limit: Limit = 100,
) -> PostPage:
    """Posts whose publish time is in [from, to) (default: the coming 30 days), earliest first."""
    start = start or datetime.now(UTC)
    end = end or start + timedelta(days=30)
    if end <= start or end - start > timedelta(days=400):
        raise ApiError(422, "'to' must be after 'from', within 400 days", "invalid")
    async with runtime.uow() as uow:
        posts = await handlers.list_posts(uow, creator_id, start, end, status, limit)
    return PostPage(items=[PostOut.of(p) for p in posts])


@router.get("/posts/{post_id}", response_model=PostOut, responses={404: REFUSED})
async def get_post(post_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> PostOut:
    async with runtime.uow() as uow:
        post = await uow.repo.post(creator_id, post_id)
    if post is None:
        raise ApiError(404, "no post with this id")
    return PostOut.of(post)


@router.patch("/posts/{post_id}", response_model=PostOut, responses={404: REFUSED, 409: REFUSED, 422: REFUSED})
async def edit_post(post_id: uuid.UUID, body: PostPatch, runtime: RuntimeDep, creator_id: CreatorId) -> PostOut:
    """Changes a scheduled post (its content as a whole, its time, or both); checked again."""
    content = body.content.content() if body.content is not None else None
    async with runtime.uow() as uow:
        try:
            post = await handlers.edit_post(uow, creator_id, post_id, content, body.publish_at)
        except (handlers.NotFound, Conflict, Refused) as exc:
            raise answer_of(exc) from None
    return PostOut.of(post)


@router.post("/posts/{post_id}/cancel", response_model=PostOut, responses={404: REFUSED, 409: REFUSED})
async def cancel_post(post_id: uuid.UUID, runtime: RuntimeDep, creator_id: CreatorId) -> PostOut:
    async with runtime.uow() as uow:
        try:
            post = await handlers.cancel_post(uow, creator_id, post_id)
        except (handlers.NotFound, Conflict) as exc:
            raise answer_of(exc) from None
    return PostOut.of(post)
