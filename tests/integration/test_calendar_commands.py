"""The calendar's commands on the real platform (Kafka, PostgreSQL, every service as a process):
a post and a mass message made through the gateway are announced (post.scheduled,
massmessage.scheduled); a move published on Kafka as the content service would publish it changes the
item in its own service — seen through its API — and is confirmed with the command's id, once even
when the command is delivered twice; a move into the past is refused (post.command_refused,
massmessage.command_refused) and changes nothing; a post.requested published twice makes one post;
an automation run is announced (automation.run_scheduled) with its time, then with what it did."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from aiokafka import AIOKafkaProducer

from huntaze_events import (
    REGISTRY,
    AutomationRunScheduled,
    EventPayload,
    MassMessageCommandRefused,
    MassMessageMoveRequested,
    MassMessageScheduled,
    PostCommandRefused,
    PostMoveRequested,
    PostRequested,
    PostScheduled,
    kafka_headers,
    make_envelope,
)
from huntaze_testkit import Api, EventTap, Record, eventually


def topic(model: type[EventPayload]) -> str:
    return REGISTRY.for_model(model).topic


async def publish(kafka: str, creator_id: str, *payloads: EventPayload) -> list[uuid.UUID]:
    """Commands as the content service's outbox relay would publish them; returns their event ids."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all")
    await producer.start()
    ids = []
    try:
        for payload in payloads:
            spec = REGISTRY.for_model(type(payload))
            event = make_envelope(payload, producer="content", creator_id=uuid.UUID(creator_id))
            await producer.send_and_wait(
                spec.topic, event.to_json(), key=spec.key_for(payload).encode(), headers=kafka_headers(event)
            )
            ids.append(event.event_id)
    finally:
        await producer.stop()
    return ids


def payload(record: Record) -> dict[str, Any]:
    return record.value["payload"]


def about(field: str, value: object, **more: object) -> Any:
    def match(record: Record) -> bool:
        body = payload(record)
        return body.get(field) == str(value) and all(body.get(k) == v for k, v in more.items())

    return match


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_a_post_moved_in_the_calendar_moves_in_marketing_once(
    gateway: Any, infra: Any, event_tap: EventTap
) -> None:
    api = await Api.sign_up(gateway, "CalendarPosts")
    made = await api.post(
        "/v1/marketing/accounts",
        json={"network": "instagram", "handle": "@cal.mia", "credentials": {"access_token": "t", "ig_user_id": "1"}},
    )
    assert made.status_code == 201, made.text
    account_id = made.json()["account_id"]
    media = str(uuid.uuid4())
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    created = await api.post(
        "/v1/marketing/posts",
        json={"account_id": account_id, "caption": "new set ✨", "media_ids": [media], "publish_at": first.isoformat()},
    )
    assert created.status_code == 201, created.text
    post_id = created.json()["post_id"]
    (announced,) = await event_tap.wait_for(topic(PostScheduled), about("post_id", post_id))
    body = payload(announced)
    assert (body["revision"], body["status"], body["caption_excerpt"], body["media_ids"]) == (
        1,
        "scheduled",
        "new set ✨",
        [media],
    )
    assert announced.value["creator_id"] == api.creator_id and at(body["publish_at"]) == first

    # moved in the calendar: marketing moves it, and confirms with the command's id — once, though
    # the command arrives twice; a move into the past after it (same post, same partition) is refused
    later = first + timedelta(hours=3)
    move, past = uuid.uuid4(), uuid.uuid4()
    user = uuid.UUID(api.user_id)
    asked = PostMoveRequested(command_id=move, post_id=uuid.UUID(post_id), publish_at=later, requested_by=user)
    back = PostMoveRequested(
        command_id=past,
        post_id=uuid.UUID(post_id),
        publish_at=datetime.now(UTC) - timedelta(hours=1),
        requested_by=user,
    )
    await publish(infra.kafka, api.creator_id, asked, asked, back)
    (confirmed,) = await event_tap.wait_for(topic(PostScheduled), about("command_id", move))
    assert (payload(confirmed)["revision"], at(payload(confirmed)["publish_at"])) == (2, later)
    (refused,) = await event_tap.wait_for(topic(PostCommandRefused), about("command_id", past))
    assert payload(refused)["post_id"] == post_id and payload(refused)["reason"].startswith("publish_at_in_past")
    assert len(event_tap.select(topic(PostScheduled), about("command_id", move))) == 1
    shown = (await api.get(f"/v1/marketing/posts/{post_id}")).json()
    assert (shown["status"], at(shown["publish_at"])) == ("scheduled", later)

    # cancelled through the API: announced cancelled, next revision
    assert (await api.post(f"/v1/marketing/posts/{post_id}/cancel")).status_code == 200
    await event_tap.wait_for(topic(PostScheduled), about("post_id", post_id, revision=3, status="cancelled"))


