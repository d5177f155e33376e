"""Marketing accounts and scheduled posts through the gateway on the real platform: credentials go in
and never come out (nor are they readable in the database); posts are checked against their
network's rules when scheduled; edits and cancels only while scheduled; another creator's ids answer
404; bad input is a clear 4xx."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from huntaze_testkit import Api


async def test_accounts_and_posts(gateway: Any, infra: Any) -> None:
    api = await Api.sign_up(gateway, "Marketing")
    other = await Api.sign_up(gateway, "MarketingOther")
    secret = "EAAG-" + uuid.uuid4().hex
    made = await api.post(
        "/v1/marketing/accounts",
        json={
            "network": "instagram",
            "handle": "@mia.rose",
            "credentials": {"access_token": secret, "ig_user_id": "178"},
        },
    )
    assert made.status_code == 201, made.text
    account = made.json()
    assert account["handle"] == "mia.rose" and secret not in made.text and "credentials" not in account
    listed = (await api.get("/v1/marketing/accounts")).json()["items"]
    assert [a["account_id"] for a in listed] == [account["account_id"]] and secret not in str(listed)
    url = infra.database_urls["marketing"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        stored = conn.execute(
            "SELECT credentials FROM social_accounts WHERE id = %s", (account["account_id"],)
        ).fetchone()
    assert stored is not None and secret.encode() not in bytes(stored[0])
    again = await api.post(
        "/v1/marketing/accounts", json={"network": "instagram", "handle": "MIA.ROSE", "credentials": {"t": "x"}}
    )
    assert again.status_code == 409 and again.json()["code"] == "account_exists"

    at = datetime.now(UTC) + timedelta(hours=2)
    body = {
        "account_id": account["account_id"],
        "caption": "new set ✨ #beach",
        "media_ids": [str(uuid.uuid4())],
        "cta": "link in bio",
        "publish_at": at.isoformat(),
    }
    scheduled = await api.post("/v1/marketing/posts", json=body)
    assert scheduled.status_code == 201, scheduled.text
    post = scheduled.json()
    assert (post["status"], post["network"], post["cta"]) == ("scheduled", "instagram", "link in bio")
    window = {"from": datetime.now(UTC).isoformat(), "to": (at + timedelta(hours=1)).isoformat()}
    assert [p["post_id"] for p in (await api.get("/v1/marketing/posts", params=window)).json()["items"]] == [
        post["post_id"]
    ]
    moved = await api.patch(
        f"/v1/marketing/posts/{post['post_id']}", json={"publish_at": (at + timedelta(hours=1)).isoformat()}
    )
    assert moved.status_code == 200 and moved.json()["caption"] == "new set ✨ #beach"

    # another creator's ids are not found
    assert (await other.get(f"/v1/marketing/posts/{post['post_id']}")).status_code == 404
    assert (await other.post(f"/v1/marketing/posts/{post['post_id']}/cancel")).status_code == 404
    assert (await other.delete(f"/v1/marketing/accounts/{account['account_id']}")).status_code == 404
    assert (await other.post("/v1/marketing/posts", json=body)).status_code == 404
    assert (await other.get("/v1/marketing/posts", params=window)).json()["items"] == []

    in_use = await api.delete(f"/v1/marketing/accounts/{account['account_id']}")
    assert in_use.status_code == 409 and in_use.json()["code"] == "account_in_use"
    cancelled = await api.post(f"/v1/marketing/posts/{post['post_id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    twice = await api.post(f"/v1/marketing/posts/{post['post_id']}/cancel")
    assert twice.status_code == 409 and twice.json()["code"] == "not_cancellable"
    edit = await api.patch(f"/v1/marketing/posts/{post['post_id']}", json={"publish_at": at.isoformat()})
    assert edit.status_code == 409 and edit.json()["code"] == "not_editable"
    assert (await api.delete(f"/v1/marketing/accounts/{account['account_id']}")).status_code == 204


async def test_bad_posts_and_accounts_get_a_clear_4xx(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "MarketingBad")
    x = (
        await api.post("/v1/marketing/accounts", json={"network": "x", "handle": "mia", "credentials": {"token": "t"}})
    ).json()
    reddit = (
        await api.post("/v1/marketing/accounts", json={"network": "reddit", "handle": "mia", "credentials": {"t": "t"}})
    ).json()
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    good = {"account_id": x["account_id"], "caption": "hello", "publish_at": soon}
    cases: list[tuple[dict[str, Any], int, str | None]] = [
        ({**good, "caption": "a" * 281}, 422, "caption_too_long"),
        ({**good, "publish_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}, 422, "publish_at_in_past"),
        ({**good, "publish_at": "tomorrow"}, 422, None),
        ({**good, "publish_at": "2026-12-01T10:00:00"}, 422, None),  # no offset
        ({**good, "account_id": str(uuid.uuid4())}, 404, None),
        ({**good, "account_id": "nope"}, 422, None),
        ({**good, "media_ids": [str(uuid.uuid4())] * 2}, 422, "duplicate_media"),
        ({**good, "title": "a title"}, 422, "reddit_only"),
        ({**good, "account_id": reddit["account_id"], "title": "t"}, 422, "subreddit_required"),
        ({**good, "surprise": 1}, 422, None),
        ({**good, "caption": "nul\u0000"}, 422, None),
    ]
    for body, status, code in cases:
        answer = await api.post("/v1/marketing/posts", json=body)
        assert answer.status_code == status, (body, answer.text)
        if code:
            assert answer.json()["code"] == code, (body, answer.text)
    accounts = [
        {"network": "myspace", "handle": "mia", "credentials": {"t": "t"}},
        {"network": "x", "handle": "mia", "credentials": {}},
        {"network": "x", "handle": "two words", "credentials": {"t": "t"}},
        {"network": "x", "handle": "mia", "credentials": {"Bad-Key": "t"}},
        {"network": "x", "handle": "mia", "credentials": {"t": "x" * 5000}},
    ]
    for body in accounts:
        answer = await api.post("/v1/marketing/accounts", json=body)
        assert answer.status_code == 422, (body, answer.text)
    assert (await api.get(f"/v1/marketing/posts/{uuid.uuid4()}")).status_code == 404
    assert (await api.get("/v1/marketing/posts", params={"status": "lost"})).status_code == 422


async def test_queue_slots(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "Slots")
    made = await api.post(
        "/v1/marketing/accounts", json={"network": "x", "handle": "slots", "credentials": {"access_token": "t"}}
    )
    account = made.json()["account_id"]
    post = {"account_id": account, "caption": "queued", "publish_at": "next_slot"}
    none = await api.post("/v1/marketing/posts", json=post)
    assert none.status_code == 422 and none.json()["code"] == "no_slots"
    slots = {"timezone": "Europe/Paris", "slots": [{"weekday": d, "time": "09:00"} for d in range(7)]}
    put = await api.put(f"/v1/marketing/accounts/{account}/slots", json=slots)
    assert put.status_code == 200, put.text
    upcoming = put.json()["next_free"]
    assert len(upcoming) == 5 and upcoming == sorted(upcoming)
    taken = [(await api.post("/v1/marketing/posts", json=post)).json()["publish_at"] for _ in range(3)]
    assert [datetime.fromisoformat(t) for t in taken] == [datetime.fromisoformat(t) for t in upcoming[:3]]
    later = (await api.get(f"/v1/marketing/accounts/{account}/slots", params={"count": 2})).json()["next_free"]
    assert later == upcoming[3:5]
    for bad in ({"timezone": "Mars/Olympus", "slots": []}, {"timezone": "UTC", "slots": [{"weekday": 7, "time": "09:00"}]},
                {"timezone": "UTC", "slots": [{"weekday": 1, "time": "25:00"}]}, {"timezone": "UTC"}):  # fmt: skip
        assert (await api.put(f"/v1/marketing/accounts/{account}/slots", json=bad)).status_code == 422, bad
    assert (await api.post("/v1/marketing/posts", json={**post, "publish_at": "tomorrow"})).status_code == 422
    other = await Api.sign_up(gateway, "SlotsOther")
    assert (await other.get(f"/v1/marketing/accounts/{account}/slots")).status_code == 404
    assert (await other.post("/v1/marketing/posts", json=post)).status_code == 404
