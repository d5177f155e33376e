"""A fan's personal data erased through the gateway, on the real Kafka and PostgreSQL: afterwards no
service database holds the fan's name, OnlyFans id, messages, notes, tags or preferences — searched
in every text, JSON, array and bytea column of every table of every service database, not only the
ones expected — while every money figure (fans and analytics) is unchanged to the cent. Before, the
export routes hold all of it; after, none. A later sale of the erased fan counts and names no one; a
later message of theirs is refused, and a replay of their older events (new event ids) stores nothing."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_events import REGISTRY, kafka_headers
from huntaze_testkit import Api, EventTap, eventually

SERVICES_WITH_FAN_DATA = ("fans", "inbox", "ai", "analytics")
TEXTUAL = {"text", "character varying", "character", "json", "jsonb", "ARRAY"}


def statement_date(at: datetime) -> str:
    """A statement's local date (the account's time zone is UTC here): ``Nov 3, 2026 8:14 pm``."""
    return f"{at:%b} {at.day}, {at.year} {at.hour % 12 or 12}:{at:%M} {'am' if at.hour < 12 else 'pm'}"


async def holdings(url: str, needles: list[str]) -> list[str]:
    """Every (table.column, needle) of the database whose value contains a needle: text, JSON and
    array columns case-insensitively, bytea columns (the outbox's events) byte for byte."""
    engine = create_async_engine(url)
    found: list[str] = []
    try:
        async with engine.connect() as conn:
            columns = (
                await conn.execute(
                    text(
                        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
                        "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                        "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' ORDER BY 1, 2"
                    )
                )
            ).all()
            assert columns, f"no tables in {url}"
            for table, column, data_type in columns:
                if data_type == "bytea":
                    condition = f'position(CAST(:needle AS bytea) IN "{column}") > 0'
                elif data_type in TEXTUAL:
                    condition = f'strpos(lower(CAST("{column}" AS text)), lower(:needle)) > 0'
                else:
                    continue
                for needle in needles:
                    count = (
                        await conn.execute(
                            text(f'SELECT count(*) FROM "{table}" WHERE {condition}'), {"needle": needle}
                        )
                    ).scalar()
                    if count:
                        found.append(f"{table}.{column} holds {needle!r} ({count} rows)")
    finally:
        await engine.dispose()
    return found


async def money(api: Api, window: tuple[datetime, datetime]) -> dict[str, Any]:
    """Every money figure the creator can read: fans' spend, segment sizes, analytics' totals by
    source and the summary's periods and top fans (amounts and ids, not names)."""
    fans = (await api.get("/v1/fans", params={"limit": 200})).json()
    assert fans["next_cursor"] is None
    segments = (await api.get("/v1/fans/segments")).json()["items"]
    revenue = await api.get(
        "/v1/analytics/revenue",
        params={"from": window[0].isoformat(), "to": window[1].isoformat(), "granularity": "month"},
    )
    assert revenue.status_code == 200, revenue.text
    summary = (await api.get("/v1/analytics/summary")).json()
    periods = {k: {f: v[f] for f in ("gross_cents", "net_cents", "transactions", "paying_fans")} for k, v in summary["periods"].items()}
    return {
        "fans": sorted((f["fan_id"], f["spend"]["gross_cents"], f["spend"]["net_cents"], f["spend"]["purchases"]) for f in fans["items"]),
        "fans_net": sum(f["spend"]["net_cents"] for f in fans["items"]),
        "segments": {s["segment"]: s["count"] for s in segments},
        "analytics": revenue.json()["totals"],
        "summary": periods,
        "top_fans": [(t["fan_id"], t["net_cents"], t["gross_cents"], t["transactions"]) for t in summary["top_fans"]],
    }


async def personal_data(api: Api, fan_id: str) -> dict[str, Any]:
    parts = {}
    for service, path in (
        ("fans", f"/v1/fans/{fan_id}/personal-data"),
        ("inbox", f"/v1/inbox/fans/{fan_id}/personal-data"),
        ("ai", f"/v1/ai/fans/{fan_id}/personal-data"),
        ("analytics", f"/v1/analytics/fans/{fan_id}/personal-data"),
    ):
        answer = await api.get(path)
        assert answer.status_code == 200, (path, answer.text)
        parts[service] = answer.json()
    return parts


REPLAYED = {  # topic → the services whose consumers apply it
    "message.received.v1": ("ai", "fans"),
    "reply.sent.v1": ("ai",),
    "transaction.recorded.v1": ("analytics",),
    "subscription.started.v1": ("analytics",),
}


def about(fan_id: str, creator_id: str) -> Any:
    def mine(record: Any) -> bool:
        value = record.value
        if not value or value.get("creator_id") != creator_id:
            return False
        payload = value["payload"]
        return str(payload.get("fan_id") or payload.get("fan", {}).get("fan_id")) == fan_id

    return mine


async def replay(kafka: str, event_tap: EventTap, fan_id: str, creator_id: str) -> dict[str, list[str]]:
    """The fan's older events produced again under new event ids — what a consumer group reset
    does once the idempotency records expired. Returns the new ids by topic."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all")
    await producer.start()
    sent: dict[str, list[str]] = {}
    try:
        for topic in REPLAYED:
            for record in await event_tap.wait_for(topic, about(fan_id, creator_id)):
                spec = REGISTRY.get(record.value["type"], record.value["version"])
                envelope = spec.envelope_model.model_validate({**record.value, "event_id": str(uuid.uuid4())})
                await producer.send_and_wait(
                    topic, envelope.to_json(), key=record.key.encode() if record.key else None, headers=kafka_headers(envelope)
                )
                sent.setdefault(topic, []).append(str(envelope.event_id))
    finally:
        await producer.stop()
    return sent


async def applied(url: str, event_ids: list[str]) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            sql = text("SELECT count(DISTINCT event_id) FROM processed_events WHERE CAST(event_id AS text) = ANY(:ids)")
            return int((await conn.execute(sql, {"ids": event_ids})).scalar() or 0)
    finally:
        await engine.dispose()


async def test_a_fan_erased_through_the_gateway_leaves_no_personal_data_and_the_money_exact(
    gateway: Any, infra: Any, event_tap: EventTap
) -> None:
    api = await Api.sign_up(gateway, "Erasure")
    tag = uuid.uuid4().hex[:8]
    handle, name = f"zq_{tag}", f"Zorblax {tag.upper()}"
    other_handle, other_name = f"ann_{tag}", f"Annabel {tag.upper()}"
    texts = [f"m1-{tag} my flat is on Quibble Lane", f"m2-{tag} call me on 0770 {tag}", f"m3-{tag} see you"]
    note, preference, tags = f"note-{tag} met at the Leeds con", f"pref-{tag}", [f"tag{tag}", "vip"]
    approved_text = f"approved-{tag} Hey you, thanks!"
    now = datetime.now(UTC).replace(microsecond=0)

    # -- the fan's personal data, through every way it comes in -------------------------------------
    conversation_id = fan_id = ""
    for i, body in enumerate(texts):
        answer = await api.post(
            "/v1/inbox/messages",
            json={"fan": {"external_id": handle, "display_name": name}, "text": body, "external_id": f"msg-{tag}-{i}"},
        )
        assert answer.status_code == 202, answer.text
        conversation_id, fan_id = answer.json()["conversation_id"], answer.json()["fan_id"]
    other = await api.post(
        "/v1/inbox/messages", json={"fan": {"external_id": other_handle, "display_name": other_name}, "text": f"hi-{tag}"}
    )
    assert other.status_code == 202, other.text

    async def drafted() -> list[dict[str, Any]] | None:
        drafts = (await api.get(f"/v1/inbox/conversations/{conversation_id}")).json()["drafts"]
        return drafts if len(drafts) == len(texts) else None

    drafts = await eventually(drafted, timeout=60)
    approved = await api.post(f"/v1/inbox/drafts/{drafts[0]['draft_id']}/approve", json={"text": approved_text})
    assert approved.status_code == 202, approved.text

    sales = [
        {
            "external_id": f"tx-{tag}-{i}",
            "fan": {"external_id": h, "display_name": n},
            "type": kind,
            "gross_cents": gross,
            "currency": "USD",
            "occurred_at": (now - timedelta(days=2, hours=i)).isoformat(),
        }
        for i, (h, n, kind, gross) in enumerate(
            [(handle, name, "tip", 70_000), (handle, name, "message", 1_999), (other_handle, other_name, "tip", 1_234)]
        )
    ]
    posted = await api.post("/v1/revenue/transactions", json={"items": sales})
    assert posted.status_code == 200 and posted.json()["accepted"] == 3, posted.text
    subscribed = await api.post(
        "/v1/revenue/subscriptions",
        json={
            "items": [
                {
                    "fan": {"external_id": handle, "display_name": name},
                    "status": "active",
                    "started_at": (now - timedelta(days=5)).isoformat(),
                    "expires_at": (now + timedelta(days=25)).isoformat(),
                    "auto_renew": True,
                    "price_cents": 999,
                    "currency": "USD",
                }
            ]
        },
    )
    assert subscribed.status_code == 200 and subscribed.json()["accepted"] == 1, subscribed.text
    at = now - timedelta(days=3)
    statement = "\n".join(
        [
            "Date,Amount,Fee,Net,Description,Status",
            f'"{statement_date(at)}",$12.50,$2.50,$10.00,Tip from {name} (@{handle}),Complete',
            f'"{statement_date(at + timedelta(hours=1))}",$8.00,$1.60,$6.40,Payment for message from {name} (@{handle}),Complete',
            f'"{statement_date(at + timedelta(hours=2))}",$5.00,$1.00,$4.00,Gift from {name} (@{handle}),Complete',
        ]
    ).encode()
    imported = await api.post("/v1/revenue/imports", files={"file": ("statement.csv", statement, "text/csv")})
    assert imported.status_code == 202, imported.text

    async def import_done() -> dict[str, Any] | None:
        body = (await api.get(f"/v1/revenue/imports/{imported.json()['import_id']}")).json()
        return body if body["status"] == "done" else None

    done = await eventually(import_done, timeout=60)
    assert (done["imported"], done["rejected"]) == (2, 1), done
    assert (await api.post(f"/v1/fans/{fan_id}/notes", json={"text": note})).status_code == 201
    assert (await api.put(f"/v1/fans/{fan_id}/tags", json={"tags": tags})).status_code == 200
    assert (await api.patch(f"/v1/fans/{fan_id}", json={"preferences": {"likes": preference}})).status_code == 200
    custom = await api.post("/v1/fans/segments", json={"name": f"big {tag}", "filter": {"min_spend_cents": 10_000}})
    assert custom.status_code == 201, custom.text

    window = (now - timedelta(days=60), now + timedelta(days=2))
    expected_net = 56_000 + 1_599 + 987 + 1_000 + 640  # 20 % fee, half up; statement nets as given

    async def settled() -> dict[str, Any] | None:
        figures = await money(api, window)
        sent = [d for d in (await api.get(f"/v1/inbox/conversations/{conversation_id}")).json()["drafts"] if d["status"] == "sent"]
        ai = (await api.get(f"/v1/ai/fans/{fan_id}/personal-data")).json()
        ready = (
            figures["fans_net"] == expected_net
            and figures["analytics"]["net_cents"] == expected_net
            and sent
            and any(x["text"] == approved_text for x in ai["conversation_history"])
        )
        return figures if ready else None

    before = await eventually(settled, timeout=60)

    # -- the export before: every service's part holds the data ----------------------------------------
    export = await personal_data(api, fan_id)
    assert (export["fans"]["external_id"], export["fans"]["display_name"]) == (handle, name)
    assert [n["text"] for n in export["fans"]["notes"]] == [note] and export["fans"]["preferences"] == {"likes": preference}
    assert len(export["fans"]["transactions"]) == 4
    (conversation,) = export["inbox"]["conversations"]
    assert [m["text"] for m in conversation["messages"]][:3] == texts and conversation["fan"]["external_id"] == handle
    assert {x["text"] for x in export["ai"]["conversation_history"]} >= set(texts) | {approved_text}
    assert len(export["ai"]["generations"]) == len(texts)
    assert export["analytics"]["name"]["external_id"] == handle and len(export["analytics"]["transactions"]) == 4
    draft_texts = [d["text"] for d in conversation["drafts"] if name.split()[0] in d["text"]]
    merged = await api.get(f"/v1/fans/{fan_id}/export")  # the gateway's merge of the four parts
    assert merged.status_code == 200, merged.text
    assert handle in merged.text and texts[0] in merged.text and note in merged.text
    needles = [handle, name, *texts, note, preference, tags[0], approved_text, *draft_texts]
    for service in SERVICES_WITH_FAN_DATA:
        assert await holdings(infra.url(service), [handle, name, texts[0]]), f"{service} holds the fan before erasure"

    # -- erasure through the gateway (the owner), asked twice ------------------------------------------
    first = await api.post(f"/v1/fans/{fan_id}/erase")
    assert first.status_code == 202, first.text
    again = await api.post(f"/v1/fans/{fan_id}/erase")
    assert (again.status_code, again.json()) == (202, first.json())
    assert (await api.post(f"/v1/fans/{uuid.uuid4()}/erase")).status_code == 404

    async def applied_everywhere() -> dict[str, Any] | None:
        parts = await personal_data(api, fan_id)
        return parts if all(p["erased_at"] for p in parts.values()) else None

    after_export = await eventually(applied_everywhere, timeout=60)
    assert await money(api, window) == before  # the erasure moved no figure, to the cent

    # later: a sale of the erased fan counts and names no one; a message of theirs is refused
    later = await api.post(
        "/v1/revenue/transactions",
        json={
            "items": [
                {
                    "external_id": f"tx-{tag}-later",
                    "fan": {"external_id": handle, "display_name": name},
                    "type": "tip",
                    "gross_cents": 500,
                    "currency": "USD",
                    "occurred_at": (now - timedelta(hours=1)).isoformat(),
                }
            ]
        },
    )
    assert later.status_code == 200 and later.json()["accepted"] == 1, later.text
    refused = await api.post(
        "/v1/inbox/messages",
        json={"fan": {"external_id": handle, "display_name": name}, "text": f"m4-{tag} back again", "external_id": f"msg-{tag}-0"},
    )
    assert (refused.status_code, refused.json()["code"]) == (410, "fan_erased"), refused.text
    needles.append(f"m4-{tag}")

    async def later_sale_counted() -> dict[str, Any] | None:
        figures = await money(api, window)
        return figures if figures["analytics"]["net_cents"] == expected_net + 400 and figures["fans_net"] == expected_net + 400 else None

    after_later = await eventually(later_sale_counted, timeout=30)

    # a replay of the fan's older events (new event ids): applied, and nothing of the fan stored again
    replayed = await replay(infra.kafka, event_tap, fan_id, api.creator_id)
    assert {t: len(ids) for t, ids in replayed.items()} == {
        "message.received.v1": len(texts),
        "reply.sent.v1": 1,
        "transaction.recorded.v1": 5,  # four before the erasure, the later one
        "subscription.started.v1": 1,
    }

    async def replay_applied() -> bool:
        for topic, services in REPLAYED.items():
            for service in services:
                if await applied(infra.url(service), replayed[topic]) < len(replayed[topic]):
                    return False
        return True

    await eventually(replay_applied, timeout=60)
    assert await money(api, window) == after_later  # replayed sales are the same transactions: counted once

    # -- nothing left, anywhere -------------------------------------------------------------------------
    for service in infra.database_urls:
        if service == "sandbox":
            continue
        assert await holdings(infra.url(service), needles) == [], service
    assert await holdings(infra.url("inbox"), [f"hi-{tag}", other_handle]), "the other fan's data must stay"
    assert await holdings(infra.url("fans"), [other_name]), "the other fan's data must stay"

    # -- the later sale counted once, exactly ----------------------------------------------------------
    assert after_later["analytics"]["transactions"] == before["analytics"]["transactions"] + 1
    assert after_later["analytics"]["gross_cents"] == before["analytics"]["gross_cents"] + 500

    # -- the export after: the money, and no identity --------------------------------------------------
    dumped = json.dumps(after_export)
    for needle in needles:
        assert needle.lower() not in dumped.lower(), needle
    assert after_export["fans"]["external_id"] == f"erased:{fan_id}" and after_export["fans"]["notes"] == []
    assert len(after_export["fans"]["transactions"]) == 4
    assert after_export["inbox"]["conversations"] == [] and after_export["ai"]["conversation_history"] == []
    assert after_export["analytics"]["name"] is None and len(after_export["analytics"]["transactions"]) == 4
    merged = await api.get(f"/v1/fans/{fan_id}/export")
    assert merged.status_code == 200, merged.text
    assert handle not in merged.text and name not in merged.text and texts[0] not in merged.text
