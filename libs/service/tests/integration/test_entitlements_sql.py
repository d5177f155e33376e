"""The entitlements read model's SQL (huntaze_service.entitlements.SqlEntitlements) on the real
PostgreSQL (the ``sandbox`` database): the fold (highest revision wins, creators replaced, an empty
list of creators), and the one-statement reservation under concurrency — 40 transactions on 40
connections reserving at once against a limit of 15 grant exactly 15, whatever the interleaving."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from huntaze_service.db import libpq_url
from huntaze_service.entitlements import DDL, DROP, Entitlement, SqlEntitlements

PERIOD = "2026-11"


class _Tx:
    """The one thing PlainSql needs of a transaction: its psycopg connection."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn

    async def driver(self) -> psycopg.AsyncConnection[Any]:
        return self.conn


@pytest.fixture(scope="module")
async def dsn(infra: Any) -> AsyncIterator[str]:
    url = libpq_url(infra.url("sandbox"))
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        for statement in DROP + DDL:
            await conn.execute(statement)
    yield url


def entitlement(org: uuid.UUID, revision: int, creators: list[uuid.UUID], ai: int | None = 25) -> Entitlement:
    return Entitlement(
        org,
        revision,
        "free",
        "Free",
        "free",
        {"ai_drafts_per_month": ai, "creators": 1, "seats": 2, "mass_messages_per_month": 4},
        {"autopilot": False, "stream_exports": False, "marketing_networks": ["x"]},
        {"ai_drafts_per_month": "Pro"},
        tuple(creators),
    )


async def in_tx(dsn: str, work: Any) -> Any:
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        async with conn.transaction():
            return await work(SqlEntitlements(_Tx(conn)))  # type: ignore[arg-type]


async def test_the_highest_revision_wins_and_replaces_the_creators(dsn: str) -> None:
    org, a, b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert await in_tx(dsn, lambda r: r.record_entitlement(entitlement(org, 2, [a, b])))
    assert not await in_tx(dsn, lambda r: r.record_entitlement(entitlement(org, 1, [a], ai=1)))
    found = await in_tx(dsn, lambda r: r.entitlement_for(b))
    assert (
        found.revision == 2
        and found.limits["ai_drafts_per_month"] == 25
        and found.upgrades == {"ai_drafts_per_month": "Pro"}
    )
    assert await in_tx(dsn, lambda r: r.record_entitlement(entitlement(org, 3, [b], ai=None)))
    assert await in_tx(dsn, lambda r: r.entitlement_for(a)) is None
    assert (await in_tx(dsn, lambda r: r.entitlement_for(b))).limits["ai_drafts_per_month"] is None
    assert await in_tx(dsn, lambda r: r.record_entitlement(entitlement(org, 4, [])))
    assert await in_tx(dsn, lambda r: r.entitlement_for(b)) is None


async def test_40_concurrent_reservations_at_a_limit_of_15_grant_exactly_15(dsn: str) -> None:
    org = uuid.uuid4()
    results = await asyncio.gather(
        *(in_tx(dsn, lambda r: r.reserve_quota(org, "ai_drafts", PERIOD, 15)) for _ in range(40))
    )
    granted = [r for r in results if r is not None]
    assert sorted(granted) == list(range(1, 16))
    assert await in_tx(dsn, lambda r: r.reserve_quota(org, "ai_drafts", PERIOD, 15)) is None
    await in_tx(dsn, lambda r: r.release_quota(org, "ai_drafts", PERIOD))
    assert await in_tx(dsn, lambda r: r.reserve_quota(org, "ai_drafts", PERIOD, 15)) == 15


async def test_a_limit_of_zero_refuses_and_no_limit_counts(dsn: str) -> None:
    org = uuid.uuid4()
    assert await in_tx(dsn, lambda r: r.reserve_quota(org, "mass_messages", PERIOD, 0)) is None
    assert [await in_tx(dsn, lambda r: r.reserve_quota(org, "ai_drafts", PERIOD, None)) for _ in range(3)] == [1, 2, 3]
    await in_tx(dsn, lambda r: r.release_quota(org, "mass_messages", PERIOD))  # nothing to give back: no error
