"""Use cases of the marketing service: each takes the unit of work (``uow.repo`` is a MarketingRepository).

Credentials are sealed (:mod:`.credentials`) before they reach the repository and never leave it
decrypted through the API; only the publishing adapters open them.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from huntaze_service import entitlements

from . import domain, post_media, publishing, slots
from .calendar import announce
from .credentials import Vault
from .domain import Account, Conflict, Content, PlanRefused, Post, PostStatus
from .networks import Network
from .ports import Uow


class NotFound(LookupError):
    """Unknown id, or another creator's (answered 404)."""


# accounts ------------------------------------------------------------------------------------------


async def add_account(
    uow: Uow, vault: Vault, creator_id: uuid.UUID, network: Network, handle: str, credentials: dict[str, Any]
) -> Account:
    account = domain.new_account(creator_id, network, handle, uow.now())
    if not await uow.repo.add_account(account, vault.seal(credentials)):
        raise Conflict("account_exists", f"this creator has {network.value} account {account.handle} already")
    await uow.commit()
    return account


async def delete_account(uow: Uow, creator_id: uuid.UUID, account_id: uuid.UUID) -> None:
    if await uow.repo.account(creator_id, account_id) is None:
        raise NotFound("no account with this id")
    if await uow.repo.scheduled_posts_of(account_id):
        raise Conflict("account_in_use", "cancel this account's scheduled posts first")
    await uow.repo.delete_account(creator_id, account_id)
    await uow.commit()


# posts ---------------------------------------------------------------------------------------------


async def publish_time(uow: Uow, account: Account, publish_at: datetime | None) -> datetime:
    """``publish_at``, or (None) the account's next free queue slot — the account locked until the
    transaction ends, so two posts never take one slot."""
    if publish_at is not None:
        return publish_at
    await uow.repo.lock_account(account.creator_id, account.id)
    timezone, found = await uow.repo.slots(account.id)
    now = uow.now()
    zone = slots.zone_of(timezone or "UTC")
    taken = await uow.repo.taken_times(account.id, now, now + slots.LOOKAHEAD + timedelta(days=1))
    return slots.next_free(found, zone, now, taken)


async def schedule_post(
    uow: Uow,
    creator_id: uuid.UUID,
    account_id: uuid.UUID,
    content: Content,
    publish_at: datetime | None,
    campaign_id: uuid.UUID | None = None,
) -> Post:
    """``publish_at`` None: the account's next free queue slot."""
    post = await add_scheduled_post(uow, creator_id, account_id, content, publish_at, campaign_id)
    await uow.commit()
    return post


async def add_scheduled_post(
    uow: Uow,
    creator_id: uuid.UUID,
    account_id: uuid.UUID,
    content: Content,
    publish_at: datetime | None,
    campaign_id: uuid.UUID | None = None,
    command_id: uuid.UUID | None = None,
) -> Post:
    """:func:`schedule_post` without the commit (part of the caller's transaction): the post, its
    publication timer and its ``post.scheduled``. Raises NotFound, Refused (the network's rules, or
    media another creator's, deleted, or of a type the network does not take: :mod:`.post_media`)
    before writing anything."""
    account = await uow.repo.account(creator_id, account_id)
    if account is None:
        raise NotFound("no account with this id")
    await _plan_has_network(uow, creator_id, account.network)
    await post_media.check(uow, creator_id, account.network, content)
    publish_at = await publish_time(uow, account, publish_at)
    if campaign_id is not None and await uow.repo.campaign(creator_id, campaign_id) is None:
        raise NotFound("no campaign with this id")
    post = domain.schedule(account, content, publish_at, uow.now(), campaign_id)
    if command_id is not None:
        post = replace(post, command_id=command_id)
    await uow.repo.add_post(post)
    publishing.schedule_publication(uow, post)
    announce(uow, post, command_id)
    return post


async def _plan_has_network(uow: Uow, creator_id: uuid.UUID, network: Network) -> None:
    """Raises PlanRefused when the organisation's plan does not include ``network`` in its
    ``marketing_networks`` (:mod:`huntaze_service.entitlements`; not known yet: allowed). Posts already
    scheduled are left as they are."""
    decision = await entitlements.feature(uow, creator_id, "marketing_networks", network.value)
    if isinstance(decision, entitlements.Refused):
        raise PlanRefused(decision.message().replace("marketing_networks", f"{network.value} (marketing_networks)"))


async def _post(uow: Uow, creator_id: uuid.UUID, post_id: uuid.UUID) -> Post:
    post = await uow.repo.post(creator_id, post_id, lock=True)
    if post is None:
        raise NotFound("no post with this id")
    return post


async def edit_post(
    uow: Uow, creator_id: uuid.UUID, post_id: uuid.UUID, content: Content | None, publish_at: datetime | None
) -> Post:
    """``content`` (None: kept) replaces the post's as a whole; its media are checked (Refused:
    :mod:`.post_media`)."""
    post = domain.edit(await _post(uow, creator_id, post_id), content, publish_at, uow.now())
    if content is not None:
        await post_media.check(uow, creator_id, post.network, content)
    await uow.repo.save_post(post)
    publishing.schedule_publication(uow, post)
    announce(uow, post)
    await uow.commit()
    return post


async def cancel_post(uow: Uow, creator_id: uuid.UUID, post_id: uuid.UUID) -> Post:
    post = domain.cancel(await _post(uow, creator_id, post_id), uow.now())
    await uow.repo.save_post(post)
    publishing.drop_publication(uow, post)
    announce(uow, post)
    await uow.commit()
    return post


async def list_posts(
    uow: Uow, creator_id: uuid.UUID, start: datetime, end: datetime, status: PostStatus | None, limit: int
) -> list[Post]:
    return await uow.repo.posts(creator_id, start, end, status, limit)


# queue slots -----------------------------------------------------------------------------------------


async def set_slots(
    uow: Uow, creator_id: uuid.UUID, account_id: uuid.UUID, timezone: str, wanted: list[slots.Slot]
) -> tuple[str, tuple[slots.Slot, ...]]:
    """The account's weekly slots, replaced as a whole (an empty list removes them)."""
    slots.zone_of(timezone)
    checked = slots.checked(wanted)
    account = await uow.repo.lock_account(creator_id, account_id)
    if account is None:
        raise NotFound("no account with this id")
    await uow.repo.set_slots(account, timezone, checked)
    await uow.commit()
    return timezone, checked


async def upcoming_slots(
    uow: Uow, creator_id: uuid.UUID, account_id: uuid.UUID, count: int
) -> tuple[str | None, tuple[slots.Slot, ...], list[datetime]]:
    """The slots, and the next ``count`` free occurrences (what ``next_slot`` would take, in order)."""
    if await uow.repo.account(creator_id, account_id) is None:
        raise NotFound("no account with this id")
    timezone, found = await uow.repo.slots(account_id)
    now = uow.now()
    taken = await uow.repo.taken_times(account_id, now, now + slots.LOOKAHEAD + timedelta(days=1))
    zone = slots.zone_of(timezone or "UTC")
    free = [t for t in slots.occurrences(found, zone, now + slots.LEAD) if t not in taken]
    return timezone, found, free[:count]
