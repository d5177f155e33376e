"""Webhooks to a creator's own endpoint on the real platform (gateway → notifications, Kafka, PostgreSQL)
and a real local receiver: every sale arrives signed (the README's recipe verifies it) and once per
delivery id; a receiver down for a while gets every delivery once it is back; an endpoint failing for
the whole window is disabled and its team notified; re-delivery by hand; SSRF attempts refused — at
creation (loopback, private ranges, link-local) and at delivery (a name resolving to 127.0.0.1, a
redirect to a private address), with nothing reaching the target.

The suite's clock for retries is compressed (conftest.service_env: 0.5 s doubling to 2 s, disabled after
20 s of failures); the schedule of production (30 s doubling to 1 h, for a day) is unit-tested."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from huntaze_testkit import Api, LocalHTTPServer, eventually
from huntaze_testkit.webhook_receiver import WebhookReceiver, suite_port

WEBHOOK_RECEIVER_PORT = suite_port()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(WEBHOOK_RECEIVER_PORT) as peer:
        yield peer


async def endpoint(api: Api, receiver: WebhookReceiver, path: str, events: list[str]) -> dict[str, Any]:
    created = await api.post("/v1/webhooks", json={"url": receiver.base + path, "events": events})
    assert created.status_code == 201, created.text
    receiver.secrets[path] = created.json()["secret"]
    return created.json()  # type: ignore[no-any-return]


async def sales(api: Api, run: str, count: int, *, start: int = 0) -> None:
    now = datetime.now(UTC).isoformat()
    items = [{"external_id": f"wh-{run}-{i}", "fan": {"external_id": f"wh_{run}_{i}", "display_name": f"Fan {i}"},
              "type": "tip", "gross_cents": 500 + i, "currency": "USD", "occurred_at": now}
             for i in range(start, start + count)]  # fmt: skip
    answer = await api.post("/v1/revenue/transactions", json={"items": items})
    assert answer.status_code == 200 and answer.json()["accepted"] == count, answer.text


async def deliveries(api: Api, endpoint_id: str, status: str | None = None) -> list[dict[str, Any]]:
    query = f"?limit=200&status={status}" if status else "?limit=200"
    answer = await api.get(f"/v1/webhooks/{endpoint_id}/deliveries{query}")
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]  # type: ignore[no-any-return]


async def test_sales_arrive_signed_once_each_and_a_receiver_down_gets_them_when_back(
    gateway: Any, receiver: WebhookReceiver
) -> None:
    api = await Api.sign_up(gateway, "Hooks")
    run = uuid.uuid4().hex[:8]
    hook = await endpoint(api, receiver, f"/in/{run}", ["transaction.recorded"])
    await sales(api, run, 5)
    await eventually(lambda: len(set(receiver.delivery_ids("transaction.recorded"))) == 5 or None, timeout=30)
    bodies = [a["body"] for a in receiver.accepted]
    assert sorted(b["data"]["gross_cents"] for b in bodies) == [500, 501, 502, 503, 504]
    assert {b["creator_id"] for b in bodies} == {api.creator_id} and receiver.refused == []

    receiver.down()  # connections refused from now on
    await sales(api, run, 20, start=5)

    async def failing() -> bool | None:
        pending = await deliveries(api, hook["endpoint_id"], "pending")
        return True if len(pending) == 20 and all(d["attempts"] >= 2 for d in pending) else None

    await eventually(failing, timeout=30, interval=0.5)
    await asyncio.sleep(5)  # down for ~8 s in all: several failed attempts each, well inside the window
    receiver.up()

    await eventually(lambda: len(set(receiver.delivery_ids("transaction.recorded"))) == 25 or None, timeout=30)
    await eventually(lambda: _all_delivered(api, hook["endpoint_id"], 25), timeout=15)
    log = await deliveries(api, hook["endpoint_id"])
    assert max(d["attempts"] for d in log) >= 3
    one = next(d for d in log if d["attempts"] >= 3)
    detail = (await api.get(f"/v1/webhooks/{hook['endpoint_id']}/deliveries/{one['delivery_id']}")).json()
    codes = [a["status_code"] for a in detail["attempt_log"]]
    assert codes[-1] == 200 and all(c is None for c in codes[:-1])  # refused connections, then delivered
    assert all(a["error"] for a in detail["attempt_log"][:-1])
    # every delivery arrived; a repeat (a worker that died after the call) would carry the same id
    assert sorted(set(receiver.delivery_ids())) == sorted(d["delivery_id"] for d in log)


async def _all_delivered(api: Api, endpoint_id: str, count: int) -> bool | None:
    log = await deliveries(api, endpoint_id, "delivered")
    return True if len(log) == count else None


async def test_an_endpoint_failing_for_the_window_is_disabled_the_team_told_and_redelivery_works(
    gateway: Any, receiver: WebhookReceiver
) -> None:
    api = await Api.sign_up(gateway, "Broken")
    run = uuid.uuid4().hex[:8]
    broken = await api.post("/v1/webhooks", json={"url": receiver.base + "/fail", "events": ["transaction.recorded"]})
    hook = broken.json()
    await sales(api, run, 2)

    async def disabled() -> dict[str, Any] | None:
        body = (await api.get(f"/v1/webhooks/{hook['endpoint_id']}")).json()
        return body if body["status"] == "disabled" else None

    state = await eventually(disabled, timeout=60, interval=1)
    assert "every attempt failed since" in state["disabled_reason"]
    log = await deliveries(api, hook["endpoint_id"])
    assert len(log) == 2 and {d["status"] for d in log} == {"failed"} and all(d["last_status_code"] == 500 for d in log)

    async def told() -> list[dict[str, Any]] | None:
        items = (await api.get("/v1/notifications")).json()["items"]
        return [n for n in items if n["kind"] == "webhook_disabled"] or None

    [notice] = await eventually(told, timeout=15)
    assert notice["data"]["endpoint_id"] == hook["endpoint_id"] and not notice["read"]

    # fixed: point it at a working path, switch it back on, re-deliver what it missed
    fixed = await api.patch(
        f"/v1/webhooks/{hook['endpoint_id']}", json={"url": receiver.base + f"/in/{run}", "enabled": True}
    )
    assert fixed.status_code == 200 and fixed.json()["status"] == "active"
    receiver.secrets[f"/in/{run}"] = hook["secret"]
    for d in log:
        again = await api.post(f"/v1/webhooks/{hook['endpoint_id']}/deliveries/{d['delivery_id']}/redeliver")
        assert again.status_code == 202, again.text
    await eventually(lambda: _all_delivered(api, hook["endpoint_id"], 2), timeout=20)
    assert sorted(set(receiver.delivery_ids())) == sorted(d["delivery_id"] for d in log)


async def test_ssrf_attempts_are_refused_and_reach_nothing(gateway: Any, receiver: WebhookReceiver) -> None:
    api = await Api.sign_up(gateway, "Ssrf")
    gateway_port = gateway.base_url.port
    for url in [
        f"http://127.0.0.1:{gateway_port}/v1/me",  # loopback (not the allowed receiver)
        "http://10.0.0.7/hook", "http://192.168.1.10/hook", "http://172.16.0.1/hook",  # private ranges
        "http://169.254.169.254/latest/meta-data/",  # link-local: the cloud's metadata
        "http://[::1]:8000/", "http://[::ffff:127.0.0.1]:8000/", "http://0.0.0.0:8000/",
        "http://user:pw@example.com/", "ftp://example.com/",
    ]:  # fmt: skip
        refused = await api.post("/v1/webhooks", json={"url": url, "events": ["transaction.recorded"]})
        assert refused.status_code == 422, (url, refused.text)

    calls: list[Any] = []
    with LocalHTTPServer(lambda *request: calls.append(request) or (200, {"ok": True})) as canary:
        by_name = await api.post("/v1/webhooks", json={"url": f"http://localhost:{WEBHOOK_RECEIVER_PORT}/in/x",
                                                      "events": ["transaction.recorded"]})  # fmt: skip
        redirect = await api.post("/v1/webhooks", json={"url": f"{receiver.base}/redirect?to={canary.url}/stolen",
                                                       "events": ["transaction.recorded"]})  # fmt: skip
        assert by_name.status_code == 201 and redirect.status_code == 201  # names and paths look fine when saved
        await sales(api, uuid.uuid4().hex[:8], 1)

        async def attempted(endpoint_id: str) -> dict[str, Any] | None:
            [d] = await deliveries(api, endpoint_id) or [None]
            if d is None or d["attempts"] < 2:
                return None
            return (await api.get(f"/v1/webhooks/{endpoint_id}/deliveries/{d['delivery_id']}")).json()  # type: ignore[no-any-return]

        named = await eventually(lambda: attempted(by_name.json()["endpoint_id"]), timeout=30)
        bounced = await eventually(lambda: attempted(redirect.json()["endpoint_id"]), timeout=30)
    first = named["attempt_log"][0]
    assert first["status_code"] is None and "localhost resolves to 127.0.0.1" in first["error"]
    hop = bounced["attempt_log"][0]
    assert hop["status_code"] == 302 and "redirect not followed" in hop["error"]
    assert calls == [] and receiver.accepted == []  # nothing reached the canary nor the receiver's /in


async def test_another_creators_endpoints_answer_404_and_bad_bodies_a_4xx(gateway: Any) -> None:
    api, other = await Api.sign_up(gateway, "HooksA"), await Api.sign_up(gateway, "HooksB")
    created = await api.post("/v1/webhooks", json={"url": "https://hooks.example.com/in", "events": ["post.failed"]})
    eid = created.json()["endpoint_id"]
    assert (await other.get(f"/v1/webhooks/{eid}")).status_code == 404
    assert (await other.get(f"/v1/webhooks/{eid}/deliveries")).status_code == 404
    assert (await other.post(f"/v1/webhooks/{eid}/test")).status_code == 404
    assert (
        await api.post("/v1/webhooks", content=b"{not json", headers={"content-type": "application/json"})
    ).status_code == 422
    assert (await api.get("/v1/webhooks/events")).json()["items"][0]["type"] == "transaction.recorded"
