"""What the marketing use cases need from storage (the SQL adapter and the unit tests' fake implement it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from huntaze_service import UnitOfWork

from .domain import Account, Post, PostStatus


class MarketingRepository(Protocol):
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


Uow = UnitOfWork[MarketingRepository]
