"""Automations through the gateway, on real Kafka and PostgreSQL: a new subscriber is welcomed by the
autopilot once (the message marked automated), a purchase makes a thank-you draft a person approves,
each trigger shows what it did; settings that cannot work are a clear 422. (Caps and quiet hours
move with time: their unit tests move the clock.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from huntaze_testkit import Api, eventually

WELCOME = "Welcome {name}! So glad you're here"
THANKS = "Thank you {name}, that made my day"


def settings(**limits: Any) -> dict[str, Any]:
    return {
        "automations": [
            {"kind": "welcome", "enabled": True, "text": WELCOME, "delay_minutes": 0, "autopilot": True},
            {"kind": "thank_you", "enabled": True, "text": THANKS, "min_amount_cents": 1000},
        ],
        # no quiet hours: the test runs at any hour of the day
        "limits": {"quiet_start": None, "quiet_end": None, "per_fan_per_day": 2, **limits},
    }


async def runs(api: Api, **params: str) -> list[dict[str, Any]]:
    answer = await api.get("/v1/inbox/automations/runs", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def test_the_autopilot_welcomes_once_and_a_thank_you_waits_for_approval(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "Automations")
    before = (await api.get("/v1/inbox/automations")).json()
    assert {a["kind"]: a["enabled"] for a in before["automations"]} == dict.fromkeys(
        ["welcome", "thank_you", "ppv_follow_up", "win_back", "re_engage"], False
    )
    put = await api.put("/v1/inbox/automations", json=settings())
    assert put.status_code == 200, put.text
    saved = {a["kind"]: a for a in put.json()["automations"]}
    assert saved["welcome"]["autopilot"] and saved["thank_you"]["min_amount_cents"] == 1000
    assert not saved["win_back"]["enabled"] and put.json()["limits"]["quiet_start"] is None

    now = datetime.now(UTC)
    fan = {"external_id": "auto_fan", "display_name": "Robin"}
    report = {
        "fan": fan,
        "status": "active",
        "started_at": now.isoformat(),
        "expires_at": (now + timedelta(days=30)).isoformat(),
        "auto_renew": True,
        "price_cents": 999,
        "currency": "USD",
    }
    for _ in range(2):  # the connector reports the same subscription twice
        answer = await api.post("/v1/revenue/subscriptions", json={"items": [report]})
        assert answer.status_code == 202 or answer.status_code == 200, answer.text

    async def welcomed() -> list[dict[str, Any]] | None:
        done = [r for r in await runs(api, kind="welcome") if r["status"] != "pending"]
        return done or None

    (run,) = await eventually(welcomed, timeout=30)
    assert run["status"] == "autosent" and run["reason"] is None, run

    async def conversation() -> dict[str, Any] | None:
        page = (await api.get("/v1/inbox/conversations")).json()["items"]
        if not page:
            return None
        found = (await api.get(f"/v1/inbox/conversations/{page[0]['conversation_id']}")).json()
        return found if any(m["direction"] == "out" for m in found["messages"]) else None

    thread = await eventually(conversation, timeout=30)
    (message,) = [m for m in thread["messages"] if m["direction"] == "out"]
    assert message["text"] == "Welcome Robin! So glad you're here" and message["automation"] == "welcome"

    # a tip of $15 (above $10): a thank-you draft, not sent until a person approves it
    tip = {
        "external_id": "auto-tip-1",
        "fan": fan,
        "type": "tip",
        "gross_cents": 1500,
        "currency": "USD",
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    assert (await api.post("/v1/revenue/transactions", json={"items": [tip]})).json()["accepted"] == 1

    async def thanked() -> dict[str, Any] | None:
        done = [r for r in await runs(api, kind="thank_you") if r["status"] == "drafted"]
        return done[0] if done else None

    run = await eventually(thanked, timeout=30)
    assert run["reason"] == "autopilot_off" and run["draft_id"]
    draft = (await api.get(f"/v1/inbox/drafts/{run['draft_id']}")).json()
    assert draft["automation"] == "thank_you" and draft["in_reply_to_message_id"] is None
    assert draft["text"] == "Thank you Robin, that made my day" and draft["status"] == "drafted"
    approved = await api.post(f"/v1/inbox/drafts/{run['draft_id']}/approve", json={})
    assert approved.status_code == 202, approved.text

    async def sent() -> bool:
        return (await api.get(f"/v1/inbox/drafts/{run['draft_id']}")).json()["status"] == "sent"

    await eventually(sent, timeout=30)
    thread = (await api.get(f"/v1/inbox/conversations/{thread['conversation_id']}")).json()
    automated = sorted(m["automation"] for m in thread["messages"] if m["direction"] == "out")
    assert automated == ["thank_you", "welcome"]
    # the same sale reported again, and a small one: no new run
    small = {**tip, "external_id": "auto-tip-2", "gross_cents": 500}
    await api.post("/v1/revenue/transactions", json={"items": [tip, small]})
    assert len(await runs(api, kind="welcome")) == 1 and len(await runs(api, kind="thank_you")) == 1


async def test_settings_that_cannot_work_answer_422(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "AutomationsBad")
    good = settings()
    cases: list[tuple[Any, str | None]] = [
        ({"automations": [{"kind": "birthday", "text": "hi"}]}, None),
        ({"automations": [{"kind": "welcome", "text": "hi", "delay_minutes": "soon"}]}, None),
        ({"automations": [{"kind": "welcome", "text": "x" * 5000}]}, None),
        ({"automations": [{"kind": "welcome", "text": "hi {nmae}"}]}, None),
        ({"automations": [{"kind": "welcome", "text": "pay me on venmo {name}"}]}, "restricted_word"),
        ({"automations": [{"kind": "thank_you", "text": "thanks"}]}, "invalid_automation"),
        ({**good, "limits": {"timezone": "Mars/Olympus"}}, "invalid_automation"),
        ({**good, "limits": {"quiet_start": "22:00", "quiet_end": None}}, "invalid_automation"),
        ({**good, "limits": {"per_fan_per_day": 0}}, None),
        (
            {"automations": [{"kind": "welcome", "text": "hi", "autopilot_segments": ["custom:nope"]}]},
            "unknown_segment",
        ),
        ({"automations": [good["automations"][0], good["automations"][0]]}, "invalid_automation"),
        ({"automations": [], "surprise": 1}, None),
        ([], None),
    ]
    for body, code in cases:
        answer = await api.put("/v1/inbox/automations", json=body)
        assert answer.status_code == 422, (body, answer.status_code, answer.text)
        if code is not None:
            assert answer.json()["code"] == code, (body, answer.text)
    assert (await api.get("/v1/inbox/automations/runs", params={"status": "nope"})).status_code == 422
    assert (await api.get("/v1/inbox/automations/runs", params={"limit": 0})).status_code == 422
    # nothing was saved by the refusals
    assert not any(a["enabled"] for a in (await api.get("/v1/inbox/automations")).json()["automations"])
