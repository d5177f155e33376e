"""Every pod runs `python -m <service> migrate` before it starts (an init container on Kubernetes):
migrators of one database take turns on an advisory lock, so two rollouts never race on a schema."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import psycopg

from huntaze_service.db import libpq_url
from huntaze_service.migrations import MIGRATION_LOCK


async def test_a_migrator_waits_for_the_one_holding_the_lock_then_finds_the_database_at_head(infra: Any) -> None:
    url = infra.url("analytics")
    async with await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True) as holder:
        await holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        migrator = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "analytics", "migrate",
            env={**infra.env, "ANALYTICS_DATABASE_URL": url},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:

            async def waiting_for_the_lock() -> bool:
                row = await (
                    await holder.execute(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s",
                        (MIGRATION_LOCK & 0xFFFFFFFF,),
                    )
                ).fetchone()
                return bool(row and row[0])

            for _ in range(150):
                if await waiting_for_the_lock():
                    break
                assert migrator.returncode is None, (await migrator.communicate())[0]
                await asyncio.sleep(0.2)
            else:
                raise AssertionError("the migrator never waited for the lock")
            await asyncio.sleep(1)
            assert migrator.returncode is None, "the migrator went ahead while another held the lock"
        finally:
            await holder.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        output = (await asyncio.wait_for(migrator.communicate(), timeout=60))[0].decode()
    assert migrator.returncode == 0, output
    assert "database at head" in output
