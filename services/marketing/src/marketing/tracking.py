"""Use cases of tracking links, campaigns and attribution (``uow.repo`` is a MarketingRepository).

Flow (each arrow is one transaction; offsets are committed after it)::

    POST /v1/marketing/links          ─► links (a fresh code; the OnlyFans link it stands for)
    GET /l/{code} (gateway → here)    ─► clicks + link.clicked (outbox), then the 302
    subscription.started with via     ─► conversions (first link wins) + conversion.tracked
    transaction.recorded              ─► sales (every one: a sale may arrive before its conversion)
    GET …/links|posts|campaigns/{id}  ─► results: clicks, subscribers, and the sales of those
                                         subscribers since they came, summed at read time

Summing at read time makes the figures independent of the order the two topics arrive in: a
transaction applied before its fan's conversion still counts once the conversion is known.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from huntaze_events import (
    CampaignCreated,
    ConversionTracked,
    Envelope,
    LinkClicked,
    SubscriptionStarted,
    TransactionRecorded,
)

from . import clicks, links
from .campaigns import Campaign, Results, combine, new_campaign
from .domain import Conflict, Refused
from .handlers import NotFound
from .links import Link
from .ports import LinkResult, Sale, Uow

MAX_CODE_DRAWS = 5


# campaigns -------------------------------------------------------------------------------------------


async def add_campaign(
    uow: Uow, creator_id: uuid.UUID, name: str, cost_cents: int, currency: str, start: datetime, end: datetime
) -> Campaign:
    campaign = new_campaign(creator_id, name, cost_cents, currency, start, end, uow.now())
    await uow.repo.add_campaign(campaign)
    uow.emit(
        CampaignCreated(
            campaign_id=campaign.id,
            name=campaign.name,
            cost_cents=cost_cents,
            currency=currency,
            starts_at=start,
            ends_at=end,
        ),
        creator_id=creator_id,
    )
    await uow.commit()
    return campaign


async def campaign(uow: Uow, creator_id: uuid.UUID, campaign_id: uuid.UUID) -> tuple[Campaign, Results]:
    found = await uow.repo.campaign(creator_id, campaign_id)
    if found is None:
        raise NotFound("no campaign with this id")
    per_link = await uow.repo.results(creator_id, campaign_id=campaign_id)
    return found, combine([r.results for r in per_link])


# links -------------------------------------------------------------------------------------------------


async def set_link_domains(uow: Uow, creator_id: uuid.UUID, domains: Sequence[str]) -> tuple[str, ...]:
    checked = tuple(sorted({links.checked_domain(d) for d in domains}))
    if len(checked) > links.MAX_DOMAINS:
        raise Refused("too_many_domains", f"at most {links.MAX_DOMAINS} approved domains")
    await uow.repo.set_link_domains(creator_id, checked)
    await uow.commit()
    return checked


async def add_link(
    uow: Uow,
    creator_id: uuid.UUID,
    target_url: str,
    label: str,
    onlyfans_link: str | None,
    campaign_id: uuid.UUID | None,
    post_id: uuid.UUID | None,
    network: str | None = None,
) -> Link:
    """A link; tied to a post, it counts for the post's network and (unless it names its own) campaign."""
    if campaign_id is not None and await uow.repo.campaign(creator_id, campaign_id) is None:
        raise NotFound("no campaign with this id")
    if post_id is not None:
        post = await uow.repo.post(creator_id, post_id)
        if post is None:
            raise NotFound("no post with this id")
        if network is not None and network != post.network.value:
            raise Refused("network_mismatch", f"the post is on {post.network.value}, not {network}")
        network, campaign_id = post.network.value, campaign_id or post.campaign_id
    approved = await uow.repo.link_domains(creator_id)
    for _ in range(MAX_CODE_DRAWS):
        link = links.new_link(
            creator_id, target_url, label, onlyfans_link, campaign_id, post_id, approved, uow.now(), network
        )
        key = links.link_key(link.onlyfans_link) if link.onlyfans_link else None
        if key is not None and await uow.repo.link_by_onlyfans(creator_id, key) is not None:
            raise Conflict(
                "onlyfans_link_taken",
                "another of your links stands for this OnlyFans link: subscribers are attributed to one link only",
            )
        if await uow.repo.add_link(link, key):
            await uow.commit()
            return link
    raise Conflict("code_unavailable", "no free code was drawn: try again")  # 31^8 codes: not in practice


