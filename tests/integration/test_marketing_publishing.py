"""Posts published at their time, once, through the gateway on the real platform, against a local
X API peer that counts what it accepts: a plain post; one the peer answers 503 first (retried, one
post); one it answers 429 with retry-after first (waited, one post); an account whose token the peer
refuses (``failed`` with X's reason, nothing posted)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from huntaze_testkit import Api, eventually


async def test_posts_are_published_once_at_their_time(gateway: Any, platform: Any) -> None:
    peer = platform.peers["x"]
    api = await Api.sign_up(gateway, "Publishing")
    run = uuid.uuid4().hex[:8]

    async def account(handle: str, token: str) -> str:
        made = await api.post(
            "/v1/marketing/accounts",
            json={"network": "x", "handle": handle, "credentials": {"access_token": token, "user_id": "4242"}},
        )
        assert made.status_code == 201, made.text
        return str(made.json()["account_id"])

    good, revoked = await account(f"mia_{run}", "x-token-mia"), await account(f"old_{run}", "expired")
    at = datetime.now(UTC) + timedelta(seconds=2)
    posts = {}
    for name, account_id, caption in (
        ("plain", good, f"new set {run}"),
        ("flaky", good, f"new set {run} [503 once]"),
        ("limited", good, f"new set {run} [429 once]"),
        ("revoked", revoked, f"new set {run} revoked"),
    ):
        answer = await api.post(
            "/v1/marketing/posts", json={"account_id": account_id, "caption": caption, "publish_at": at.isoformat()}
        )
        assert answer.status_code == 201, answer.text
        posts[name] = answer.json()["post_id"]

    async def settled() -> dict[str, dict[str, Any]] | None:
        got = {n: (await api.get(f"/v1/marketing/posts/{p}")).json() for n, p in posts.items()}
        return got if all(p["status"] in ("published", "failed") for p in got.values()) else None

    final = await eventually(settled, timeout=90)
    for name in ("plain", "flaky", "limited"):
        post = final[name]
        (tweet,) = [t for t in peer.by_text(f"new set {run}") if t["text"] == post["caption"]]
        assert (post["status"], post["network_post_id"]) == ("published", tweet["id"]), (name, post)
        assert datetime.fromisoformat(post["published_at"]) >= at
    assert final["revoked"]["status"] == "failed" and "token was refused" in final["revoked"]["error"]
    assert len(peer.by_text(f"new set {run}")) == 3, "each post once; nothing for the refused token"


async def test_reddit_posts_are_submitted_once_and_a_bad_subreddit_fails_with_reddits_reason(
    gateway: Any, platform: Any
) -> None:
    peer = platform.peers["reddit"]
    api = await Api.sign_up(gateway, "PublishingReddit")
    run = uuid.uuid4().hex[:8]
    made = await api.post(
        "/v1/marketing/accounts",
        json={
            "network": "reddit",
            "handle": f"mia_{run}",
            "credentials": {"access_token": "reddit-token-mia", "username": "mia"},
        },
    )
    assert made.status_code == 201, made.text
    at = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    posts = {}
    for name, title, subreddit in (
        ("ok", f"New set {run}", "onlyfans101"),
        ("limited", f"New set {run} [ratelimit once]", "onlyfans101"),
        ("nowhere", f"New set {run} nowhere", "doesnotexist42"),
    ):
        body = {
            "account_id": made.json()["account_id"],
            "caption": "come see",
            "title": title,
            "subreddit": subreddit,
            "publish_at": at,
        }
        answer = await api.post("/v1/marketing/posts", json=body)
        assert answer.status_code == 201, answer.text
        posts[name] = answer.json()["post_id"]

    async def settled() -> dict[str, dict[str, Any]] | None:
        got = {n: (await api.get(f"/v1/marketing/posts/{p}")).json() for n, p in posts.items()}
        return got if all(p["status"] in ("published", "failed") for p in got.values()) else None

    final = await eventually(settled, timeout=90)
    mine = [p for p in peer.posts if run in p["title"]]
    assert sorted(p["title"] for p in mine) == sorted([f"New set {run}", f"New set {run} [ratelimit once]"])
    for name in ("ok", "limited"):
        (on_reddit,) = [p for p in mine if p["title"] == final[name]["title"]]
        assert (final[name]["status"], final[name]["network_post_id"]) == ("published", on_reddit["name"])
    assert final["nowhere"]["status"] == "failed" and "SUBREDDIT_NOEXIST" in final["nowhere"]["error"]