async def test_a_requested_post_is_made_once_and_a_bad_one_is_refused(
    gateway: Any, infra: Any, event_tap: EventTap
) -> None:
    api = await Api.sign_up(gateway, "CalendarImport")
    made = await api.post(
        "/v1/marketing/accounts", json={"network": "x", "handle": "cal_import", "credentials": {"access_token": "t"}}
    )
    assert made.status_code == 201, made.text
    account_id = uuid.UUID(made.json()["account_id"])
    user = uuid.UUID(api.user_id)
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    command, unknown = uuid.uuid4(), uuid.uuid4()
    row = PostRequested(
        command_id=command, account_id=account_id, caption="Advent day 3 🎄", publish_at=when, requested_by=user
    )
    bad = PostRequested(command_id=unknown, account_id=uuid.uuid4(), caption="nope", publish_at=when, requested_by=user)
    event_ids = await publish(infra.kafka, api.creator_id, row, row, bad)
    (confirmed,) = await event_tap.wait_for(topic(PostScheduled), about("command_id", command))
    (refused,) = await event_tap.wait_for(topic(PostCommandRefused), about("command_id", unknown))
    assert payload(refused)["reason"].startswith("unknown_account") and payload(refused)["post_id"] is None
    url = infra.database_urls["marketing"].replace("postgresql+psycopg://", "postgresql://")

    def both_deliveries_handled() -> bool:
        with psycopg.connect(url) as conn:
            row_ = conn.execute(
                "SELECT count(*) FROM processed_events WHERE consumer = 'marketing.calendar_requests' "
                "AND event_id = ANY(%s)",
                (event_ids[:2],),
            ).fetchone()
        return row_ is not None and row_[0] == 2

    await eventually(both_deliveries_handled, timeout=30)
    window = {"from": datetime.now(UTC).isoformat(), "to": (when + timedelta(hours=1)).isoformat()}
    posts = (await api.get("/v1/marketing/posts", params=window)).json()["items"]
    assert [p["post_id"] for p in posts] == [payload(confirmed)["post_id"]]
    assert (posts[0]["caption"], at(posts[0]["publish_at"]), posts[0]["network"]) == ("Advent day 3 🎄", when, "x")
    assert len(event_tap.select(topic(PostScheduled), about("command_id", command))) == 1


