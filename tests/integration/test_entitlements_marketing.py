"""The plan's networks in marketing, through the gateway on real Kafka and PostgreSQL: scheduling a
post on a network the organisation's plan does not include answers 402 ``plan_limit`` naming the
plan that has it, and nothing is scheduled; a network it includes is scheduled; an upgrade opens
the other. entitlement.changed is produced by the test (revisions above billing's)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_testkit import Api, eventually
from huntaze_testkit.entitlements import publish_entitlement

REVISION = 1_000_000
CDN = "https://cdn.mia.example"


async def entitled(infra: Any, api: Api, revision: int, **limits: Any) -> None:
    org = uuid.UUID(api.organization_id)
    await publish_entitlement(infra.kafka, org, [uuid.UUID(api.creator_id)], revision=revision, **limits)
    engine = create_async_engine(infra.url("marketing"))
    try:

        async def held() -> bool:
            async with engine.connect() as conn:
                found = (
                    await conn.execute(text("SELECT revision FROM entitlements WHERE organization_id = :o"), {"o": org})
                ).scalar_one_or_none()
            return found == revision

        await eventually(held, timeout=60)
    finally:
        await engine.dispose()


async def test_a_network_the_plan_does_not_include_answers_402_until_upgraded(gateway: Any, infra: Any) -> None:
    api = await Api.sign_up(gateway, "Networks")
    run = uuid.uuid4().hex[:8]
    made = await api.post(
        "/v1/marketing/accounts",
        json={"network": "tiktok", "handle": f"mia_{run}", "credentials": {"access_token": "tiktok-token-mia"}},
    )
    assert made.status_code == 201, made.text
    body = {
        "account_id": made.json()["account_id"],
        "caption": f"new set {run}",
        "media_urls": [f"{CDN}/{run}/teaser.mp4"],
        "publish_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    await entitled(infra, api, REVISION, networks=("instagram", "x"))
    refused = await api.post("/v1/marketing/posts", json=body)
    assert refused.status_code == 402, refused.text
    assert refused.json()["code"] == "plan_limit" and "tiktok" in refused.json()["detail"]
    assert "Pro" in refused.json()["detail"]
    assert (await api.get("/v1/marketing/posts")).json()["items"] == []
    await entitled(
        infra, api, REVISION + 1, plan="pro", plan_name="Pro", networks=("instagram", "tiktok", "x", "reddit")
    )
    accepted = await api.post("/v1/marketing/posts", json=body)
    assert accepted.status_code == 201, accepted.text