async def link(uow: Uow, creator_id: uuid.UUID, link_id: uuid.UUID) -> tuple[Link, Results]:
    found = await uow.repo.link(creator_id, link_id)
    if found is None:
        raise NotFound("no link with this id")
    per_link = await uow.repo.results(creator_id, link_id=link_id)
    return found, combine([r.results for r in per_link])


async def post_results(uow: Uow, creator_id: uuid.UUID, post_id: uuid.UUID) -> tuple[list[LinkResult], Results]:
    """Per link of the post (its CTA variants, when it has several), and all together."""
    if await uow.repo.post(creator_id, post_id) is None:
        raise NotFound("no post with this id")
    per_link = await uow.repo.results(creator_id, post_id=post_id)
    return per_link, combine([r.results for r in per_link])


async def click(uow: Uow, code: str, headers: Mapping[str, str], utm_source: str) -> str | None:
    """The target to send the visitor to (None: no such link), the click recorded with its event."""
    found = await uow.repo.link_by_code(code)
    if found is None:
        return None
    facts = clicks.facts(headers, utm_source)
    click_id, now = uuid.uuid4(), uow.now()
    await uow.repo.add_click(click_id, found, now, facts)
    uow.emit(
        LinkClicked(
            link_id=found.id,
            click_id=click_id,
            clicked_at=now,
            post_id=found.post_id,
            campaign_id=found.campaign_id,
            network=found.network,  # type: ignore[arg-type]
            referrer_network=facts.network,  # type: ignore[arg-type]  # clicks.NETWORKS is the events' Network
            country=facts.country,
            bot=facts.bot,
        ),
        creator_id=found.creator_id,
    )
    await uow.commit()
    return found.target_url


# from the other services' events ----------------------------------------------------------------------


async def attribute_subscribers(uow: Uow, events: Sequence[Envelope[SubscriptionStarted]]) -> None:
    """A new subscriber whose ``via`` names the OnlyFans link stored on one of our links converts for
    it, once per fan (the first link wins; a trial link counts like a tracking link, and is looked at
    too when the tracking link is not one of ours)."""
    for event in events:
        found = reported = None
        via = event.payload.via
        for reported in (via.tracking_link, via.trial) if via else ():
            if reported and links.link_key(reported):
                found = await uow.repo.link_by_onlyfans(event.creator_id, links.link_key(reported))
                if found is not None:
                    break
        if found is None or reported is None:
            continue  # no via, or OnlyFans links we do not track
        started = event.payload.started_at
        if not await uow.repo.add_conversion(event.creator_id, event.payload.fan_id, found.id, started):
            continue
        uow.emit(
            ConversionTracked(
                fan_id=event.payload.fan_id,
                link_id=found.id,
                post_id=found.post_id,
                campaign_id=found.campaign_id,
                network=found.network,  # type: ignore[arg-type]
                onlyfans_link=reported,
                converted_at=started,
            ),
            cause=event,
        )


async def record_sales(uow: Uow, events: Sequence[Envelope[TransactionRecorded]]) -> None:
    """Every transaction, refunds and chargebacks included (negative): a fan's sales may arrive
    before the conversion that makes them count."""
    await uow.repo.add_sales(
        [
            Sale(t.transaction_id, e.creator_id, t.fan_id, t.gross_cents, t.net_cents, t.currency, t.occurred_at)
            for e in events
            if (t := e.payload)
        ]
    )
