"""The chatters' sales ledger through the gateway, on real Kafka and PostgreSQL: a chatter on shift
answers a fan and sells them an offer; a manager's mass message copy is unlocked; the fan tips after
the chatter's reply; the offer is refunded. Each sale's money shows on the mass message, on the fan and
in the chatter ledger, to the cent; the refund is a new negative line and the first one stays; a
chatter sees only their own lines; the per-chatter report counts the reply, its wait, the offer, the
unlock and the hours on shift (from the gateway's shift events)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from huntaze_testkit import eventually
from huntaze_testkit.agency import build_agency


def sale(external: str, type_: str, gross: int, ref: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "external_id": f"cl-{uuid.uuid4()}",
        "fan": {"external_id": external, "display_name": external.title()},
        "type": type_,
        "gross_cents": gross,
        "currency": "USD",
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    if ref:
        item["ref"] = {"kind": "message", "id": ref}
    return item


async def test_sales_show_on_the_mass_message_the_fan_and_the_chatter_ledger_to_the_cent(gateway: Any) -> None:
    agency = await build_agency(gateway, "Ledger", with_inbox=False)
    owner, chatter_id = agency.owner, agency.ids["user_id"]
    chatter, manager, connector = (agency.headers(r) for r in ("chatter", "manager", "connector"))
    manager_id = agency.staff["manager"].user_id
    now = datetime.now(UTC)
    shift = await owner.post(
        "/v1/org/shifts",
        json={
            "user_id": chatter_id,
            "creator_ids": [owner.creator_id],
            "starts_at": (now - timedelta(minutes=1)).isoformat(),
            "ends_at": (now + timedelta(hours=2)).isoformat(),
        },
    )
    assert shift.status_code == 201, shift.text

    async def post(path: str, headers: dict[str, str], body: dict[str, Any], status: int = 202) -> dict[str, Any]:
        answer = await gateway.post(path, headers=headers, json=body)
        assert answer.status_code == status, (path, answer.text)
        return answer.json()

    # Ava writes; the chatter on shift approves the drafted reply, then sells her an offer
    ava = await post(
        "/v1/inbox/messages", connector, {"fan": {"external_id": "ava", "display_name": "Ava"}, "text": "hi"}
    )
    conversation = ava["conversation_id"]

    async def drafted() -> str | None:
        body = (await gateway.get(f"/v1/inbox/conversations/{conversation}", headers=chatter)).json()
        return body["drafts"][0]["draft_id"] if body.get("drafts") else None

    draft = await eventually(drafted, timeout=60)
    await post(f"/v1/inbox/drafts/{draft}/approve", chatter, {})
    media = str(uuid.uuid4())
    offer = await post(
        f"/v1/inbox/conversations/{conversation}/offers",
        chatter,
        {"text": "just for you", "price_cents": 1499, "media_ids": [media]},
    )

    # Bea is written to by the manager's paid mass message
    bea = await post(
        "/v1/inbox/messages", connector, {"fan": {"external_id": "bea", "display_name": "Bea"}, "text": "yo"}
    )
    mass_body = {
        "audience": {"segments": ["never_spent"]},
        "text": "Hey {name}",
        "price_cents": 1001,
        "media_ids": [media],
    }

    async def both_in_audience() -> bool:
        answer = await gateway.post("/v1/inbox/mass-messages/preview", headers=manager, json=mass_body)
        return answer.status_code == 200 and answer.json()["recipients"] == 2

    await eventually(both_in_audience, timeout=30)
    mass_body["audience"]["exclude_bought_media"] = True  # type: ignore[index]
    mass = await post("/v1/inbox/mass-messages", manager, mass_body, status=201)

    async def copy_for_bea() -> str | None:
        answer = (await gateway.get(f"/v1/inbox/mass-messages/{mass['mass_message_id']}", headers=manager)).json()
        if answer["status"] != "done":
            return None
        detail = (await gateway.get(f"/v1/inbox/conversations/{bea['conversation_id']}", headers=manager)).json()
        return next((str(o["offer_id"]) for o in detail["offers"] if o["text"] == "Hey Bea"), None)

    bea_copy = await eventually(copy_for_bea, timeout=60)

    # the connector reports: Ava unlocks the offer and tips; Bea unlocks her copy; then Ava's unlock is refunded
    sales = [
        sale("ava", "message", 1499, offer["offer_id"]),
        sale("ava", "tip", 777),
        sale("bea", "message", 1001, bea_copy),
    ]
    assert (await post("/v1/revenue/transactions", connector, {"items": sales}, status=200))["accepted"] == 3

    window = {"from": (now - timedelta(days=1)).isoformat(), "to": (now + timedelta(days=1)).isoformat()}

    async def ledger(headers: dict[str, str], **params: str) -> dict[str, Any]:
        answer = await gateway.get("/v1/analytics/chatters/ledger", headers=headers, params={**window, **params})
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def lines(count: int) -> list[dict[str, Any]] | None:
        found = (await ledger(agency.headers("owner")))["lines"]
        return found if len(found) == count else None

    first = await eventually(lambda: lines(3), timeout=60)
    refund = sale("ava", "refund", -1499, offer["offer_id"])
    assert (await post("/v1/revenue/transactions", connector, {"items": [refund]}, status=200))["accepted"] == 1
    every = await eventually(lambda: lines(4), timeout=60)
    assert every[:3] == first, "the lines already written never change"

    by_kind = {(x["kind"], x["chatter_id"], x["gross_cents"]) for x in every}
    assert by_kind == {
        ("unlock", chatter_id, 1499),
        ("after_reply", chatter_id, 777),
        ("unlock", manager_id, 1001),
        ("reversal", chatter_id, -1499),
    }
    mine = {x["kind"]: x for x in every if x["chatter_id"] == chatter_id}
    assert mine["reversal"]["reverses"] == mine["unlock"]["transaction_id"]
    assert mine["unlock"]["offer_id"] == offer["offer_id"] and mine["unlock"]["shift_id"] == shift.json()["id"]
    assert "after reply" in mine["after_reply"]["reason"] and offer["offer_id"] in mine["unlock"]["reason"]
    owner_view = await ledger(agency.headers("owner"))
    assert owner_view["totals"] == [
        {"currency": "USD", "lines": 4, "gross_cents": 1778, "net_cents": owner_view["totals"][0]["net_cents"]}
    ]

    # the same money, to the cent, on the mass message and on the fans
    bea_line = next(x for x in every if x["chatter_id"] == manager_id)
    assert bea_line["mass_message_id"] == mass["mass_message_id"]
    shown = (await gateway.get(f"/v1/inbox/mass-messages/{mass['mass_message_id']}", headers=manager)).json()
    assert (shown["revenue_cents"], shown["net_cents"]) == (bea_line["gross_cents"], bea_line["net_cents"])

    async def spend(fan_id: str, gross: int) -> dict[str, Any] | None:
        got = (await gateway.get(f"/v1/fans/{fan_id}", headers=agency.headers("owner"))).json()
        return got["spend"] if got["spend"]["gross_cents"] == gross else None

    bea_spend = await eventually(lambda: spend(bea_line["fan_id"], 1001), timeout=30)
    assert bea_spend["net_cents"] == bea_line["net_cents"]
    ava_lines = [x for x in every if x["fan_id"] == ava["fan_id"]]
    ava_spend = await eventually(lambda: spend(ava["fan_id"], 777), timeout=30)
    assert ava_spend["net_cents"] == sum(x["net_cents"] for x in ava_lines)

    # a chatter sees their own lines only, and may not ask for another's
    theirs = await ledger(chatter)
    assert {x["chatter_id"] for x in theirs["lines"]} == {chatter_id} and len(theirs["lines"]) == 3
    other = await gateway.get("/v1/analytics/chatters/ledger", headers=chatter, params={"chatter": manager_id})
    assert other.status_code == 403
    page = await ledger(agency.headers("analyst"), limit="2")
    rest = await ledger(agency.headers("analyst"), limit="2", cursor=page["next_cursor"])
    assert [x["transaction_id"] for x in page["lines"] + rest["lines"]] == [x["transaction_id"] for x in every]
    assert rest["next_cursor"] is None

    # the report: one reply on shift (timed), one offer unlocked, 777 net of the refund, 2 h 1 min on shift
    async def report() -> dict[str, Any] | None:
        answer = await gateway.get("/v1/analytics/chatters", headers=agency.headers("owner"), params=window)
        assert answer.status_code == 200, answer.text
        rows = {r["chatter_id"]: r for r in answer.json()["chatters"]}
        row = rows.get(chatter_id)
        return rows if row and row["hours_on_shift"] > 0 and row["messages_sent"] == 1 else None

    rows = await eventually(report, timeout=30)
    row = rows[chatter_id]
    assert (row["messages_sent"], row["response_time"]["replies"], row["offers_sent"], row["offers_unlocked"]) == (
        1,
        1,
        1,
        1,
    )
    assert row["response_time"]["median_s"] >= 0 and row["unlock_rate"] == 1.0
    assert (row["revenue_gross_cents"], row["revenue_on_shift_gross_cents"]) == (777, 777)
    assert abs(row["hours_on_shift"] - (2 + 1 / 60)) < 0.001
    assert row["revenue_per_shift_hour_cents"] == round(777 / (2 + 1 / 60))
    assert rows[manager_id]["revenue_gross_cents"] == 1001 and rows[manager_id]["hours_on_shift"] == 0
    alone = await gateway.get("/v1/analytics/chatters", headers=chatter, params=window)
    assert [r["chatter_id"] for r in alone.json()["chatters"]] == [chatter_id]


async def test_bad_ledger_queries_get_a_clear_4xx(gateway: Any) -> None:
    agency = await build_agency(gateway, "LedgerBad", with_inbox=False)
    owner = agency.headers("owner")
    cases = [
        ("/v1/analytics/chatters/ledger", {"from": "yesterday"}),
        ("/v1/analytics/chatters/ledger", {"from": "2026-11-02", "to": "2026-11-01"}),
        ("/v1/analytics/chatters/ledger", {"from": "2020-01-01", "to": "2026-01-01"}),
        ("/v1/analytics/chatters/ledger", {"chatter": "not-a-uuid"}),
        ("/v1/analytics/chatters/ledger", {"limit": "0"}),
        ("/v1/analytics/chatters/ledger", {"cursor": "!!!"}),
        ("/v1/analytics/chatters/ledger", {"tz": "Mars/Olympus"}),
        ("/v1/analytics/chatters", {"currency": "dollars"}),
        ("/v1/analytics/chatters", {"to": "x" * 100}),
    ]
    for path, params in cases:
        answer = await gateway.get(path, headers=owner, params=params)
        assert answer.status_code == 422, (path, params, answer.status_code, answer.text)
    unknown = await gateway.get("/v1/analytics/chatters/ledger", headers=owner, params={"chatter": str(uuid.uuid4())})
    assert unknown.status_code == 200 and unknown.json()["lines"] == [], "an unknown person has no lines"
    connector = await gateway.get("/v1/analytics/chatters", headers=agency.headers("connector"))
    assert connector.status_code == 403
