"""Instagram and TikTok posts published at their time, once, through the gateway on the real
platform, against local Graph API and Content Posting API peers that count what they accept: on
Instagram an image and a carousel (two images and a video), on TikTok a photo post and a video; on
each, one post the peer answers 503 first (retried: one post), one it answers 429 with retry-after
first (waited for: one post), and an account whose token has expired (``failed`` with the network's
reason, nothing posted)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from huntaze_testkit import Api, eventually

CDN = "https://cdn.mia.example"


async def test_instagram_and_tiktok_posts_are_published_once_at_their_time(gateway: Any, platform: Any) -> None:
    api = await Api.sign_up(gateway, "PublishingMedia")
    run = uuid.uuid4().hex[:8]

    async def account(network: str, handle: str, credentials: dict[str, str]) -> str:
        made = await api.post(
            "/v1/marketing/accounts", json={"network": network, "handle": handle, "credentials": credentials}
        )
        assert made.status_code == 201, made.text
        return str(made.json()["account_id"])

    ig_user = "17841400000000042"
    ig = await account("instagram", f"mia_{run}", {"access_token": "ig-token-mia", "ig_user_id": ig_user})
    ig_old = await account("instagram", f"old_{run}", {"access_token": "expired", "ig_user_id": ig_user})
    tt = await account("tiktok", f"mia_{run}", {"access_token": "tiktok-token-mia"})
    tt_old = await account("tiktok", f"old_{run}", {"access_token": "expired"})
    photo, photo2, video = f"{CDN}/{run}/1.jpg", f"{CDN}/{run}/2.jpg", f"{CDN}/{run}/teaser.mp4"
    at = datetime.now(UTC) + timedelta(seconds=2)
    planned = {
        ("instagram", "image"): (ig, [photo]),
        ("instagram", "carousel"): (ig, [photo, video, photo2]),
        ("instagram", "[503 once]"): (ig, [photo]),
        ("instagram", "[429 once]"): (ig, [photo]),
        ("instagram", "expired"): (ig_old, [photo]),
        ("tiktok", "photos"): (tt, [photo, photo2]),
        ("tiktok", "video"): (tt, [video]),
        ("tiktok", "[503 once]"): (tt, [photo]),
        ("tiktok", "[429 once]"): (tt, [video]),
        ("tiktok", "expired"): (tt_old, [video]),
    }
    posts = {}
    for (network, name), (account_id, urls) in planned.items():
        body = {"account_id": account_id, "caption": f"new set {run} {name}", "media_urls": urls,
                "publish_at": at.isoformat()}  # fmt: skip
        answer = await api.post("/v1/marketing/posts", json=body)
        assert answer.status_code == 201, answer.text
        posts[network, name] = answer.json()["post_id"]

    async def settled() -> dict[tuple[str, str], dict[str, Any]] | None:
        got = {key: (await api.get(f"/v1/marketing/posts/{p}")).json() for key, p in posts.items()}
        return got if all(p["status"] in ("published", "failed") for p in got.values()) else None

    final = await eventually(settled, timeout=90)
    peers = {"instagram": platform.peers["instagram"], "tiktok": platform.peers["tiktok"]}
    on_network = {network: peer.by_text(f"new set {run}") for network, peer in peers.items()}
    there = {}
    for (network, name), post in final.items():
        if name == "expired":
            assert post["status"] == "failed" and "token was refused" in post["error"], post
            continue
        (there[network, name],) = [p for p in on_network[network] if p["caption"] == post["caption"]]  # once
        assert (post["status"], post["network_post_id"]) == ("published", str(there[network, name]["id"])), post
        assert datetime.fromisoformat(post["published_at"]) >= at
        assert there[network, name]["media_urls"] == planned[network, name][1]
    assert len(on_network["instagram"]) == 4 and len(on_network["tiktok"]) == 4, "each post once, none expired"
    assert "Session has expired" in final["instagram", "expired"]["error"]
    assert "access token is invalid" in final["tiktok", "expired"]["error"]
    assert [there["instagram", n]["media_type"] for n in ("image", "carousel")] == ["IMAGE", "CAROUSEL_ALBUM"]
    assert [there["tiktok", n]["kind"] for n in ("photos", "video", "[429 once]")] == ["photo", "video", "video"]

    def attempts(network: str, name: str) -> int:
        """Requests that carried the post's caption to its network."""
        caption, requests = f"new set {run} {name}", peers[network].server.requests
        if network == "instagram":
            return sum(
                parse_qs(r["raw"].decode()).get("caption") == [caption] for r in requests if r["method"] == "POST"
            )
        return sum(
            caption in ((r["body"] or {}).get("post_info") or {}).values() for r in requests if r["method"] == "POST"
        )

    for network, name in there:  # the faulted ones twice (refused, then accepted), the others once
        assert attempts(network, name) == (2 if "once]" in name else 1), (network, name)
    for network in peers:  # the 429's retry-after (2 s) was waited for
        limited = final[network, "[429 once]"]
        assert datetime.fromisoformat(limited["published_at"]) >= at + timedelta(seconds=2), limited
