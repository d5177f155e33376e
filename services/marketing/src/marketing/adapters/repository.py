"""The marketing repository on PostgreSQL (its own database): plain SQL on the transaction's
psycopg connection. Every read is scoped to the creator: another creator's id is not found."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from huntaze_service.entitlements import SqlEntitlements
from huntaze_service.vault_media import SqlVaultMedia

from ..domain import Account, Content, Post, PostStatus
from ..networks import Network
from ..slots import Slot
from .commands_sql import SqlCommands
from .links_sql import SqlLinksRepository

_POST_COLUMNS = (
    "id, creator_id, account_id, network, caption, media_ids, cta, title, subreddit, publish_at, status, "
    "client_ref, created_at, updated_at, network_post_id, error, published_at, campaign_id, cta_test_id, variant, media_urls, "
    "revision, command_id"
)


def _account(row: Any) -> Account:
    return Account(row[0], row[1], Network(row[2]), row[3], row[4])


def _post(row: Any) -> Post:
    (pid, creator, account, network, caption, media, cta, title, subreddit, at, status, ref, created, updated,
     network_id, error, published, campaign, test, variant, urls, revision, command) = row  # fmt: skip
    return Post(
        id=pid,
        creator_id=creator,
        account_id=account,
        network=Network(network),
        content=Content(caption, tuple(media), cta, title, subreddit, tuple(urls)),
        publish_at=at,
        status=PostStatus(status),
        client_ref=ref,
        created_at=created,
        updated_at=updated,
        network_post_id=network_id,
        error=error,
        published_at=published,
        campaign_id=campaign,
        cta_test_id=test,
        variant=variant,
        revision=revision,
        command_id=command,
    )


class SqlMarketingRepository(SqlCommands, SqlVaultMedia, SqlLinksRepository, SqlEntitlements):
    # accounts ------------------------------------------------------------------------------------
    async def add_account(self, account: Account, sealed_credentials: bytes) -> bool:
        rows = await self._rows(
            "INSERT INTO social_accounts (id, creator_id, network, handle, credentials, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
            (account.id, account.creator_id, account.network.value, account.handle, sealed_credentials,
             account.created_at),
        )  # fmt: skip
        return bool(rows)

    async def account(self, creator_id: uuid.UUID, account_id: uuid.UUID) -> Account | None:
        rows = await self._rows(
            "SELECT id, creator_id, network, handle, created_at FROM social_accounts WHERE id = %s AND creator_id = %s",
            (account_id, creator_id),
        )
        return _account(rows[0]) if rows else None

    async def accounts(self, creator_id: uuid.UUID) -> list[Account]:
        rows = await self._rows(
            "SELECT id, creator_id, network, handle, created_at FROM social_accounts WHERE creator_id = %s "
            "ORDER BY network, lower(handle)",
            (creator_id,),
        )
        return [_account(r) for r in rows]

    async def delete_account(self, creator_id: uuid.UUID, account_id: uuid.UUID) -> None:
        await self._rows("DELETE FROM social_accounts WHERE id = %s AND creator_id = %s", (account_id, creator_id))

    async def sealed_credentials(self, creator_id: uuid.UUID, account_id: uuid.UUID) -> bytes | None:
        rows = await self._rows(
            "SELECT credentials FROM social_accounts WHERE id = %s AND creator_id = %s", (account_id, creator_id)
        )
        return bytes(rows[0][0]) if rows else None

    async def scheduled_posts_of(self, account_id: uuid.UUID) -> int:
        rows = await self._rows(
            "SELECT count(*) FROM posts WHERE account_id = %s AND status IN ('scheduled', 'publishing')",
            (account_id,),
        )
        return int(rows[0][0])

    # posts ---------------------------------------------------------------------------------------
    def _values(self, p: Post) -> tuple[Any, ...]:
        c = p.content
        return (p.id, p.creator_id, p.account_id, p.network.value, c.caption, list(c.media_ids), c.cta, c.title,
                c.subreddit, p.publish_at, p.status.value, p.client_ref, p.created_at, p.updated_at,
                p.network_post_id, p.error, p.published_at, p.campaign_id, p.cta_test_id, p.variant, list(c.media_urls),
                p.revision, p.command_id)  # fmt: skip

    async def add_post(self, post: Post) -> None:
        await self._rows(f"INSERT INTO posts ({_POST_COLUMNS}) VALUES ({', '.join(['%s'] * 23)})", self._values(post))

    async def post(self, creator_id: uuid.UUID, post_id: uuid.UUID, *, lock: bool = False) -> Post | None:
        rows = await self._rows(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE id = %s AND creator_id = %s" + (" FOR UPDATE" if lock else ""),
            (post_id, creator_id),
        )
        return _post(rows[0]) if rows else None

    async def save_post(self, post: Post) -> None:
        c = post.content
        await self._rows(
            "UPDATE posts SET caption = %s, media_ids = %s, media_urls = %s, cta = %s, title = %s, subreddit = %s, "
            "publish_at = %s, "
            "status = %s, updated_at = %s, network_post_id = %s, error = %s, published_at = %s, revision = %s WHERE id = %s",
            (c.caption, list(c.media_ids), list(c.media_urls), c.cta, c.title, c.subreddit, post.publish_at, post.status.value,
             post.updated_at, post.network_post_id, post.error, post.published_at, post.revision, post.id),
        )  # fmt: skip

    async def posts(
        self, creator_id: uuid.UUID, start: datetime, end: datetime, status: PostStatus | None, limit: int
    ) -> list[Post]:
        sql = f"SELECT {_POST_COLUMNS} FROM posts WHERE creator_id = %s AND publish_at >= %s AND publish_at < %s"
        params: list[Any] = [creator_id, start, end]
        if status is not None:
            sql += " AND status = %s"
            params.append(status.value)
        rows = await self._rows(sql + " ORDER BY publish_at, id LIMIT %s", (*params, limit))
        return [_post(r) for r in rows]

    async def post_by_command(self, creator_id: uuid.UUID, command_id: uuid.UUID) -> Post | None:
        rows = await self._rows(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE creator_id = %s AND command_id = %s", (creator_id, command_id)
        )
        return _post(rows[0]) if rows else None

    async def cta_test_posts(self, creator_id: uuid.UUID, test_id: uuid.UUID) -> list[Post]:
        rows = await self._rows(
            f"SELECT {_POST_COLUMNS} FROM posts WHERE creator_id = %s AND cta_test_id = %s ORDER BY variant",
            (creator_id, test_id),
        )
        return [_post(r) for r in rows]

    # queue slots ---------------------------------------------------------------------------------
    async def lock_account(self, creator_id: uuid.UUID, account_id: uuid.UUID) -> Account | None:
        rows = await self._rows(
            "SELECT id, creator_id, network, handle, created_at FROM social_accounts "
            "WHERE id = %s AND creator_id = %s FOR UPDATE",
            (account_id, creator_id),
        )
        return _account(rows[0]) if rows else None

    async def slots(self, account_id: uuid.UUID) -> tuple[str | None, tuple[Slot, ...]]:
        rows = await self._rows(
            "SELECT weekday, at, timezone FROM queue_slots WHERE account_id = %s ORDER BY weekday, at", (account_id,)
        )
        return (rows[0][2] if rows else None), tuple(Slot(int(r[0]), r[1]) for r in rows)

    async def set_slots(self, account: Account, timezone: str, slots: Sequence[Slot]) -> None:
        await self._rows("DELETE FROM queue_slots WHERE account_id = %s", (account.id,))
        if slots:
            await self._rows(
                "INSERT INTO queue_slots (account_id, creator_id, weekday, at, timezone) "
                "SELECT %s, %s, unnest(%s::smallint[]), unnest(%s::time[]), %s",
                (account.id, account.creator_id, [s.weekday for s in slots], [s.at for s in slots], timezone),
            )

    async def taken_times(self, account_id: uuid.UUID, start: datetime, end: datetime) -> set[datetime]:
        rows = await self._rows(
            "SELECT publish_at FROM posts WHERE account_id = %s AND publish_at >= %s AND publish_at <= %s "
            "AND status IN ('scheduled', 'publishing', 'published')",
            (account_id, start, end),
        )
        return {r[0] for r in rows}