async def test_a_mass_message_moved_in_the_calendar_moves_in_the_inbox_once(
    gateway: Any, infra: Any, event_tap: EventTap
) -> None:
    api = await Api.sign_up(gateway, "CalendarMass")
    posted = await api.post(
        "/v1/inbox/messages", json={"fan": {"external_id": "cal_fan", "display_name": "Cal"}, "text": "hey"}
    )
    assert posted.status_code == 202, posted.text
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    body = {"audience": {"segments": ["never_spent"]}, "text": "Hey {name}, tonight", "send_at": first.isoformat()}

    async def created() -> Any:
        answer = await api.post("/v1/inbox/mass-messages", json=body)
        assert answer.status_code in (201, 422), answer.text  # 422 until the fan's segment arrived
        return answer.json() if answer.status_code == 201 else None

    mass = await eventually(created, timeout=30)
    mass_id = mass["mass_message_id"]
    (announced,) = await event_tap.wait_for(topic(MassMessageScheduled), about("mass_message_id", mass_id))
    plan = payload(announced)
    assert (plan["revision"], plan["status"], plan["text_excerpt"], plan["audience"]["segments"]) == (
        1,
        "scheduled",
        "Hey {name}, tonight",
        ["never_spent"],
    )
    assert (plan["created_by"], plan["currency"], at(plan["send_at"])) == (api.user_id, "USD", first)

    later = first + timedelta(hours=4)
    move, past = uuid.uuid4(), uuid.uuid4()
    user = uuid.UUID(api.user_id)
    asked = MassMessageMoveRequested(
        command_id=move, mass_message_id=uuid.UUID(mass_id), send_at=later, requested_by=user
    )
    back = MassMessageMoveRequested(
        command_id=past,
        mass_message_id=uuid.UUID(mass_id),
        send_at=datetime.now(UTC) - timedelta(hours=1),
        requested_by=user,
    )
    await publish(infra.kafka, api.creator_id, asked, asked, back)
    (confirmed,) = await event_tap.wait_for(topic(MassMessageScheduled), about("command_id", move))
    assert (payload(confirmed)["revision"], at(payload(confirmed)["send_at"])) == (2, later)
    (refused,) = await event_tap.wait_for(topic(MassMessageCommandRefused), about("command_id", past))
    assert payload(refused)["reason"].startswith("send_at_in_past")
    assert len(event_tap.select(topic(MassMessageScheduled), about("command_id", move))) == 1
    shown = (await api.get(f"/v1/inbox/mass-messages/{mass_id}")).json()
    assert (shown["status"], at(shown["send_at"])) == ("scheduled", later)

    assert (await api.post(f"/v1/inbox/mass-messages/{mass_id}/cancel")).status_code == 200
    await event_tap.wait_for(
        topic(MassMessageScheduled), about("mass_message_id", mass_id, revision=3, status="cancelled")
    )


async def test_an_automation_run_is_announced_with_its_time_then_what_it_did(gateway: Any, event_tap: EventTap) -> None:
    api = await Api.sign_up(gateway, "CalendarRuns")
    welcome = {"kind": "welcome", "enabled": True, "text": "Welcome {name}!", "delay_minutes": 0, "autopilot": True}
    limits = {"quiet_start": None, "quiet_end": None}
    put = await api.put("/v1/inbox/automations", json={"automations": [welcome], "limits": limits})
    assert put.status_code == 200, put.text
    now = datetime.now(UTC)
    report = {
        "fan": {"external_id": "cal_run_fan", "display_name": "Robin"},
        "status": "active",
        "started_at": now.isoformat(),
        "expires_at": (now + timedelta(days=30)).isoformat(),
        "auto_renew": True,
        "price_cents": 999,
        "currency": "USD",
    }
    answer = await api.post("/v1/revenue/subscriptions", json={"items": [report]})
    assert answer.status_code in (200, 202), answer.text

    async def decided() -> dict[str, Any] | None:
        found = (await api.get("/v1/inbox/automations/runs", params={"kind": "welcome"})).json()["items"]
        return found[0] if found and found[0]["status"] != "pending" else None

    run = await eventually(decided, timeout=30)
    assert run["status"] == "autosent", run
    scheduled, sent = await event_tap.wait_for(topic(AutomationRunScheduled), about("run_id", run["run_id"]), count=2)
    assert [payload(scheduled)["status"], payload(sent)["status"]] == ["scheduled", "sent"]
    assert payload(scheduled)["automation"] == "welcome" and payload(scheduled)["fan_id"] == run["fan_id"]
    (conversation,) = (await api.get("/v1/inbox/conversations")).json()["items"]
    assert payload(scheduled)["conversation_id"] == payload(sent)["conversation_id"] == conversation["conversation_id"]
