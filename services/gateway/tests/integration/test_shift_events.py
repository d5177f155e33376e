"""The gateway as an outbox producer, on the real platform (Kafka, PostgreSQL, every service as a
process): a shift scheduled through the HTTP API reaches ``shift.scheduled.v1`` once per creator
account it covers, keyed by the shift and carrying the request's correlation id; deleting it reaches
``shift.cancelled.v1`` the same way; a refused shift and a second deletion publish nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from huntaze_testkit import Api, EventTap, Record
from huntaze_testkit.agency import invite, unlimited_plan


def payload(record: Record) -> dict[str, Any]:
    return record.value["payload"]  # type: ignore[index,no-any-return]


async def test_scheduling_and_deleting_a_shift_publishes_its_events(gateway: Any, event_tap: EventTap) -> None:
    ready = await gateway.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "kafka": "ok"}, ready.text

    owner = await Api.sign_up(gateway, "ShiftEvents")
    await unlimited_plan(owner)  # a second creator account: beyond the free plan billing gives it
    second = await owner.post("/v1/creators", json={"display_name": "Second account"})
    assert second.status_code == 201, second.text
    creators = [owner.creator_id, second.json()["id"]]
    chatter = await invite(owner, "chatter", "ShiftEventsChatter", creators)
    manager = await invite(owner, "manager", "ShiftEventsManager")
    starts_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    ends_at = starts_at + timedelta(hours=6)
    window = {"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()}
    correlation_id = str(uuid.uuid4())

    scheduled = await owner.post(
        "/v1/org/shifts",
        json={"user_id": chatter.user_id, "creator_ids": creators, **window},
        headers={"X-Correlation-Id": correlation_id},
    )
    assert scheduled.status_code == 201, scheduled.text
    shift_id = scheduled.json()["id"]

    def about_the_shift(record: Record) -> bool:
        return record.key == shift_id

    records = await event_tap.wait_for("shift.scheduled.v1", about_the_shift, count=2, timeout=30)
    assert sorted(r.value["creator_id"] for r in records) == sorted(creators), "one event per creator account"
    assert sorted(r.headers["creator_id"] for r in records) == sorted(creators)
    assert len({r.partition for r in records}) == 1, "keyed by the shift: one partition, in order"
    for record in records:
        envelope = record.value
        assert (envelope["type"], envelope["version"], envelope["producer"]) == ("shift.scheduled", 1, "gateway")
        assert envelope["correlation_id"] == correlation_id and record.headers["event_type"] == "shift.scheduled"
        body = payload(record)
        assert body["shift_id"] == shift_id and body["organization_id"] == owner.organization_id
        assert body["user_id"] == chatter.user_id and body["scheduled_by"] == owner.user_id
        assert body["creator_ids"] == creators
        assert datetime.fromisoformat(body["starts_at"]) == starts_at
        assert datetime.fromisoformat(body["ends_at"]) == ends_at

    overlapping = await owner.post(
        "/v1/org/shifts", json={"user_id": chatter.user_id, "creator_ids": creators[:1], **window}
    )
    assert overlapping.status_code == 409, overlapping.text

    deleted = await manager.delete(f"/v1/org/shifts/{shift_id}")
    assert deleted.status_code == 204, deleted.text
    cancelled = await event_tap.wait_for("shift.cancelled.v1", about_the_shift, count=2, timeout=30)
    assert sorted(r.value["creator_id"] for r in cancelled) == sorted(creators)
    for record in cancelled:
        assert (record.value["type"], record.value["producer"]) == ("shift.cancelled", "gateway")
        body = payload(record)
        assert body["shift_id"] == shift_id and body["organization_id"] == owner.organization_id
        assert body["user_id"] == chatter.user_id and body["cancelled_by"] == manager.user_id
        assert datetime.fromisoformat(body["starts_at"]) == starts_at
        assert datetime.fromisoformat(body["ends_at"]) == ends_at

    again = await manager.delete(f"/v1/org/shifts/{shift_id}")
    assert again.status_code == 404, again.text
    assert (await owner.delete(f"/v1/org/shifts/{uuid.uuid4()}")).status_code == 404

    # nothing else reached the topics for this organisation: the refused shift and the second
    # deletion emitted nothing (the relay publishes within milliseconds of a commit)
    await asyncio.sleep(2)

    def of_this_org(record: Record) -> bool:
        return payload(record).get("organization_id") == owner.organization_id

    assert len(event_tap.select("shift.scheduled.v1", of_this_org)) == 2
    assert len(event_tap.select("shift.cancelled.v1", of_this_org)) == 2
