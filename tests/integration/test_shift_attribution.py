"""Who did it, on which shift: through the gateway on the real platform, a chatter on shift approves
a draft and makes an offer — both record their shift (the gateway puts it in the internal token);
the owner, on no shift, records none; once the shift is deleted, the chatter's next offer records
none either."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from huntaze_testkit import eventually
from huntaze_testkit.agency import build_agency


async def test_approvals_and_offers_record_the_shift_the_person_was_on(gateway: Any) -> None:
    agency = await build_agency(gateway, "Shifts", with_inbox=False)
    owner, creator = agency.owner, agency.owner.creator_id
    chatter = agency.headers("chatter")
    now = datetime.now(UTC)
    scheduled = await owner.post(
        "/v1/org/shifts",
        json={
            "user_id": agency.ids["user_id"],
            "creator_ids": [creator],
            "starts_at": (now - timedelta(minutes=1)).isoformat(),
            "ends_at": (now + timedelta(hours=2)).isoformat(),
        },
    )
    assert scheduled.status_code == 201, scheduled.text
    shift = scheduled.json()["id"]

    posted = await gateway.post(
        "/v1/inbox/messages",
        headers=agency.headers("connector"),
        json={"fan": {"external_id": "shift_fan", "display_name": "Sam"}, "text": "hi there"},
    )
    assert posted.status_code == 202, posted.text
    conversation = posted.json()["conversation_id"]

    async def drafted() -> str | None:
        body = (await gateway.get(f"/v1/inbox/conversations/{conversation}", headers=chatter)).json()
        return body["drafts"][0]["draft_id"] if body.get("drafts") else None

    draft = await eventually(drafted, timeout=60)
    approved = await gateway.post(f"/v1/inbox/drafts/{draft}/approve", headers=chatter, json={})
    assert approved.status_code == 202, approved.text
    assert approved.json()["approved_shift_id"] == shift and approved.json()["approved_by"] == agency.ids["user_id"]

    async def offer(headers: dict[str, str]) -> httpx.Response:
        body = {"text": "for you", "price_cents": 1500, "media_ids": [str(uuid.uuid4())]}
        made = await gateway.post(f"/v1/inbox/conversations/{conversation}/offers", headers=headers, json=body)
        assert made.status_code == 202, made.text
        return made

    assert (await offer(chatter)).json()["shift_id"] == shift
    assert (await offer(agency.headers("owner"))).json()["shift_id"] is None, "the owner is on no shift"
    deleted = await owner.delete(f"/v1/org/shifts/{shift}")
    assert deleted.status_code == 204
    assert (await offer(chatter)).json()["shift_id"] is None, "off shift once it is deleted"
