"""An in-memory MarketingRepository with the SQL one's semantics, for unit tests of the use cases."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from huntaze_testkit.entitlements import FakeEntitlements
from huntaze_testkit.vault_media import FakeVaultMedia
from marketing.domain import Account, Post, PostStatus
from marketing.slots import Slot

from .fake_links import FakeLinks

OPEN = (PostStatus.SCHEDULED, PostStatus.PUBLISHING)


class FakeMarketingRepository(FakeEntitlements, FakeVaultMedia, FakeLinks):
    def __init__(self) -> None:
        super().__init__()
        self.accounts_by_id: dict[uuid.UUID, Account] = {}
        self.sealed: dict[uuid.UUID, bytes] = {}
        self.posts_by_id: dict[uuid.UUID, Post] = {}
        self.slots_by_account: dict[uuid.UUID, tuple[str | None, tuple[Slot, ...]]] = {}
        self.commands: dict[tuple[uuid.UUID, uuid.UUID], uuid.UUID | None] = {}
        """Calendar commands answered: (creator, command) → the post they named."""

    async def add_account(self, account: Account, sealed_credentials: bytes) -> bool:
        for a in self.accounts_by_id.values():
            same = (a.creator_id, a.network, a.handle.lower()) == (
                account.creator_id,
                account.network,
                account.handle.lower(),
            )
            if same:
                return False
        self.accounts_by_id[account.id] = account
        self.sealed[account.id] = sealed_credentials
        return True

    async def account(self, creator_id: uuid.UUID, account_id: uuid.UUID) -> Account | None:
        a = self.accounts_by_id.get(account_id)
        return a if a is not None and a.creator_id == creator_id else None

    async def accounts(self, creator_id: uuid.UUID) -> list[Account]:
        mine = [a for a in self.accounts_by_id.values() if a.creator_id == creator_id]
        return sorted(mine, key=lambda a: (a.network.value, a.handle.lower()))

    async def delete_account(self, creator_id: uuid.UUID, account_id: uuid.UUID) -> None:
        if await self.account(creator_id, account_id) is not None:
            del self.accounts_by_id[account_id]
            del self.sealed[account_id]

    async def sealed_credentials(self, creator_id: uuid.UUID, account_id: uuid.UUID) -> bytes | None:
        return self.sealed.get(account_id) if await self.account(creator_id, account_id) else None

    async def scheduled_posts_of(self, account_id: uuid.UUID) -> int:
        return sum(1 for p in self.posts_by_id.values() if p.account_id == account_id and p.status in OPEN)

    async def add_post(self, post: Post) -> None:
        if post.command_id is not None and await self.post_by_command(post.creator_id, post.command_id):
            raise AssertionError("uq_posts_command: one post per calendar command")
        self.posts_by_id[post.id] = post

    async def post_by_command(self, creator_id: uuid.UUID, command_id: uuid.UUID) -> Post | None:
        found = [p for p in self.posts_by_id.values() if (p.creator_id, p.command_id) == (creator_id, command_id)]
        return found[0] if found else None

    async def claim_command(
        self, creator_id: uuid.UUID, command_id: uuid.UUID, post_id: uuid.UUID | None, at: datetime
    ) -> bool:
        if (creator_id, command_id) in self.commands:
            return False
        self.commands[(creator_id, command_id)] = post_id
        return True

    async def post(self, creator_id: uuid.UUID, post_id: uuid.UUID, *, lock: bool = False) -> Post | None:
        p = self.posts_by_id.get(post_id)
        return p if p is not None and p.creator_id == creator_id else None

    async def save_post(self, post: Post) -> None:
        self.posts_by_id[post.id] = post

    async def posts(
        self, creator_id: uuid.UUID, start: datetime, end: datetime, status: PostStatus | None, limit: int
    ) -> list[Post]:
        found = [
            p
            for p in self.posts_by_id.values()
            if p.creator_id == creator_id and start <= p.publish_at < end and status in (None, p.status)
        ]
        return sorted(found, key=lambda p: (p.publish_at, p.id))[:limit]

    async def cta_test_posts(self, creator_id: uuid.UUID, test_id: uuid.UUID) -> list[Post]:
        found = [p for p in self.posts_by_id.values() if p.creator_id == creator_id and p.cta_test_id == test_id]
        return sorted(found, key=lambda p: p.variant or "")

    async def lock_account(self, creator_id: uuid.UUID, account_id: uuid.UUID) -> Account | None:
        return await self.account(creator_id, account_id)

    async def slots(self, account_id: uuid.UUID) -> tuple[str | None, tuple[Slot, ...]]:
        return self.slots_by_account.get(account_id, (None, ()))

    async def set_slots(self, account: Account, timezone: str, slots: Sequence[Slot]) -> None:
        self.slots_by_account[account.id] = (timezone, tuple(slots)) if slots else (None, ())

    async def taken_times(self, account_id: uuid.UUID, start: datetime, end: datetime) -> set[datetime]:
        held = (PostStatus.SCHEDULED, PostStatus.PUBLISHING, PostStatus.PUBLISHED)
        return {
            p.publish_at
            for p in self.posts_by_id.values()
            if p.account_id == account_id and start <= p.publish_at <= end and p.status in held
        }
