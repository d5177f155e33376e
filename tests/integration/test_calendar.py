"""The one calendar through the gateway, on real Kafka and PostgreSQL: items of every kind from every
service show within 2 s of their events; a post and a mass message moved in the calendar change in
their own service (pending until it answers), a move the owner refuses comes back with its reason;
conflicts are flagged; a mass message's result is the net of its unlocks to the cent; another
creator's ids answer 404; bad input is a clear 4xx.

Events that no request of this test can make (an automation run, clicks, a finished mass message and
its unlocks, a mass message the inbox does not know) are published to Kafka as their producer would."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from huntaze_events import (
    REGISTRY,
    AutomationRunScheduled,
    EventPayload,
    LinkClicked,
    MassAudience,
    MassMessageScheduled,
    MassMessageSent,
    OfferBy,
    PpvUnlocked,
    kafka_headers,
    make_envelope,
)
from huntaze_testkit import Api, eventually


async def publish(kafka: str, creator_id: str, payloads: list[EventPayload]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all")
    await producer.start()
    try:
        for payload in payloads:
            spec = REGISTRY.for_model(type(payload))
            event = make_envelope(payload, producer=spec.producer, creator_id=uuid.UUID(creator_id))
            await producer.send_and_wait(
                spec.topic, event.to_json(), key=spec.key_for(payload).encode(), headers=kafka_headers(event)
            )
    finally:
        await producer.stop()


def hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


async def entries(api: Api, start: datetime, end: datetime, kinds: str | None = None) -> list[dict[str, Any]]:
    params = {"from": start.isoformat(), "to": end.isoformat(), **({"kinds": kinds} if kinds else {})}
    answer = await api.get("/v1/calendar", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


async def test_the_one_calendar(gateway: Any, infra: Any) -> None:
    api = await Api.sign_up(gateway, "Calendar")
    other = await Api.sign_up(gateway, "CalendarOther")
    now = datetime.now(UTC)
    start, end = hour(now) - timedelta(hours=1), hour(now) + timedelta(days=7)

    async def show(entry_id: str) -> dict[str, Any] | None:
        return next((e for e in await entries(api, start, end) if e["entry_id"] == entry_id), None)

    async def within_2s(entry_id: str) -> dict[str, Any]:
        began = time.monotonic()
        found = await eventually(lambda: show(entry_id), timeout=30, interval=0.05)
        took = time.monotonic() - began
        assert took < 2.0, f"{found['kind']} showed {took:.2f} s after its event"
        return found

    # a fan (never_spent) for a mass message's audience, and a social account for a post
    posted = await api.post(
        "/v1/inbox/messages", json={"fan": {"external_id": "cal_fan", "display_name": "Ann"}, "text": "hi"}
    )
    assert posted.status_code == 202, posted.text
    account = await api.post(
        "/v1/marketing/accounts",
        json={"network": "instagram", "handle": "@cal.mia", "credentials": {"access_token": "t", "ig_user_id": "1"}},
    )
    assert account.status_code == 201, account.text

    # a drop planned in the calendar itself: there at once
    drop_at = hour(now) + timedelta(days=5)
    drop = await api.post(
        "/v1/calendar/items", json={"kind": "drop", "title": "Beach set", "starts_at": drop_at.isoformat()}
    )
    assert drop.status_code == 201, drop.text
    drop_id = drop.json()["entry_id"]
    assert (drop.json()["status"], drop.json()["source"], drop.json()["revision"]) == ("planned", "content", 1)
    assert drop.json()["link"] == f"/v1/calendar/entries/{drop_id}"

    # a campaign (marketing), a shift (gateway), a post (marketing): each shows within 2 s
    campaign = await api.post(
        "/v1/marketing/campaigns",
        json={"name": "Winter", "cost_cents": 5000, "currency": "USD",
              "from": (now - timedelta(days=3)).isoformat(), "to": (now + timedelta(days=3)).isoformat()},
    )  # fmt: skip
    assert campaign.status_code == 201, campaign.text
    found = await within_2s(campaign.json()["campaign_id"])
    assert (found["kind"], found["source"], found["status"], found["title"]) == (
        "campaign",
        "marketing",
        "active",
        "Winter",
    )
    assert found["ends_at"] is not None  # a span, shown although it started before the window

    shift = await api.post(
        "/v1/org/shifts",
        json={"user_id": api.user_id, "creator_ids": [api.creator_id],
              "starts_at": (now + timedelta(hours=1)).isoformat(), "ends_at": (now + timedelta(hours=9)).isoformat()},
    )  # fmt: skip
    assert shift.status_code == 201, shift.text
    found = await within_2s(shift.json()["id"])
    assert (found["kind"], found["source"], found["status"]) == ("shift", "gateway", "scheduled")
    assert api.user_id in found["title"] and found["ends_at"] is not None

    post_at = hour(now) + timedelta(hours=3)
    post = await api.post(
        "/v1/marketing/posts",
        json={"account_id": account.json()["account_id"], "caption": "teaser ✨", "media_ids": [str(uuid.uuid4())],
              "publish_at": post_at.isoformat()},
    )  # fmt: skip
    assert post.status_code == 201, post.text
    post_id = post.json()["post_id"]
    found = await within_2s(post_id)
    assert (found["kind"], found["source"], found["network"], found["status"]) == (
        "post",
        "marketing",
        "instagram",
        "scheduled",
    )
    assert found["link"] == f"/v1/marketing/posts/{post_id}" and found["title"] == "teaser ✨"

    # a mass message (inbox), once the fan is in its segment
    mass_at = hour(now) + timedelta(hours=5)
    body = {"audience": {"segments": ["never_spent"]}, "text": "Hi {name}", "send_at": mass_at.isoformat()}

    async def created() -> Any:
        answer = await api.post("/v1/inbox/mass-messages", json=body)
        assert answer.status_code == 201, answer.text
        return answer

    mass_id = (await eventually(created, timeout=30)).json()["mass_message_id"]
    found = await within_2s(mass_id)
    assert (found["kind"], found["source"], found["segments"], found["status"]) == (
        "mass_message", "inbox", ["never_spent"], "scheduled"
    )  # fmt: skip

    # an automation's scheduled send, another mass message to the same segment 3 h later (one the
    # inbox does not know), and people's clicks at an hour 12 h away from the post's
    run_id, ghost_id = uuid.uuid4(), uuid.uuid4()
    ghost_at = mass_at + timedelta(hours=3)
    click_at = post_at + timedelta(hours=12)
    clicks: list[EventPayload] = [
        LinkClicked(link_id=uuid.uuid4(), click_id=uuid.uuid4(), clicked_at=click_at, network="instagram", bot=False)
        for _ in range(60)
    ]
    await publish(
        infra.kafka,
        api.creator_id,
        [
            AutomationRunScheduled(
                run_id=run_id, conversation_id=uuid.UUID(posted.json()["conversation_id"]), automation="welcome",
                fan_id=uuid.UUID(posted.json()["fan_id"]), fire_at=now + timedelta(minutes=30), status="scheduled",
            ),
            MassMessageScheduled(
                mass_message_id=ghost_id, revision=1, send_at=ghost_at, status="scheduled",
                audience=MassAudience(segments=["never_spent", "whales"]), text_excerpt="Second one",
                price_cents=1200, currency="USD", created_by=uuid.UUID(api.user_id),
            ),
            *clicks,
        ],
    )  # fmt: skip
    found = await within_2s(str(run_id))
    assert (found["kind"], found["source"], found["title"]) == ("automation", "inbox", "Automation: welcome")
    await within_2s(str(ghost_id))

    # conflicts: the two mass messages share never_spent 3 h apart; the drop has no teaser in the
    # 48 h before it; the post is outside the best hours the clicks tell
    async def flagged() -> dict[str, list[str]]:
        got = {e["entry_id"]: [c["code"] for c in e["conflicts"]] for e in await entries(api, start, end)}
        assert got[post_id] == ["outside_best_hours"], got
        return got

    got = await eventually(flagged, timeout=10)
    assert got[mass_id] == got[str(ghost_id)] == ["segment_overlap"]
    assert got[drop_id] == ["no_teaser"]
    near = await api.post(
        "/v1/calendar/items",
        json={"kind": "drop", "title": "Teased", "starts_at": (post_at + timedelta(hours=10)).isoformat()},
    )
    near_id = near.json()["entry_id"]
    assert [c["code"] for c in (await show(near_id) or {})["conflicts"]] == []  # the post teases it

    # kinds filter, ordered by start then id
    only = await entries(api, start, end, kinds="drop,campaign")
    assert [e["kind"] for e in only] == ["campaign", "drop", "drop"]
    everything = await entries(api, start, end)
    keys = [(datetime.fromisoformat(e["starts_at"]), e["entry_id"]) for e in everything]
    assert keys == sorted(keys)

    # moves: a post and a mass message round-trip through their own service
    new_post_at = post_at + timedelta(hours=1)
    moved = await api.post(f"/v1/calendar/entries/{post_id}/move", json={"starts_at": new_post_at.isoformat()})
    assert moved.status_code == 202, moved.text
    assert moved.json()["pending"] and datetime.fromisoformat(moved.json()["pending_starts_at"]) == new_post_at

    async def confirmed(entry_id: str, at: datetime) -> dict[str, Any] | None:
        e = await show(entry_id)
        return e if e and not e["pending"] and datetime.fromisoformat(e["starts_at"]) == at else None

    await eventually(lambda: confirmed(post_id, new_post_at), timeout=10, interval=0.1)
    in_marketing = (await api.get(f"/v1/marketing/posts/{post_id}")).json()
    assert datetime.fromisoformat(in_marketing["publish_at"]) == new_post_at

    new_mass_at = mass_at + timedelta(minutes=30)
    moved = await api.post(f"/v1/calendar/entries/{mass_id}/move", json={"starts_at": new_mass_at.isoformat()})
    assert moved.status_code == 202 and moved.json()["pending"], moved.text
    await eventually(lambda: confirmed(mass_id, new_mass_at), timeout=10, interval=0.1)
    in_inbox = (await api.get(f"/v1/inbox/mass-messages/{mass_id}")).json()
    assert datetime.fromisoformat(in_inbox["send_at"]) == new_mass_at

    # a move the owner refuses (the inbox does not know this one): back at its time, with the reason
    moved = await api.post(
        f"/v1/calendar/entries/{ghost_id}/move", json={"starts_at": (ghost_at + timedelta(hours=1)).isoformat()}
    )
    assert moved.status_code == 202, moved.text

    async def refused() -> dict[str, Any] | None:
        e = await show(str(ghost_id))
        return e if e and not e["pending"] and e["refusal"] else None

    back = await eventually(refused, timeout=10, interval=0.1)
    assert datetime.fromisoformat(back["starts_at"]) == ghost_at

    # what happened: the ghost mass message was sent and two copies bought — its result, to the cent
    def unlock(net: int) -> PpvUnlocked:
        return PpvUnlocked(
            offer_id=uuid.uuid4(), conversation_id=uuid.uuid4(), fan_id=uuid.uuid4(), transaction_id=uuid.uuid4(),
            price_cents=1200, gross_cents=1200, net_cents=net, currency="USD", media_ids=[uuid.uuid4()],
            by=OfferBy(user_id=uuid.UUID(api.user_id)), mass_message_id=ghost_id, offered_at=now, unlocked_at=now,
        )  # fmt: skip

    finished = MassMessageSent(
        mass_message_id=ghost_id, status="done", recipients=2, sent=2, failed=0, skipped=0, cancelled=0,
        price_cents=1200, currency="USD", media_ids=[], created_by=uuid.UUID(api.user_id),
        started_at=ghost_at, finished_at=ghost_at + timedelta(minutes=1),
    )  # fmt: skip
    await publish(infra.kafka, api.creator_id, [unlock(960), finished, unlock(1001)])

    async def result() -> dict[str, Any] | None:
        e = await show(str(ghost_id))
        return e if e and e["result"] == {"cents": 1961, "currency": "USD"} else None

    sent = await eventually(result, timeout=10, interval=0.1)
    assert sent["status"] == "sent" and sent["details"]["counts"]["sent"] == 2
    what_happened = await api.post(
        f"/v1/calendar/entries/{ghost_id}/move", json={"starts_at": (now + timedelta(days=1)).isoformat()}
    )
    assert what_happened.status_code == 409 and what_happened.json()["code"] == "already_final"

    # own items move at once and change by PATCH (revision + 1 each time)
    later = drop_at + timedelta(hours=2)
    moved = await api.post(f"/v1/calendar/entries/{drop_id}/move", json={"starts_at": later.isoformat()})
    assert moved.status_code == 200 and not moved.json()["pending"] and moved.json()["revision"] == 2
    done = await api.patch(f"/v1/calendar/items/{drop_id}", json={"status": "done", "title": "Beach set (shot)"})
    assert done.status_code == 200 and (done.json()["status"], done.json()["revision"]) == ("done", 3)
    assert datetime.fromisoformat(done.json()["starts_at"]) == later
    assert (await api.get(f"/v1/calendar/entries/{drop_id}")).json()["title"] == "Beach set (shot)"

    # what cannot move, and the tenant wall
    for entry_id in (campaign.json()["campaign_id"], shift.json()["id"], str(run_id)):
        refused_move = await api.post(f"/v1/calendar/entries/{entry_id}/move", json={"starts_at": later.isoformat()})
        assert refused_move.status_code == 422 and refused_move.json()["code"] == "not_movable", refused_move.text
    for path in (f"/v1/calendar/entries/{drop_id}", f"/v1/calendar/entries/{post_id}"):
        assert (await other.get(path)).status_code == 404
    assert (
        await other.post(f"/v1/calendar/entries/{post_id}/move", json={"starts_at": later.isoformat()})
    ).status_code == 404
    assert (await other.patch(f"/v1/calendar/items/{drop_id}", json={"title": "mine"})).status_code == 404
    assert await entries(other, start, end) == []
    assert (await api.patch(f"/v1/calendar/items/{post_id}", json={"title": "x"})).status_code == 404  # not an item
    assert (await api.get(f"/v1/calendar/entries/{uuid.uuid4()}")).status_code == 404

    # bad input: a clear 4xx with a code
    window = {"from": start.isoformat(), "to": end.isoformat()}
    bad_reads = [
        ({"to": end.isoformat()}, None),
        ({"from": "2026-12-01T00:00:00", "to": end.isoformat()}, None),  # no timezone
        ({"from": "yesterday", "to": end.isoformat()}, None),
        ({"from": end.isoformat(), "to": start.isoformat()}, "bad_window"),
        ({"from": start.isoformat(), "to": (start + timedelta(days=367)).isoformat()}, "window_too_long"),
        ({**window, "kinds": "post,meeting"}, "bad_kinds"),
        ({"from": "0001-01-01T00:00:00+00:00", "to": "0001-01-02T00:00:00+00:00"}, "bad_time"),
    ]
    for params, code in bad_reads:
        answer = await api.get("/v1/calendar", params=params)
        assert answer.status_code == 422, (params, answer.text)
        assert code is None or answer.json()["code"] == code, (params, answer.text)
    at = drop_at.isoformat()
    bad_items = [
        {"kind": "post", "title": "x", "starts_at": at},
        {"kind": "drop", "title": "", "starts_at": at},
        {"kind": "drop", "title": "x" * 201, "starts_at": at},
        {"kind": "drop", "title": "x", "starts_at": "2026-12-01T10:00:00"},
        {"kind": "drop", "title": "x", "starts_at": at, "ends_at": (drop_at - timedelta(hours=1)).isoformat()},
        {"kind": "drop", "title": "x", "starts_at": at, "media_ids": ["not-a-uuid"]},
        {"kind": "drop", "title": "x", "starts_at": at, "price": 3},
        {"kind": "drop", "title": 5, "starts_at": at},
    ]
    for item in bad_items:
        answer = await api.post("/v1/calendar/items", json=item)
        assert answer.status_code == 422, (item, answer.text)
    assert (
        await api.post("/v1/calendar/items", content=b"{not json", headers={"content-type": "application/json"})
    ).status_code == 422
    assert (await api.patch(f"/v1/calendar/items/{near_id}", json={})).json()["code"] == "empty_patch"
    assert (await api.patch(f"/v1/calendar/items/{near_id}", json={"status": "published"})).status_code == 422
    assert (await api.patch("/v1/calendar/items/not-a-uuid", json={"title": "x"})).status_code == 422
    assert (await api.post(f"/v1/calendar/entries/{near_id}/move", json={"starts_at": "soon"})).status_code == 422
    assert (await api.post(f"/v1/calendar/entries/{uuid.uuid4()}/move", json={"starts_at": at})).status_code == 404
    past = await api.post(
        f"/v1/calendar/entries/{post_id}/move", json={"starts_at": (now - timedelta(hours=1)).isoformat()}
    )
    assert past.status_code == 422 and past.json()["code"] == "in_the_past"
