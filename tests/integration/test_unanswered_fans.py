"""Unanswered fans alert the people on shift, through the gateway on the real platform (threshold
15 s here, ``INBOX_UNANSWERED_AFTER_S``): Anna and the owner are on shift, Bob and the manager
Max are not; three fans write, Anna answers one with an offer and another with an approved reply;
the third waits. Anna and the owner each get one ``unanswered`` notice of their own naming that
conversation only (not the team's copy too), Max gets the team's, Bob nothing; the fan writing again
changes nothing (the same wait, alerted already)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from huntaze_testkit import Api, eventually
from huntaze_testkit.agency import invite, unlimited_plan


async def test_a_fan_left_waiting_alerts_the_chatter_on_shift_and_the_owner(gateway: Any) -> None:
    owner = await Api.sign_up(gateway, "Waiting")
    await unlimited_plan(owner)
    anna = await invite(owner, "chatter", "WaitAnna")
    bob = await invite(owner, "chatter", "WaitBob")
    max_ = await invite(owner, "manager", "WaitMax")
    creator = owner.creator_id
    key = await owner.post(f"/v1/creators/{creator}/connector-keys", json={"name": "extension"})
    assert key.status_code == 201, key.text
    connector = {"Authorization": f"Bearer {key.json()['key']}", "X-Creator-Id": creator}

    def as_(who: Api) -> dict[str, str]:
        return {**who.auth, "X-Creator-Id": creator}

    now = datetime.now(UTC)
    for who, started in ((owner, 20), (anna, 5)):
        shift = await owner.post(
            "/v1/org/shifts",
            json={"user_id": who.user_id, "creator_ids": [creator], "starts_at": (now - timedelta(minutes=started)).isoformat(),
                  "ends_at": (now + timedelta(hours=2)).isoformat()},
        )  # fmt: skip
        assert shift.status_code == 201, shift.text

    async def writes(fan: str, text: str) -> dict[str, Any]:
        body = {"fan": {"external_id": fan, "display_name": fan}, "text": text}
        posted = await gateway.post("/v1/inbox/messages", headers=connector, json=body)
        assert posted.status_code == 202, posted.text
        return dict(posted.json())

    answered_by_offer = await writes("wait_fan_1", "hi")
    answered_by_reply = await writes("wait_fan_2", "hello")
    left = await writes("wait_fan_3", "hey, you there?")

    made = await gateway.post(
        f"/v1/inbox/conversations/{answered_by_offer['conversation_id']}/offers",
        headers=as_(anna),
        json={"text": "for you", "price_cents": 1500, "media_ids": [str(uuid.uuid4())]},
    )
    assert made.status_code == 202, made.text

    async def draft_of(conversation: str) -> dict[str, Any] | None:
        found = await gateway.get(f"/v1/inbox/conversations/{conversation}", headers=as_(anna))
        assert found.status_code == 200, found.text
        drafts = [d for d in found.json()["drafts"] if d["status"] == "drafted"]
        return drafts[0] if drafts else None

    draft = await eventually(lambda: draft_of(answered_by_reply["conversation_id"]), timeout=30, interval=0.5)
    approved = await gateway.post(f"/v1/inbox/drafts/{draft['draft_id']}/approve", headers=as_(anna), json={})
    assert approved.status_code == 202, approved.text

    async def unanswered(who: Api) -> list[dict[str, Any]]:
        page = await gateway.get("/v1/notifications", headers=as_(who))
        assert page.status_code == 200, page.text
        return [n for n in page.json()["items"] if n["kind"] == "unanswered"]

    async def anna_told() -> list[dict[str, Any]] | None:
        return await unanswered(anna) or None

    (notice,) = await eventually(anna_told, timeout=90, interval=1)
    assert notice["data"]["conversation_ids"] == [left["conversation_id"]], notice
    assert notice["data"]["waiting"] == 1 and notice["data"]["on_shift"] == [owner.user_id, anna.user_id]
    assert notice["for_you"] is True
    assert notice["body"].startswith("1 fan has waited more than 15 s for an answer"), notice["body"]
    assert left["fan_id"] not in str(notice), "the notice names no fan"
    (own,) = await unanswered(owner)  # on shift: their own notice, not the team's copy as well
    assert own["for_you"] is True and own["data"]["alert_id"] == notice["data"]["alert_id"]
    (team,) = await unanswered(max_)
    assert team["for_you"] is False and team["data"]["alert_id"] == notice["data"]["alert_id"]
    assert await unanswered(bob) == [], "Bob is not on shift"

    await writes("wait_fan_3", "hello??")  # the same wait, alerted already
    await asyncio.sleep(20)
    assert [len(await unanswered(who)) for who in (anna, owner, max_, bob)] == [1, 1, 1, 0]
