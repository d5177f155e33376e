"""The plan in the inbox, through the gateway on real Kafka and PostgreSQL: mass messages beyond the
month's count answer 402 ``plan_limit`` naming the limit, the plan and the plan to upgrade to (one
cancelled before sending gives its unit back); switching an automation to autopilot on a plan
without it answers 402, and is accepted once the plan has it.

entitlement.changed is billing's event: the test produces it to Kafka itself, with revisions far
above billing's own for a new organisation, so that the test's entitlements win."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_testkit import Api, eventually
from huntaze_testkit.entitlements import publish_entitlement

REVISION = 1_000_000


async def entitled(infra: Any, api: Api, revision: int, **limits: Any) -> None:
    """Publishes the organisation's entitlements and waits until the inbox holds them."""
    org = uuid.UUID(api.organization_id)
    await publish_entitlement(infra.kafka, org, [uuid.UUID(api.creator_id)], revision=revision, **limits)
    engine = create_async_engine(infra.url("inbox"))
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


async def test_mass_messages_beyond_the_months_count_answer_402(gateway: Any, infra: Any) -> None:
    api = await Api.sign_up(gateway, "Limited")
    posted = await api.post(
        "/v1/inbox/messages", json={"fan": {"external_id": "f1", "display_name": "F"}, "text": "hi"}
    )
    assert posted.status_code == 202, posted.text
    body = {
        "audience": {"segments": ["never_spent"]},
        "text": "hi {name}",
        "send_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }

    async def known() -> bool:
        answer = await api.post("/v1/inbox/mass-messages/preview", json=body)
        return answer.status_code == 200 and answer.json()["recipients"] == 1

    await eventually(known, timeout=30)
    await entitled(infra, api, REVISION, mass_messages=2)
    first = await api.post("/v1/inbox/mass-messages", json=body)
    assert first.status_code == 201, first.text
    assert (await api.post("/v1/inbox/mass-messages", json=body)).status_code == 201
    refused = await api.post("/v1/inbox/mass-messages", json=body)
    assert refused.status_code == 402, refused.text
    assert refused.json()["code"] == "plan_limit"
    detail = refused.json()["detail"]
    assert "Free" in detail and "mass_messages_per_month" in detail and "Pro" in detail
    assert len((await api.get("/v1/inbox/mass-messages")).json()["items"]) == 2
    # cancelled before sending: the month's count gets it back
    mass_id = first.json()["mass_message_id"]
    assert (await api.post(f"/v1/inbox/mass-messages/{mass_id}/cancel")).status_code == 200
    assert (await api.post("/v1/inbox/mass-messages", json=body)).status_code == 201
    assert (await api.post("/v1/inbox/mass-messages", json=body)).status_code == 402
    # upgraded: more this month
    await entitled(infra, api, REVISION + 1, plan="pro", plan_name="Pro", mass_messages=60)
    assert (await api.post("/v1/inbox/mass-messages", json=body)).status_code == 201


async def test_autopilot_needs_a_plan_with_it(gateway: Any, infra: Any) -> None:
    api = await Api.sign_up(gateway, "Pilot")
    await entitled(infra, api, REVISION, autopilot=False)
    settings = {
        "automations": [{"kind": "welcome", "enabled": True, "text": "Welcome {name}!", "autopilot": True}],
        "limits": {"quiet_start": None, "quiet_end": None},
    }
    refused = await api.put("/v1/inbox/automations", json=settings)
    assert refused.status_code == 402, refused.text
    assert refused.json()["code"] == "plan_limit" and "autopilot" in refused.json()["detail"]
    assert not any(a["autopilot"] for a in (await api.get("/v1/inbox/automations")).json()["automations"])
    await entitled(infra, api, REVISION + 1, plan="pro", plan_name="Pro", autopilot=True)
    accepted = await api.put("/v1/inbox/automations", json=settings)
    assert accepted.status_code == 200, accepted.text
