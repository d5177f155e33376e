"""Attribution end to end on the real platform: a campaign, a post and its tracking link; 1,000
people's clicks (and robots') through the gateway's public redirect; 100 subscribers the connector
reports as coming through the OnlyFans link, and their transactions (a refund among them) → clicks,
subscribers, conversion rate, revenue per post and campaign ROI exact to the cent — and equal to
what the fans service says those fans spent. Bad links and other creators' ids are refused."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from huntaze_testkit import Api, EventTap, eventually

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Instagram 305.0"
COST = 12_345


def net_of(gross: int) -> int:
    return gross - (gross * 20 + 50) // 100  # the fans service's default OnlyFans fee (20 %, to the cent)


async def post_all(api: Api, path: str, items: list[dict[str, Any]]) -> None:
    for i in range(0, len(items), 1000):
        answer = await api.post(path, json={"items": items[i : i + 1000]})
        assert answer.status_code == 200 and answer.json()["accepted"] == len(items[i : i + 1000]), answer.text


async def test_clicks_subscribers_and_their_money_per_link_post_and_campaign(gateway: Any, event_tap: EventTap) -> None:
    api = await Api.sign_up(gateway, "Attribution")
    other = await Api.sign_up(gateway, "AttributionOther")
    run = uuid.uuid4().hex[:8]
    start = datetime.now(UTC).replace(microsecond=0)
    campaign = await api.post(
        "/v1/marketing/campaigns",
        json={"name": "Black Friday", "cost_cents": COST, "currency": "USD", "from": start.isoformat(),
              "to": (start + timedelta(days=7)).isoformat()},
    )  # fmt: skip
    assert campaign.status_code == 201, campaign.text
    campaign_id = campaign.json()["campaign_id"]
    account = await api.post(
        "/v1/marketing/accounts",
        json={
            "network": "x",
            "handle": f"mia_{run}",
            "credentials": {"access_token": "x-token-mia", "user_id": "4242"},
        },
    )
    post = await api.post(
        "/v1/marketing/posts",
        json={"account_id": account.json()["account_id"], "caption": f"50% off {run}", "campaign_id": campaign_id,
              "publish_at": (start + timedelta(days=1)).isoformat()},
    )  # fmt: skip
    assert post.status_code == 201 and post.json()["campaign_id"] == campaign_id, post.text
    post_id = post.json()["post_id"]
    onlyfans_link = f"https://onlyfans.com/mia{run}/c1"
    made = await api.post(
        "/v1/marketing/links", json={"target_url": onlyfans_link, "label": "Black Friday post", "post_id": post_id}
    )
    assert made.status_code == 201, made.text
    link = made.json()
    assert link["url"].endswith(f"/l/{link['code']}") and link["onlyfans_link"] == onlyfans_link

    # bad links, unknown and other creators' ids: clear 4xx
    for target, code in (
        ("javascript:alert(1)", "invalid_target"),
        ("https://evil.example/", "target_not_allowed"),
        ("https://onlyfans.com@evil.example/", "invalid_target"),
        ("https://onlyfans.com.evil.example/x", "target_not_allowed"),
    ):
        refused = await api.post("/v1/marketing/links", json={"target_url": target, "label": "x"})
        assert refused.status_code == 422 and refused.json()["code"] == code, (target, refused.text)
    for body in ({"target_url": onlyfans_link + "x", "label": "x", "post_id": str(uuid.uuid4())},
                 {"target_url": onlyfans_link + "x", "label": "x", "campaign_id": str(uuid.uuid4())}):  # fmt: skip
        assert (await api.post("/v1/marketing/links", json=body)).status_code == 404
    for body in ({"target_url": 5, "label": "x"}, {"label": "x"}, {"target_url": onlyfans_link, "label": "x" * 500}):
        assert (await api.post("/v1/marketing/links", json=body)).status_code == 422
    taken = await api.post("/v1/marketing/links", json={"target_url": onlyfans_link + "/", "label": "again"})
    assert taken.status_code == 409 and taken.json()["code"] == "onlyfans_link_taken"
    assert (await other.get(f"/v1/marketing/links/{link['link_id']}")).status_code == 404
    assert (await other.get(f"/v1/marketing/campaigns/{campaign_id}")).status_code == 404
    assert (await other.get(f"/v1/marketing/posts/{post_id}/results")).status_code == 404
    theirs = {"target_url": f"https://onlyfans.com/other{run}", "label": "x"}
    assert (await other.post("/v1/marketing/links", json={**theirs, "post_id": post_id})).status_code == 404
    assert (await other.post("/v1/marketing/links", json={**theirs, "campaign_id": campaign_id})).status_code == 404
    bad_campaign = {"name": "x", "cost_cents": "12", "currency": "USD", "from": start.isoformat(),
                    "to": start.isoformat()}  # fmt: skip
    assert (await api.post("/v1/marketing/campaigns", json=bad_campaign)).status_code == 422
    assert (await gateway.get("/l/zzzzzzzz")).status_code == 404
    assert (await gateway.get("/l/not-a-code")).status_code == 404
    assert (await gateway.get(f"/v1/marketing/redirect/{link['code']}", headers=api.auth)).status_code == 404

    # 1,000 people's clicks from X, and 25 robots'
    async def click(i: int, agent: str) -> None:
        answer = await gateway.get(
            f"/l/{link['code']}",
            params={"utm_source": "x"} if i % 2 else {},
            headers={"user-agent": agent, "referer": "https://t.co/abc", "cf-ipcountry": "US"},
        )
        assert answer.status_code == 302 and answer.headers["location"] == onlyfans_link, answer.text
        assert answer.headers["cache-control"] == "no-store"

    for chunk in range(0, 1000, 50):
        await asyncio.gather(*(click(i, PHONE) for i in range(chunk, chunk + 50)))
    await asyncio.gather(*(click(i, "facebookexternalhit/1.1") for i in range(25)))

    # 100 subscribers through the link (written as the connector may: other case, trailing slash), 20 not
    fans = [{"external_id": f"att_{run}_{i}", "display_name": f"Fan {i}"} for i in range(120)]
    reports = [
        {"fan": fan, "status": "active", "started_at": start.isoformat(),
         "expires_at": (start + timedelta(days=30)).isoformat(), "auto_renew": True, "price_cents": 999,
         "currency": "USD",
         "via": {"tracking_link": onlyfans_link.upper() + "/" if i % 3 == 0 else onlyfans_link} if i < 100 else None}
        for i, fan in enumerate(fans)
    ]  # fmt: skip
    await post_all(api, "/v1/revenue/subscriptions", reports)
    sales = []
    for i, fan in enumerate(fans):
        for j, (kind, gross) in enumerate((("subscription", 999), ("tip", 500 + 37 * i), ("message", 1_299 + i))):
            sales.append({"external_id": f"att-{run}-{i}-{j}", "fan": fan, "type": kind, "gross_cents": gross,
                          "currency": "USD", "occurred_at": (start + timedelta(minutes=j)).isoformat()})  # fmt: skip
    sales.append({"external_id": f"att-{run}-refund", "fan": fans[7], "type": "refund", "gross_cents": -1_306,
                  "currency": "USD", "occurred_at": (start + timedelta(minutes=5)).isoformat()})  # fmt: skip
    await post_all(api, "/v1/revenue/transactions", sales)
    attributed = [s for s in sales if int(s["fan"]["external_id"].rsplit("_", 1)[1]) < 100]
    gross = sum(s["gross_cents"] for s in attributed)
    net = sum(net_of(s["gross_cents"]) if s["gross_cents"] > 0 else -net_of(-s["gross_cents"]) for s in attributed)

    async def counted() -> dict[str, Any] | None:
        body = (await api.get(f"/v1/marketing/links/{link['link_id']}")).json()["results"]
        usd = body["revenue"][0] if body["revenue"] else {}
        return body if body["subscribers"] == 100 and usd.get("gross_cents") == gross else None

    results = await eventually(counted, timeout=60, interval=0.5)
    assert (results["clicks"], results["bot_clicks"], results["subscribers"]) == (1000, 25, 100)
    assert results["conversion_rate"] == 0.1
    assert results["revenue"] == [{"currency": "USD", "gross_cents": gross, "net_cents": net}]

    per_post = (await api.get(f"/v1/marketing/posts/{post_id}/results")).json()
    assert per_post["total"] == results and [x["link_id"] for x in per_post["links"]] == [link["link_id"]]
    got = (await api.get(f"/v1/marketing/campaigns/{campaign_id}")).json()
    assert got["results"] == results and got["cost_cents"] == COST
    assert Decimal(got["roi"]) == (Decimal(net) / Decimal(COST)).quantize(Decimal("0.0001"))

    # analytics reads the same chain from the events: by campaign (with ROI), post and network
    window = {"from": (start - timedelta(hours=1)).isoformat(), "to": (start + timedelta(hours=1)).isoformat()}

    async def analysed(by: str) -> dict[str, Any] | None:
        body = (await api.get("/v1/analytics/conversion", params={**window, "by": by})).json()
        row = body["rows"][0] if body["rows"] else {}
        return body if row.get("subscribers") == 100 and row.get("net_cents") == net and row["clicks"] == 1000 else None

    by_campaign = await eventually(lambda: analysed("campaign"), timeout=30, interval=0.5)
    [row] = by_campaign["rows"]
    assert (row["key"], row["name"], row["cost_cents"], row["bot_clicks"]) == (campaign_id, "Black Friday", COST, 25)
    assert (row["gross_cents"], row["conversion_rate"], Decimal(row["roi"])) == (gross, 0.1, Decimal(got["roi"]))
    for by, key in (("post", post_id), ("network", "x"), ("link", link["link_id"])):
        [row] = (await api.get("/v1/analytics/conversion", params={**window, "by": by})).json()["rows"]
        assert (row["key"], row["subscribers"], row["gross_cents"], row["net_cents"]) == (key, 100, gross, net)
    assert (await api.get("/v1/analytics/conversion", params={"by": "fan"})).status_code == 422
    assert (await other.get("/v1/analytics/conversion", params={**window, "by": "post"})).json()["rows"] == []
    times = (await api.get("/v1/analytics/best-times", params={"network": "x"})).json()
    now_utc = datetime.now(UTC)
    assert len(times["cells"]) == 168 and sum(c["clicks"] for c in times["cells"]) == 1000
    assert sum(c["subscribers"] for c in times["cells"]) == 100 and times["best"]
    assert {(c["weekday"], c["hour"]) for c in times["best"]} <= {
        (t.weekday(), t.hour) for t in (start, start + timedelta(minutes=5), now_utc, now_utc - timedelta(hours=1))
    }
    assert (await api.get("/v1/analytics/best-times", params={"network": "myspace"})).status_code == 422

    # the same money as the fans service counts for those fans, to the cent
    lifetime = 0
    for fan in fans[:100]:
        page = (await api.get("/v1/fans", params={"q": fan["external_id"]})).json()["items"]
        lifetime += next(f for f in page if f["external_id"] == fan["external_id"])["spend"]["net_cents"]
    assert lifetime == net

    # the events analysts read: every click (robots marked), one conversion per fan
    clicked = await event_tap.wait_for("link.clicked.v1", lambda r: r.key == link["link_id"], count=1025)
    assert len(clicked) == 1025 and sum(r.value["payload"]["bot"] for r in clicked) == 25
    assert {r.value["payload"]["network"] for r in clicked} == {"x"}
    converted = await event_tap.wait_for(
        "conversion.tracked.v1", lambda r: r.value["payload"]["link_id"] == link["link_id"], count=100
    )
    assert len({r.key for r in converted}) == 100
    assert {(r.value["payload"]["post_id"], r.value["payload"]["campaign_id"]) for r in converted} == {
        (post_id, campaign_id)
    }
