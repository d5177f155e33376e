"""What the marketing use cases need from storage (the SQL adapter and the unit tests' fake implement it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from huntaze_service import UnitOfWork
from huntaze_service.entitlements import EntitlementsRepository
from huntaze_service.vault_media import VaultMediaRepository

from .campaigns import Campaign, Results
from .clicks import ClickFacts
from .domain import Account, Post, PostStatus
from .links import Link
from .slots import Slot


class Sale(NamedTuple):
    """A transaction as attribution needs it (the read model of ``transaction.recorded``)."""

    transaction_id: uuid.UUID
    creator_id: uuid.UUID
    fan_id: uuid.UUID
    gross_cents: int
    net_cents: int
    currency: str
    occurred_at: datetime


class LinkResult(NamedTuple):
    link_id: uuid.UUID
    post_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    network: str | None
    results: Results


class LinksRepository(Protocol):
    async def add_campaign(self, campaign: Campaign) -> None: ...

    async def campaign(self, creator_id: uuid.UUID, campaign_id: uuid.UUID) -> Campaign | None: ...

    async def campaigns(self, creator_id: uuid.UUID, limit: int) -> list[Campaign]: ...

    async def link_domains(self, creator_id: uuid.UUID) -> tuple[str, ...]: ...

    async def set_link_domains(self, creator_id: uuid.UUID, domains: Sequence[str]) -> None: ...

    async def add_link(self, link: Link, onlyfans_key: str | None) -> bool:
        """False when the code is taken (nothing stored)."""
        ...

    async def link(self, creator_id: uuid.UUID, link_id: uuid.UUID) -> Link | None: ...

    async def links(self, creator_id: uuid.UUID, limit: int) -> list[Link]: ...

    async def attach_link(self, link: Link) -> None:
        """Stores the link's post, campaign and network (it became a CTA variant's)."""
        ...

    async def link_by_code(self, code: str) -> Link | None:
        """Any creator's: the public redirect knows nothing but the code."""
        ...

    async def link_by_onlyfans(self, creator_id: uuid.UUID, onlyfans_key: str) -> Link | None: ...

    async def add_click(self, click_id: uuid.UUID, link: Link, at: datetime, facts: ClickFacts) -> None: ...

    async def add_conversion(self, creator_id: uuid.UUID, fan_id: uuid.UUID, link_id: uuid.UUID, at: datetime) -> bool:
        """False when the fan was attributed already (to this link or another)."""
        ...

    async def add_sales(self, sales: Sequence[Sale]) -> None:
        """Idempotent by transaction id."""
        ...

    async def results(
        self,
        creator_id: uuid.UUID,
        *,
        link_id: uuid.UUID | None = None,
        post_id: uuid.UUID | None = None,
        campaign_id: uuid.UUID | None = None,
    ) -> list[LinkResult]:
        """Per link (of the filters given), what it brought."""
        ...


class MarketingRepository(LinksRepository, VaultMediaRepository, EntitlementsRepository, Protocol):
    # accounts ------------------------------------------------------------------------------------
    async def add_account(self, account: Account, sealed_credentials: bytes) -> bool:
        """False when the creator has this network's handle already (nothing stored)."""
        ...

    async def account(self, creator_id: uuid.UUID, account_id: uuid.UUID) -> Account | None:
        """None when it does not exist or is another creator's."""
        ...

    async def accounts(self, creator_id: uuid.UUID) -> list[Account]: ...

    async def delete_account(self, creator_id: uuid.UUID, account_id: uuid.UUID) -> None: ...

    async def sealed_credentials(self, creator_id: uuid.UUID, account_id: uuid.UUID) -> bytes | None:
        """The account's encrypted credentials (None: no such account, e.g. removed)."""
        ...

    async def scheduled_posts_of(self, account_id: uuid.UUID) -> int:
        """How many of the account's posts are still scheduled or being published."""
        ...

    # posts ---------------------------------------------------------------------------------------
    async def add_post(self, post: Post) -> None: ...

    async def post(self, creator_id: uuid.UUID, post_id: uuid.UUID, *, lock: bool = False) -> Post | None:
        """None when it does not exist or is another creator's; ``lock``: until the transaction ends."""
        ...

    async def save_post(self, post: Post) -> None: ...

    async def posts(
        self, creator_id: uuid.UUID, start: datetime, end: datetime, status: PostStatus | None, limit: int
    ) -> list[Post]:
        """Posts whose publish time is in [start, end), earliest first."""
        ...

    # queue slots ---------------------------------------------------------------------------------
    async def lock_account(self, creator_id: uuid.UUID, account_id: uuid.UUID) -> Account | None:
        """The account, locked until the transaction ends (two posts never take one slot)."""
        ...

    async def slots(self, account_id: uuid.UUID) -> tuple[str | None, tuple[Slot, ...]]:
        """(time zone, slots); (None, ()) without slots."""
        ...

    async def set_slots(self, account: Account, timezone: str, slots: Sequence[Slot]) -> None: ...

    async def taken_times(self, account_id: uuid.UUID, start: datetime, end: datetime) -> set[datetime]:
        """Publish times in [start, end] of the account's scheduled, publishing and published posts."""
        ...

    async def cta_test_posts(self, creator_id: uuid.UUID, test_id: uuid.UUID) -> list[Post]:
        """The variants of a CTA test, A first."""
        ...

    # calendar commands (:mod:`.commands`) ---------------------------------------------------------
    async def post_by_command(self, creator_id: uuid.UUID, command_id: uuid.UUID) -> Post | None:
        """The post a ``post.requested`` command made, if any."""
        ...

    async def claim_command(
        self, creator_id: uuid.UUID, command_id: uuid.UUID, post_id: uuid.UUID | None, at: datetime
    ) -> bool:
        """Records that this command is being answered; False when it was already (nothing stored)."""
        ...


Uow = UnitOfWork[MarketingRepository]
