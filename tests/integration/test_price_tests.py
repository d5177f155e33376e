"""Price tests through the gateway on the real platform: a test of two prices starts (one at a time;
bad bodies are a clear 422); a mass message naming it offers each of 80 fans the price of their arm
(huntaze_events.arm_of, the same split the ai reads out with); the connector reports unlocks — every
fan of the dearer arm, a few of the cheaper — and the test ends by itself with the dearer price the
winner: GET shows the readout, the owner is told, and the inbox refuses a new mass message naming it.
Another creator's test is not found."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from huntaze_events import arm_of
from huntaze_testkit import Api, eventually

FANS = 80
ARMS = [900, 2400]


def fan(i: int) -> dict[str, str]:
    return {"external_id": f"pt_fan_{i}", "display_name": f"Fan{i}"}


async def test_a_price_test_splits_fans_reads_out_and_ends_at_a_winner(gateway: Any) -> None:
    api, other = await Api.sign_up(gateway, "PriceTest"), await Api.sign_up(gateway, "PriceTestOther")
    conversations: dict[int, tuple[str, str]] = {}
    for i in range(FANS):
        posted = await api.post("/v1/inbox/messages", json={"fan": fan(i), "text": "hey"})
        assert posted.status_code == 202, posted.text
        conversations[i] = (posted.json()["conversation_id"], posted.json()["fan_id"])

    for bad in (
        {"name": "x", "prices_cents": [900]},
        {"name": "x", "prices_cents": [900, 900]},
        {"name": "x", "prices_cents": [900, "a lot"]},
        {"name": "x", "prices_cents": [900, 2400], "min_offers_per_arm": 50, "max_offers_per_arm": 40},
        {"name": "", "prices_cents": [900, 2400]},
    ):
        answer = await api.post("/v1/ai/pricing/experiments", json=bad)
        assert answer.status_code == 422, (bad, answer.text)
    body = {"name": "9 or 24", "prices_cents": ARMS, "min_offers_per_arm": 20, "max_offers_per_arm": 200}
    started = await api.post("/v1/ai/pricing/experiments", json=body)
    assert started.status_code == 201, started.text
    experiment = started.json()["experiment_id"]
    assert started.json()["status"] == "running"
    again = await api.post("/v1/ai/pricing/experiments", json=body)
    assert again.status_code == 409 and again.json()["code"] == "experiment_running"
    assert (await other.get(f"/v1/ai/pricing/experiments/{experiment}")).status_code == 404
    assert (await other.post(f"/v1/ai/pricing/experiments/{experiment}/stop")).status_code == 404

    media = [str(uuid.uuid4())]
    mass = {"audience": {"segments": ["never_spent"]}, "text": "Hey {name}, the new set", "media_ids": media,
            "price_experiment_id": experiment}  # fmt: skip
    both = await api.post("/v1/inbox/mass-messages", json={**mass, "price_cents": 1200})
    assert both.status_code == 422, both.text

    async def created() -> dict[str, Any] | None:
        answer = await api.post("/v1/inbox/mass-messages", json=mass)
        if answer.status_code == 422 and answer.json()["code"] in ("experiment_not_running", "empty_audience"):
            return None  # the inbox has not heard of the test (or of the fans) yet
        assert answer.status_code == 201, answer.text
        return answer.json()  # type: ignore[no-any-return]

    sent = await eventually(created, timeout=60, interval=0.5)
    assert sent["price_experiment_id"] == experiment and sent["prices_cents"] == ARMS

    async def done() -> bool | None:
        m = (await api.get(f"/v1/inbox/mass-messages/{sent['mass_message_id']}")).json()
        return True if m["status"] == "done" and m["sent"] == FANS else None

    await eventually(done, timeout=60)
    offers: dict[int, dict[str, Any]] = {}
    for i, (conversation, fan_id) in conversations.items():
        (copy,) = [o for o in (await api.get(f"/v1/inbox/conversations/{conversation}")).json()["offers"]]
        assert copy["price_cents"] == ARMS[arm_of(uuid.UUID(experiment), uuid.UUID(fan_id), len(ARMS))], i
        offers[i] = copy
    per_arm = {p: sum(1 for o in offers.values() if o["price_cents"] == p) for p in ARMS}
    assert min(per_arm.values()) >= 20, per_arm  # 80 fans split evenly enough for the test's minimum

    # every fan of the dearer arm buys, one in ten of the cheaper one
    cheap = [i for i, o in offers.items() if o["price_cents"] == ARMS[0]]
    buyers = [i for i, o in offers.items() if o["price_cents"] == ARMS[1]] + cheap[::10]
    sales = [{"external_id": f"pt-{i}-{uuid.uuid4()}", "fan": fan(i), "type": "message",
              "gross_cents": offers[i]["price_cents"], "currency": "USD", "occurred_at": datetime.now(UTC).isoformat(),
              "ref": {"kind": "message", "id": offers[i]["offer_id"]}} for i in buyers]  # fmt: skip
    assert (await api.post("/v1/revenue/transactions", json={"items": sales})).json()["accepted"] == len(sales)

    async def ended() -> dict[str, Any] | None:
        found = (await api.get(f"/v1/ai/pricing/experiments/{experiment}")).json()
        return found if found["status"] != "running" else None

    found = await eventually(ended, timeout=60, interval=0.5)
    assert found["status"] == "winner" and found["winner_price_cents"] == found["recommended_price_cents"] == 2400
    arms = {a["price_cents"]: a for a in found["arms"]}
    assert arms[2400]["offered"] == per_arm[2400] and arms[2400]["unlocked"] <= per_arm[2400]
    assert arms[2400]["probability_best"] >= found["threshold"] > 0.9
    assert (await api.post(f"/v1/ai/pricing/experiments/{experiment}/stop")).status_code == 409

    async def told() -> list[dict[str, Any]] | None:
        items = (await api.get("/v1/notifications")).json()["items"]
        return [n for n in items if n["kind"] == "price_test"] or None

    (notice,) = await eventually(told, timeout=30)
    assert notice["title"] == 'Price test "9 or 24": USD 24.00 wins'

    async def refused() -> bool | None:
        answer = await api.post("/v1/inbox/mass-messages", json=mass)
        return True if answer.status_code == 422 and answer.json()["code"] == "experiment_not_running" else None

    await eventually(refused, timeout=30)
    listed = (await api.get("/v1/ai/pricing/experiments")).json()["items"]
    assert [e["experiment_id"] for e in listed] == [experiment]
