"""X posts with media given as URLs, published at their time, once, through the gateway on the real
platform, against the local X API peer: the marketing worker fetches each medium from the peer's
media host, uploads it (``/2/media/upload/initialize``, ``/{id}/append``, ``/{id}/finalize``) and
attaches the media ids to the one post. A post with two images (both uploaded, byte for byte, and
attached); one whose upload X answers 503 first (retried: one post, one unused upload left on X);
one whose "image" is an HTML page (``failed``, naming the media host, nothing uploaded or posted).

The peer's media host is ``https://media.x-peer.test`` in the posts' URLs (what the API accepts: https,
no port) and answers on 127.0.0.1: the platform reaches it through
``MARKETING_MEDIA_FETCH_ORIGINS = x_peer.media_fetch_origins`` (conftest's service env), the one
exception to the adapter's SSRF rules, refused in production.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from huntaze_testkit import Api, eventually


async def test_x_posts_with_media_urls_are_published_once_with_their_media(gateway: Any, platform: Any) -> None:
    peer = platform.peers["x"]
    api = await Api.sign_up(gateway, "PublishingXMedia")
    run = uuid.uuid4().hex[:8]
    made = await api.post(
        "/v1/marketing/accounts",
        json={
            "network": "x",
            "handle": f"mia_{run}",
            "credentials": {"access_token": "x-token-mia", "user_id": "4242"},
        },
    )
    assert made.status_code == 201, made.text
    account = made.json()["account_id"]

    peer.media_files[f"{run}-page.jpg"] = b"<!doctype html><title>Moved</title>"  # served as image/jpeg
    planned = {
        "two": [f"{run}-1.jpg", f"{run}-2.png"],
        "flaky": [f"{run}-media-503-once.jpg"],
        "html": [f"{run}-3.jpg", f"{run}-page.jpg"],
    }
    at = datetime.now(UTC) + timedelta(seconds=2)
    posts = {}
    for name, files in planned.items():
        body = {"account_id": account, "caption": f"new set {run} {name}",
                "media_urls": [f"{peer.media_url}/{f}" for f in files], "publish_at": at.isoformat()}  # fmt: skip
        answer = await api.post("/v1/marketing/posts", json=body)
        assert answer.status_code == 201, answer.text  # X takes media URLs now
        posts[name] = answer.json()["post_id"]

    async def settled() -> dict[str, dict[str, Any]] | None:
        got = {n: (await api.get(f"/v1/marketing/posts/{p}")).json() for n, p in posts.items()}
        return got if all(p["status"] in ("published", "failed") for p in got.values()) else None

    final = await eventually(settled, timeout=90)
    for name in ("two", "flaky"):
        post = final[name]
        (tweet,) = [t for t in peer.by_text(f"new set {run}") if t["text"] == post["caption"]]  # once
        assert (post["status"], post["network_post_id"]) == ("published", tweet["id"]), (name, post)
        assert datetime.fromisoformat(post["published_at"]) >= at
        attached = [peer.media[m] for m in tweet["media_ids"]]
        assert [m["name"] for m in attached] == planned[name], (name, attached)
        assert [m["data"] for m in attached] == [peer.file(f) for f in planned[name]], "the bytes served, unchanged"
        assert all(m["user"] == "4242" and m["state"] == "succeeded" for m in attached)

    for file in (*planned["two"], *planned["flaky"]):
        assert len(peer.uploads(file)) == 1, f"{file}: uploaded once (a refused finalize is not an upload)"
    sessions = [m for m in peer.media.values() if m["name"] == planned["flaky"][0]]
    assert [m["state"] for m in sessions] == ["uploading", "succeeded"], "the 503'd one stays unused on X"

    html = final["html"]
    assert html["status"] == "failed", html
    assert peer.MEDIA_HOST in html["error"] and "is not a JPEG, PNG, GIF, WEBP or MP4" in html["error"], html
    assert not peer.uploads(f"{run}-3.jpg"), "a bad medium fails the post before anything is uploaded"
    assert len(peer.by_text(f"new set {run}")) == 2, "each post once; nothing for the refused medium"
