"""Use cases of CTA tests: schedule a post in 2–4 variants (one post each, same content and time,
each CTA line with its own tracking link) and tell which variant converts best (:mod:`.cta`).

Each variant is a post of its own: it is published once like any post (a network shows one caption
per post), cancelled or edited on its own. The variants share ``cta_test_id`` (variant A's id) and
carry their letter. A variant's link is attached to its post, so its clicks, subscribers and their
revenue are the post's (:func:`.tracking.post_results`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from . import domain, handlers, post_media, publishing
from .calendar import announce
from .campaigns import Results, combine
from .cta import LETTERS, LINK_PLACEHOLDER, MAX_VARIANTS, MIN_VARIANTS, Arm, Verdict, verdict
from .domain import Conflict, Content, Post, Refused
from .handlers import NotFound
from .ports import Uow


@dataclass(frozen=True)
class Variant:
    post: Post
    link_ids: tuple[uuid.UUID, ...]
    results: Results


async def schedule_cta_test(
    uow: Uow,
    link_base: str,
    creator_id: uuid.UUID,
    account_id: uuid.UUID,
    content: Content,
    variants: list[tuple[str, uuid.UUID]],
    publish_at: datetime | None,
    campaign_id: uuid.UUID | None = None,
) -> list[Post]:
    """One post per (CTA line, link id), A first; ``{link}`` in a line becomes its link's URL."""
    if not MIN_VARIANTS <= len(variants) <= MAX_VARIANTS:
        raise Refused("invalid_cta_test", f"a CTA test has {MIN_VARIANTS} to {MAX_VARIANTS} variants")
    if len({link_id for _, link_id in variants}) != len(variants):
        raise Refused("invalid_cta_test", "each variant has its own link")
    if len({text.strip() for text, _ in variants}) != len(variants):
        raise Refused("invalid_cta_test", "the variants' CTA lines differ")
    account = await uow.repo.account(creator_id, account_id)
    if account is None:
        raise NotFound("no account with this id")
    await post_media.check(uow, creator_id, account.network, content)
    if campaign_id is not None and await uow.repo.campaign(creator_id, campaign_id) is None:
        raise NotFound("no campaign with this id")
    publish_at = await handlers.publish_time(uow, account, publish_at)
    posts: list[Post] = []
    for letter, (text, link_id) in zip(LETTERS, variants, strict=False):
        link = await uow.repo.link(creator_id, link_id)
        if link is None:
            raise NotFound(f"no link with id {link_id}")
        if link.post_id is not None:
            raise Conflict("link_in_use", f"link {link.label!r} belongs to another post already")
        cta = text.replace(LINK_PLACEHOLDER, f"{link_base.rstrip('/')}/l/{link.code}")
        post = domain.schedule(account, replace(content, cta=cta), publish_at, uow.now(), campaign_id)
        post = replace(post, cta_test_id=posts[0].id if posts else post.id, variant=letter)
        await uow.repo.add_post(post)
        await uow.repo.attach_link(
            replace(link, post_id=post.id, network=post.network.value, campaign_id=link.campaign_id or campaign_id)
        )
        publishing.schedule_publication(uow, post)
        announce(uow, post)
        posts.append(post)
    await uow.commit()
    return posts


async def cta_results(
    uow: Uow, creator_id: uuid.UUID, post_id: uuid.UUID, min_clicks: int
) -> tuple[uuid.UUID, list[Variant], Verdict]:
    """The test's variants (from any of its posts), what each brought, and the verdict."""
    post = await uow.repo.post(creator_id, post_id)
    if post is None:
        raise NotFound("no post with this id")
    if post.cta_test_id is None:
        raise NotFound("this post is not part of a CTA test")
    variants = []
    for variant in await uow.repo.cta_test_posts(creator_id, post.cta_test_id):
        per_link = await uow.repo.results(creator_id, post_id=variant.id)
        variants.append(Variant(variant, tuple(r.link_id for r in per_link), combine([r.results for r in per_link])))
    arms = [Arm(v.results.clicks, v.results.subscribers) for v in variants]
    return post.cta_test_id, variants, verdict(arms, min_clicks)
