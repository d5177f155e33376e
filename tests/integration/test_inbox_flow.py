"""The first flow end to end, through the public API, on real Kafka and PostgreSQL:
a fan's message → AI draft → a person approves (edits) → sent; and the fan's profile."""

from __future__ import annotations

import uuid
from typing import Any

from huntaze_testkit import Api, EventTap, eventually

ENVELOPE_FIELDS = {
    "event_id",
    "type",
    "version",
    "occurred_at",
    "producer",
    "creator_id",
    "correlation_id",
    "causation_id",
    "traceparent",
    "payload",
}


async def wait_for_draft(api: Api, conversation_id: str, status: str = "drafted") -> dict[str, Any]:
    async def drafted() -> dict[str, Any] | None:
        answer = await api.get(f"/v1/inbox/conversations/{conversation_id}")
        assert answer.status_code == 200, answer.text
        drafts = [d for d in answer.json()["drafts"] if d["status"] == status]
        return drafts[0] if drafts else None

    return await eventually(drafted, timeout=30)


async def test_fan_message_is_drafted_approved_and_sent(gateway: Any, event_tap: EventTap) -> None:
    api = await Api.sign_up(gateway, "Mia")
    traceparent = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"

    posted = await api.post(
        "/v1/inbox/messages",
        json={
            "fan": {"external_id": "of_9001", "display_name": "jake_88"},
            "text": "hey gorgeous! do you do custom videos? how much?",
        },
        headers={"traceparent": traceparent},
    )
    assert posted.status_code == 202, posted.text
    accepted = posted.json()
    conversation_id, message_id = accepted["conversation_id"], accepted["message_id"]

    draft = await wait_for_draft(api, conversation_id)
    assert draft["in_reply_to_message_id"] == message_id
    assert draft["provider"] == "offline"
    assert "Jake" in draft["text"], draft["text"]
    assert "custom" in draft["text"].lower(), draft["text"]

    edited = draft["text"] + " Tell me what you have in mind!"
    approved = await api.post(f"/v1/inbox/drafts/{draft['draft_id']}/approve", json={"text": edited})
    assert approved.status_code == 202, approved.text
    assert approved.json()["status"] in ("approved", "sent")

    sent = await wait_for_draft(api, conversation_id, status="sent")
    assert sent["text"] == edited and sent["edited"] is True and sent["sent_at"]
    conversation = (await api.get(f"/v1/inbox/conversations/{conversation_id}")).json()
    directions = [(m["direction"], m["text"]) for m in conversation["messages"]]
    assert directions == [("in", "hey gorgeous! do you do custom videos? how much?"), ("out", edited)]

    # The four events, each with the full envelope, keyed by the conversation.
    mine = lambda r: r.value is not None and r.value["creator_id"] == api.creator_id  # noqa: E731
    received = (await event_tap.wait_for("message.received.v1", mine))[0].value
    drafted = (await event_tap.wait_for("reply.drafted.v1", mine))[0].value
    approved_ev = (await event_tap.wait_for("reply.approved.v1", mine))[0].value
    sent_ev = (await event_tap.wait_for("reply.sent.v1", mine))[0].value
    for event, producer in [(received, "inbox"), (drafted, "ai"), (approved_ev, "inbox"), (sent_ev, "inbox")]:
        assert ENVELOPE_FIELDS <= set(event), event
        assert event["producer"] == producer and event["version"] == 1
        assert event["occurred_at"].endswith("Z") or event["occurred_at"].endswith("+00:00")
    for topic in ("message.received.v1", "reply.drafted.v1", "reply.approved.v1", "reply.sent.v1"):
        record = event_tap.select(topic, mine)[0]
        assert record.key == conversation_id
        assert record.headers["event_id"] == record.value["event_id"]
    assert received["payload"]["message_id"] == message_id
    assert received["traceparent"].split("-")[1] == traceparent.split("-")[1]
    # causality: the draft was caused by the message; the send by the approval
    assert drafted["causation_id"] == received["event_id"]
    assert drafted["correlation_id"] == received["correlation_id"]
    assert drafted["payload"]["in_reply_to_message_id"] == message_id
    assert approved_ev["payload"]["text"] == edited and approved_ev["payload"]["edited"] is True
    assert approved_ev["payload"]["approved_by"] == api.user_id
    assert sent_ev["causation_id"] == approved_ev["event_id"]
    # the approval request started its own trace (no traceparent sent); the send continues it
    assert approved_ev["traceparent"] and drafted["traceparent"]
    assert sent_ev["traceparent"].split("-")[1] == approved_ev["traceparent"].split("-")[1]
    assert sent_ev["payload"]["draft_id"] == draft["draft_id"]

    # The fans service built the profile from the same message.received (a second consumer).
    fan_id = accepted["fan_id"]
    fan = await eventually(lambda: _fan(api, fan_id), timeout=30)
    assert fan["display_name"] == "jake_88" and fan["external_id"] == "of_9001"
    assert fan["message_count"] == 1
    assert fan["first_message_at"] == fan["last_message_at"]
    listed = (await api.get("/v1/fans")).json()
    assert [f["fan_id"] for f in listed["items"]] == [fan_id]
    profile = (await event_tap.wait_for("fan.profile_updated.v1", mine))[0]
    assert profile.key == fan_id and profile.value["causation_id"] == received["event_id"]


