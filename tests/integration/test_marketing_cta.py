"""A CTA test on the real platform: one post in two variants on X, each CTA line carrying its own
tracking link; both published once at their time with their link's URL; people click each variant's
link and some subscribe through it → per variant clicks, subscribers, conversion rate and revenue,
the probability that each is best, and the winner declared once the minimum sample is reached."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from huntaze_testkit import Api, eventually

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


async def test_the_variant_that_converts_best_wins(gateway: Any, platform: Any) -> None:
    peer = platform.peers["x"]
    api = await Api.sign_up(gateway, "CtaTest")
    run = uuid.uuid4().hex[:8]
    account = await api.post(
        "/v1/marketing/accounts",
        json={
            "network": "x",
            "handle": f"cta_{run}",
            "credentials": {"access_token": "x-token-mia", "user_id": "4242"},
        },
    )
    links = []
    for letter in "ab":
        made = await api.post(
            "/v1/marketing/links", json={"target_url": f"https://onlyfans.com/cta{run}/{letter}", "label": letter}
        )
        assert made.status_code == 201, made.text
        links.append(made.json())
    at = datetime.now(UTC) + timedelta(seconds=2)
    body = {
        "account_id": account.json()["account_id"],
        "caption": f"new set {run}",
        "publish_at": at.isoformat(),
        "cta_variants": [
            {"cta": "free trial today → {link}", "link_id": links[0]["link_id"]},
            {"cta": "my page, 50% off → {link}", "link_id": links[1]["link_id"]},
        ],
    }
    for bad in ({**body, "cta": "x"}, {**body, "cta_variants": body["cta_variants"][:1]},
                {**body, "cta_variants": [body["cta_variants"][0], {**body["cta_variants"][1], "link_id": links[0]["link_id"]}]}):  # fmt: skip
        assert (await api.post("/v1/marketing/posts", json=bad)).status_code == 422
    made = await api.post("/v1/marketing/posts", json=body)
    assert made.status_code == 201, made.text
    a = made.json()
    assert a["variant"] == "A" and a["cta"] == f"free trial today → {links[0]['url']}"
    again = await api.post("/v1/marketing/posts", json=body)  # the links serve this test's posts already
    assert again.status_code == 409 and again.json()["code"] == "link_in_use"

    async def published() -> list[dict[str, Any]] | None:
        test = (await api.get(f"/v1/marketing/posts/{a['post_id']}/cta")).json()
        return test["variants"] if all(v["status"] == "published" for v in test["variants"]) else None

    variants = await eventually(published, timeout=60)
    assert [v["variant"] for v in variants] == ["A", "B"]
    tweets = peer.by_text(f"new set {run}")
    assert sorted(t["text"].rsplit(" ", 1)[1] for t in tweets) == sorted(k["url"] for k in links), tweets

    async def clicks(code: str, n: int) -> None:
        for chunk in range(0, n, 40):
            answers = await asyncio.gather(
                *(gateway.get(f"/l/{code}", headers={"user-agent": PHONE}) for _ in range(min(40, n - chunk)))
            )
            assert all(x.status_code == 302 for x in answers)

    await clicks(links[0]["code"], 110)
    await clicks(links[1]["code"], 110)
    start = datetime.now(UTC).replace(microsecond=0)
    reports = [
        {"fan": {"external_id": f"cta_{run}_{i}", "display_name": f"F{i}"}, "status": "active",
         "started_at": start.isoformat(), "expires_at": (start + timedelta(days=30)).isoformat(), "auto_renew": True,
         "price_cents": 999, "currency": "USD",
         "via": {"tracking_link": links[0 if i < 4 else 1]["target_url"]}}
        for i in range(26)
    ]  # fmt: skip
    answer = await api.post("/v1/revenue/subscriptions", json={"items": reports})
    assert answer.json()["accepted"] == 26, answer.text

    async def decided() -> dict[str, Any] | None:
        test = (await api.get(f"/v1/marketing/posts/{variants[1]['post_id']}/cta")).json()
        return test if [v["results"]["subscribers"] for v in test["variants"]] == [4, 22] else None

    test = await eventually(decided, timeout=30, interval=0.3)
    assert [v["results"]["clicks"] for v in test["variants"]] == [110, 110]
    assert [v["results"]["conversion_rate"] for v in test["variants"]] == [round(4 / 110, 6), 0.2]
    assert test["variants"][1]["probability_best"] > 0.99 and test["min_clicks"] == 100
    assert test["winner"] == "B" and test["clicks_missing"] == 0 and "Bayesian" in test["method"]
    # captions for the next post, written by the AI within X's rules
    captions = await api.post("/v1/ai/captions", json={"network": "x", "brief": "Black Friday: 50% off my page"})
    assert captions.status_code == 200, captions.text
    suggestions = captions.json()["suggestions"]
    assert len(suggestions) == 3 and all(0 < s["length"] <= 280 for s in suggestions)
    assert all(s["cta"] and s["text"].startswith(s["caption"]) for s in suggestions)
    assert (await api.post("/v1/ai/captions", json={"network": "myspace", "brief": "x"})).status_code == 422
    assert (await api.post("/v1/ai/captions", json={"network": "x", "brief": "x" * 1001})).status_code == 422
    other = await Api.sign_up(gateway, "CtaOther")
    assert (await other.get(f"/v1/marketing/posts/{a['post_id']}/cta")).status_code == 404
