"""``python -m billing plans load FILE.json``: operators load their own plan catalogue (upsert, validated).

FILE.json holds a list of plans shaped like :class:`~billing.plans.PlanIn` (code, name, rank, public,
Stripe price ids, limits, features, display amounts in cents). Nothing is written unless every plan
is valid, price ids are unique, and a ``free`` plan exists afterwards. Plans are never deleted (an
organisation may be on one): make one non-public to stop selling it."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .plans import FREE, Plan, PlanIn


def parse(text: str) -> list[Plan]:
    plans = [Plan.of(p) for p in TypeAdapter(list[PlanIn]).validate_json(text)]
    prices = [x for p in plans for x in (p.stripe_price_monthly, p.stripe_price_yearly) if x]
    if len(prices) != len(set(prices)):
        raise ValueError("a Stripe price id is used twice")
    if len({p.code for p in plans}) != len(plans):
        raise ValueError("a plan code is used twice")
    return plans


class _Tx:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def driver(self) -> Any:
        return self.conn


async def load(database_url: str, plans: list[Plan]) -> list[str]:
    import psycopg

    from huntaze_service.db import libpq_url

    from .adapters.billing_sql import SqlBillingRepository

    async with await psycopg.AsyncConnection.connect(libpq_url(database_url)) as conn:
        repo = SqlBillingRepository(_Tx(conn))  # type: ignore[arg-type]
        await repo.upsert_plans(plans)
        codes = [p.code for p in await repo.plans()]
        if FREE not in codes:
            await conn.rollback()
            raise ValueError("the catalogue needs a 'free' plan (what a new organisation gets)")
        await conn.commit()
    return codes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m billing plans")
    parser.add_argument("action", choices=["load"])
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    from huntaze_service import load_settings

    from .config import BillingSettings

    try:
        plans = parse(args.file.read_text())
        codes = asyncio.run(load(load_settings(BillingSettings).database_url, plans))
    except (OSError, ValidationError, ValueError, json.JSONDecodeError) as exc:
        print(f"plans not loaded: {exc}", file=sys.stderr)
        return 2
    print(f"billing: {len(plans)} plan(s) loaded; the catalogue is now {', '.join(codes)}")
    return 0