async def _fan(api: Api, fan_id: str) -> dict[str, Any] | None:
    answer = await api.get(f"/v1/fans/{fan_id}")
    return answer.json() if answer.status_code == 200 else None


async def test_conversation_keeps_history_and_counts_and_persona_shapes_drafts(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "Lena")
    persona = await api.put(
        "/v1/ai/persona",
        json={"tone": "professional", "emoji_use": "none", "boundaries": ["no meetups"], "signature": "- Lena"},
    )
    assert persona.status_code == 200, persona.text
    assert (await api.get("/v1/ai/persona")).json()["is_default"] is False

    meetup_message = {
        "fan": {"external_id": "of_42", "display_name": "Sam"},
        "text": "can we meet up this weekend?",
        "sent_at": "2026-11-20T10:00:00Z",
        "external_id": "m-1",
    }
    first = await api.post("/v1/inbox/messages", json=meetup_message)
    conversation_id = first.json()["conversation_id"]
    # the connector retries the same message: stored once
    retry = await api.post("/v1/inbox/messages", json=meetup_message)
    assert retry.status_code == 202 and retry.json()["duplicate"] is True
    assert retry.json()["message_id"] == first.json()["message_id"]
    second = await api.post(
        "/v1/inbox/messages",
        json={
            "fan": {"external_id": "of_42", "display_name": "Sammy"},
            "text": "thanks for the reply!",
            "sent_at": "2026-11-20T10:05:00Z",
        },
    )
    assert second.json()["conversation_id"] == conversation_id

    async def two_drafts() -> list[dict[str, Any]] | None:
        body = (await api.get(f"/v1/inbox/conversations/{conversation_id}")).json()
        return body["drafts"] if len(body["drafts"]) == 2 else None

    drafts = await eventually(two_drafts, timeout=30)
    meetup = next(d for d in drafts if d["in_reply_to_message_id"] == first.json()["message_id"])
    assert meetup["text"].endswith("- Lena"), meetup["text"]
    lowered = meetup["text"].lower()
    assert "babe" not in lowered and "sure, let's meet" not in lowered

    conversations = (await api.get("/v1/inbox/conversations")).json()["items"]
    assert len(conversations) == 1
    assert conversations[0]["message_count"] == 2 and conversations[0]["pending_drafts"] == 2
    assert conversations[0]["fan"]["display_name"] == "Sammy"
    fan = await eventually(lambda: _counted(api, first.json()["fan_id"], 2), timeout=30)
    assert fan["display_name"] == "Sammy"
    assert fan["first_message_at"].startswith("2026-11-20T10:00")
    assert fan["last_message_at"].startswith("2026-11-20T10:05")


async def _counted(api: Api, fan_id: str, count: int) -> dict[str, Any] | None:
    fan = await _fan(api, fan_id)
    return fan if fan and fan["message_count"] == count else None


async def test_a_person_asks_for_another_draft_and_it_supersedes_the_first(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "Regen")
    posted = await api.post(
        "/v1/inbox/messages",
        json={"fan": {"external_id": "of_regen", "display_name": "jake_88"}, "text": "hey! what's new this week?"},
    )
    conversation_id = posted.json()["conversation_id"]
    first = await wait_for_draft(api, conversation_id)
    asked = await api.post(f"/v1/inbox/drafts/{first['draft_id']}/regenerate", json={"instruction": "shorter"})
    assert asked.status_code == 202, asked.text

    async def superseding() -> dict[str, Any] | None:
        drafts = (await api.get(f"/v1/inbox/conversations/{conversation_id}")).json()["drafts"]
        new = [d for d in drafts if d["supersedes"] == first["draft_id"]]
        return new[0] if new else None

    new = await eventually(superseding, timeout=30)
    assert new["status"] == "drafted" and new["draft_id"] != first["draft_id"]
    old = (await api.get(f"/v1/inbox/drafts/{first['draft_id']}")).json()
    assert old["status"] == "superseded" and old["superseded_by"] == new["draft_id"]
    refused = await api.post(f"/v1/inbox/drafts/{first['draft_id']}/approve")
    assert refused.status_code == 409, refused.text
    for bad in ({"instruction": ""}, {"instruction": "x" * 501}, {"instruction": 3}, {"other": 1}):
        answer = await api.post(f"/v1/inbox/drafts/{new['draft_id']}/regenerate", json=bad)
        assert answer.status_code == 422, (bad, answer.text)
    assert (await api.post(f"/v1/inbox/drafts/{uuid.uuid4()}/regenerate")).status_code == 404
