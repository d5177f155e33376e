"""Revenue end to end through the gateway, on the real Kafka and PostgreSQL: a generated OnlyFans
statement (more than 1,000 rows of every type, edge cases included) and live connector sales
reach the fan profiles and the analytics read models exactly once, to the cent."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from huntaze_testkit import Api, eventually
from huntaze_testkit.statements import generate_statement

TZ = "America/New_York"
SOURCES = ("subscriptions", "messages", "posts", "tips", "refunds", "chargebacks")


async def import_file(api: Api, data: bytes, name: str = "statement.csv") -> dict[str, Any]:
    answer = await api.post("/v1/revenue/imports", files={"file": (name, data, "text/csv")})
    assert answer.status_code == 202, answer.text
    import_id = answer.json()["import_id"]

    async def finished() -> dict[str, Any] | None:
        body = (await api.get(f"/v1/revenue/imports/{import_id}")).json()
        return body if body["status"] != "running" else None

    return await eventually(finished, timeout=240, interval=0.5)


async def all_fans(api: Api, **params: Any) -> list[dict[str, Any]]:
    fans: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/v1/fans", params=query)).json()
        fans += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return fans


async def revenue_totals(api: Api, start: datetime, end: datetime) -> dict[str, Any]:
    answer = await api.get(
        "/v1/analytics/revenue",
        params={"from": start.isoformat(), "to": end.isoformat(), "granularity": "month", "tz": TZ},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["totals"]  # type: ignore[no-any-return]


async def post_sales(api: Api, sales: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
    for i in range(0, len(sales), 1000):
        answer = await api.post("/v1/revenue/transactions", json={"items": sales[i : i + 1000]})
        assert answer.status_code == 200, answer.text
        for key in counts:
            counts[key] += answer.json()[key]
    return counts


async def test_a_statement_and_live_sales_count_once_to_the_cent(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "Statement")
    assert (await api.put("/v1/revenue/settings", json={"timezone": TZ})).status_code == 200
    start = datetime.now(UTC) - timedelta(days=45)
    statement = generate_statement(seed=8, rows=8400, start=start, tz=ZoneInfo(TZ), fans=400)
    data = statement.csv_bytes()
    expected = statement.expected
    for t, totals in expected.by_type.items():
        assert totals.count >= 1000, (t, totals.count)

    first = await import_file(api, data)
    assert first["status"] == "done", first
    assert first["imported"] == expected.valid_rows
    assert first["rejected"] == len(expected.rejected)
    assert first["rows_total"] == expected.valid_rows + len(expected.rejected)
    reported = {r["line"]: r["reason"] for r in first["rejected_rows"]}
    for line, reason in expected.rejected:
        assert reason.lower() in reported[line].lower(), (line, reason, reported.get(line))

    # fans: every fan's lifetime net, and their sum, equal the file's
    fans = await all_fans(api)
    by_external = {f["external_id"]: f for f in fans}
    for external_id, net in expected.net_by_fan.items():
        assert by_external[external_id]["spend"]["net_cents"] == net, external_id
    assert sum(f["spend"]["net_cents"] for f in fans) == expected.net_cents

    # analytics: totals by source equal the file's, to the cent
    window = (start - timedelta(days=2), datetime.now(UTC) + timedelta(days=2))

    async def analytics_matches() -> dict[str, Any] | None:
        totals = await revenue_totals(api, *window)
        return totals if totals["net_cents"] == expected.net_cents else None

    totals = await eventually(analytics_matches, timeout=60)
    assert totals["gross_cents"] == expected.gross_cents
    for source in SOURCES:
        want = expected.by_source[source]
        got = totals["by_source"][source]
        assert (got["gross_cents"], got["net_cents"], got["count"]) == (want.gross_cents, want.net_cents, want.count), (
            source
        )

    # the same file again, and an overlapping one (its second half plus new rows), add nothing twice
    again = await import_file(api, data, "statement-again.csv")
    assert (again["imported"], again["duplicate"]) == (0, expected.valid_rows)

    # the connector sends sales the statement already has (each with its own id and exact time)
    live = list(statement.connector_sales(0, 2000))
    counts = await post_sales(api, live)
    assert counts == {"accepted": 0, "duplicate": len(live), "rejected": 0}
    # ... then new ones: only those count
    now = datetime.now(UTC).replace(microsecond=0)
    fresh = [
        {
            "external_id": f"live-{uuid.uuid4()}",
            "fan": {"external_id": f"live_fan_{i % 7}", "display_name": f"Live {i % 7}"},
            "type": ("tip", "message", "post")[i % 3],
            "gross_cents": 1000 + i,
            "currency": "USD",
            "occurred_at": (now - timedelta(minutes=i)).isoformat(),
        }
        for i in range(30)
    ]
    counts = await post_sales(api, live[:500] + fresh)
    assert counts == {"accepted": len(fresh), "duplicate": 500, "rejected": 0}
    added_net = sum(f["gross_cents"] - (f["gross_cents"] * 20 + 50) // 100 for f in fresh)

    async def analytics_has_the_new_sales() -> bool:
        return bool((await revenue_totals(api, *window))["net_cents"] == expected.net_cents + added_net)

    await eventually(analytics_has_the_new_sales, timeout=30)
    fans = await all_fans(api)
    assert sum(f["spend"]["net_cents"] for f in fans) == expected.net_cents + added_net


async def test_a_sale_shows_in_the_summary_within_two_seconds(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "Fresh")
    lags = []
    for i in range(5):
        before = (await api.get("/v1/analytics/summary")).json()["periods"]["today"]["net_cents"]
        sent = time.monotonic()
        counts = await post_sales(
            api,
            [
                {
                    "external_id": f"fresh-{i}-{uuid.uuid4()}",
                    "fan": {"external_id": "quick_fan", "display_name": "Quick"},
                    "type": "tip",
                    "gross_cents": 500,
                    "currency": "USD",
                    "occurred_at": datetime.now(UTC).isoformat(),
                }
            ],
        )
        assert counts["accepted"] == 1

        async def moved(before: int = before) -> bool:
            body = (await api.get("/v1/analytics/summary")).json()
            return bool(body["periods"]["today"]["net_cents"] == before + 400)

        await eventually(moved, timeout=10, interval=0.05)
        lags.append(time.monotonic() - sent)
    print(f"sale → summary: {', '.join(f'{lag * 1000:.0f} ms' for lag in lags)}")
    assert max(lags) < 2.0, lags


async def test_segments_move_on_purchase_on_subscription_change_and_with_time(gateway: Any, event_tap: Any) -> None:
    api = await Api.sign_up(gateway, "Segments")
    now = datetime.now(UTC)
    fan = {"external_id": "seg_fan", "display_name": "Seg"}
    # a subscription with auto-renew off, 3 days and 4 seconds from its end: not expiring yet
    report = {
        "fan": fan,
        "status": "active",
        "started_at": (now - timedelta(days=27)).isoformat(),
        "expires_at": (now + timedelta(days=3, seconds=4)).isoformat(),
        "auto_renew": False,
        "price_cents": 999,
        "currency": "USD",
        "via": {"tracking_link": "ig-bio"},
    }
    answer = await api.post("/v1/revenue/subscriptions", json={"items": [report]})
    assert answer.json()["accepted"] == 1, answer.text

    async def segments_of(external_id: str) -> list[str]:
        page = (await api.get("/v1/fans", params={"q": external_id})).json()
        return page["items"][0]["segments"] if page["items"] else []

    assert "expiring" not in await segments_of("seg_fan")
    # time passes: the fan enters `expiring` by itself, without any API call
    await eventually(lambda: _has(segments_of("seg_fan"), "expiring"), timeout=15, interval=0.25)

    # a purchase above the whale threshold moves the fan into whales, out of never_spent
    assert "never_spent" in await segments_of("seg_fan")
    await post_sales(
        api,
        [
            {
                "external_id": "whale-1",
                "fan": fan,
                "type": "tip",
                "gross_cents": 70_000,
                "currency": "USD",
                "occurred_at": now.isoformat(),
            }
        ],
    )
    segments = await segments_of("seg_fan")
    assert "whales" in segments and "never_spent" not in segments, segments

    # the connector reports the end of the subscription: lapsed
    expired = {**report, "status": "expired", "expires_at": (now + timedelta(days=3, seconds=4)).isoformat()}
    answer = await api.post("/v1/revenue/subscriptions", json={"items": [expired]})
    assert answer.json()["accepted"] == 1, answer.text
    segments = await segments_of("seg_fan")
    assert "lapsed" in segments and "expiring" not in segments, segments

    # each move went out as fan.segment_changed, keyed by the fan
    fan_id = (await api.get("/v1/fans", params={"q": "seg_fan"})).json()["items"][0]["fan_id"]

    async def moves() -> list[tuple[str, str]] | None:
        found = [
            (r.value["payload"]["segment"], r.value["payload"]["change"])
            for r in event_tap.select("fan.segment_changed.v1")
            if r.value["payload"]["fan_id"] == fan_id
        ]
        return found if ("lapsed", "entered") in found else None

    found = await eventually(moves, timeout=15)
    for move in (
        ("never_spent", "entered"),
        ("expiring", "entered"),
        ("whales", "entered"),
        ("never_spent", "left"),
        ("expiring", "left"),
    ):
        assert move in found, (move, found)
    started = [r for r in event_tap.select("subscription.started.v1") if r.value["payload"]["fan_id"] == fan_id]
    assert started and started[0].value["payload"]["via"] == {"tracking_link": "ig-bio", "trial": None}

    # a custom segment, defined by filter, with its live count
    seg = await api.post("/v1/fans/segments", json={"name": "big spenders", "filter": {"min_spend_cents": 50_000}})
    assert seg.status_code == 201, seg.text
    assert seg.json()["count"] == 1
    listed = {s["segment"]: s for s in (await api.get("/v1/fans/segments")).json()["items"]}
    assert listed[seg.json()["segment"]]["count"] == 1 and listed["whales"]["count"] == 1


async def _has(segments: Any, name: str) -> bool:
    return name in await segments


async def test_concurrent_batches_of_the_same_sales_count_each_once(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "Concurrent")
    now = datetime.now(UTC)
    sales = [
        {
            "external_id": f"c-{i}",
            "fan": {"external_id": f"fan_{i % 13}", "display_name": f"Fan {i % 13}"},
            "type": "message",
            "gross_cents": 1500,
            "currency": "USD",
            "occurred_at": (now - timedelta(seconds=i)).isoformat(),
        }
        for i in range(400)
    ]
    results = await asyncio.gather(*(post_sales(api, sales) for _ in range(4)))
    assert sum(r["accepted"] for r in results) == 400
    fans = await all_fans(api)
    assert sum(f["spend"]["gross_cents"] for f in fans) == 400 * 1500
