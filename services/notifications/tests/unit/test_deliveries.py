"""Webhook deliveries on fakes: fan-out once per endpoint and event, signed attempts, backoff, giving up
after the retry window, disabling a dead endpoint with a notice, re-delivery by hand, erasure."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from huntaze_events import FanErased
from huntaze_testkit.fakes import envelope
from notifications import signing
from notifications.deliveries import redeliver
from notifications.domain import delivery_id_of
from notifications.ports import Sent

from .world import World

FAIL = Sent(500, "boom", 4)
OK = Sent(200, None, 3)


async def test_an_event_reaches_each_endpoint_that_chose_it_once_signed() -> None:
    w = World()
    wanted = w.endpoint("transaction.recorded")
    w.endpoint("post.failed")  # another type
    w.endpoint("transaction.recorded", status="disabled")
    w.endpoint("transaction.recorded", creator=uuid.uuid4())  # another creator's
    sale = w.sale()
    await w.worker.deliver(sale)
    await w.worker.deliver(sale)  # consumed twice (at-least-once on the wire)
    assert len(w.repo.deliveries_by_id) == 1 and len(w.calls()) == 1
    assert await w.worker.run_calls() == [("webhook_attempt", f"{delivery_id_of(wanted.id, sale.event_id)}:1", "done")]

    url, headers, body = w.sender.requests[0]
    assert url == wanted.url
    t = int(headers["Huntaze-Signature"].split(",")[0].removeprefix("t="))
    assert signing.verify(w.secret, headers["Huntaze-Signature"], body, now=t)
    document = json.loads(body)
    assert document["type"] == "transaction.recorded" and document["event_id"] == str(sale.event_id)
    assert document["data"]["net_cents"] == 800 and headers["Huntaze-Delivery"] == document["id"]
    delivery = w.repo.deliveries_by_id[uuid.UUID(document["id"])]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert [(a.number, a.status_code) for a in w.repo.attempt_rows] == [(1, 200)]


async def test_failures_back_off_then_the_delivery_lands_and_the_endpoint_is_healthy_again() -> None:
    w = World(FAIL, Sent(None, "no answer in time", 10000), OK, webhook_first_retry_s=30)
    endpoint = w.endpoint()
    await w.worker.deliver(w.sale())
    await w.worker.run_calls()
    [call] = w.calls()
    delay = (call.due_at - w.clock()).total_seconds()
    assert 27 <= delay <= 33 and call.key.endswith(":2")
    assert w.repo.endpoints_by_id[endpoint.id].failing_since == w.clock()
    w.clock.advance(seconds=delay)
    await w.worker.run_calls()
    [call] = w.calls()
    assert 54 <= (call.due_at - w.clock()).total_seconds() <= 66  # doubled
    w.clock.advance(seconds=70)
    await w.worker.run_calls()
    [delivery] = w.repo.deliveries_by_id.values()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert [(a.status_code, a.error) for a in w.repo.attempt_rows] == [
        (500, "boom"), (None, "no answer in time"), (200, None)
    ]  # fmt: skip
    assert w.repo.endpoints_by_id[endpoint.id].failing_since is None
    assert len({h["Huntaze-Delivery"] for _, h, _ in w.sender.requests}) == 1  # the same delivery id each time


async def test_a_delivery_is_given_up_after_the_retry_window() -> None:
    w = World(FAIL, webhook_first_retry_s=30, webhook_max_retry_s=3600, webhook_retry_for_s=3 * 3600,
              webhook_disable_after_s=10 * 24 * 3600)  # fmt: skip
    w.endpoint()
    await w.worker.deliver(w.sale())
    rounds = 0
    while w.calls():
        [call] = w.calls()
        w.clock.current = call.due_at
        await w.worker.run_calls()
        rounds += 1
    [delivery] = w.repo.deliveries_by_id.values()
    assert delivery.status == "failed" and delivery.attempts == rounds
    assert w.clock() - delivery.created_at <= timedelta(hours=3)
    assert 8 <= rounds <= 10  # after 30 s, 1, 2, 4, 8, 16, 32, 60, 60 min (±10 % each): what fits in 3 h


async def test_an_endpoint_failing_for_a_day_is_disabled_its_pending_deliveries_stopped_and_the_team_told() -> None:
    w = World(FAIL, webhook_first_retry_s=3600, webhook_max_retry_s=3600, webhook_disable_after_s=24 * 3600,
              webhook_retry_for_s=48 * 3600)  # fmt: skip
    endpoint = w.endpoint()
    await w.worker.deliver(w.sale())
    await w.worker.run_calls()  # first failure: the clock starts
    w.clock.advance(hours=20)
    await w.worker.deliver(w.sale())  # a second event meanwhile
    for _ in range(30):
        due = [c for c in w.calls() if c.due_at <= w.clock()]
        if due:
            await w.worker.run_calls()
        if w.repo.endpoints_by_id[endpoint.id].status == "disabled":
            break
        w.clock.advance(hours=1)
    disabled = w.repo.endpoints_by_id[endpoint.id]
    assert disabled.status == "disabled" and "every attempt failed since" in (disabled.disabled_reason or "")
    assert w.calls() == [] and {d.status for d in w.repo.deliveries_by_id.values()} == {"failed"}
    [notice] = w.repo.notice_rows.values()
    assert notice.kind == "webhook_disabled" and notice.data["endpoint_id"] == str(endpoint.id)
    await w.worker.deliver(w.sale())  # nothing more for a disabled endpoint
    assert len(w.repo.deliveries_by_id) == 2


async def test_redelivery_by_hand_replaces_a_pending_retry_and_lands() -> None:
    w = World(FAIL, OK)
    endpoint = w.endpoint()
    await w.worker.deliver(w.sale())
    await w.worker.run_calls()
    [delivery] = w.repo.deliveries_by_id.values()
    async with w.worker.uow() as uow:
        await redeliver(uow, endpoint, delivery.id)
    [call] = w.calls()  # the automatic retry was cancelled, the manual attempt replaces it
    assert ":by-hand:" in call.key
    await w.worker.run_calls()
    assert w.repo.deliveries_by_id[delivery.id].status == "delivered"


async def test_redelivery_is_refused_for_a_disabled_endpoint_and_unknown_ids() -> None:
    from huntaze_service import ApiError

    w = World()
    endpoint = w.endpoint()
    await w.worker.deliver(w.sale())
    [delivery] = w.repo.deliveries_by_id.values()
    async with w.worker.uow() as uow:
        with pytest.raises(ApiError) as missing:
            await redeliver(uow, endpoint, uuid.uuid4())
    assert missing.value.status_code == 404
    w.repo.endpoints_by_id[endpoint.id] = replace(endpoint, status="disabled")
    async with w.worker.uow() as uow:
        with pytest.raises(ApiError) as disabled:
            await redeliver(uow, w.repo.endpoints_by_id[endpoint.id], delivery.id)
    assert disabled.value.status_code == 409


async def test_a_sealed_secret_no_key_opens_fails_the_attempt_for_good_and_logs_it() -> None:
    from huntaze_service.sealing import SealedBox, new_key

    w = World()
    w.endpoint()
    await w.worker.deliver(w.sale())
    w.box = SealedBox(new_key())  # the key was dropped
    outcomes = await w.worker.run_calls()
    assert [o[2] for o in outcomes] == ["refused"] and w.sender.requests == []
    [attempt] = w.repo.attempt_rows
    assert attempt.status_code is None and "no configured key" in (attempt.error or "")


async def test_an_erased_fan_leaves_no_trace_in_stored_bodies() -> None:
    w = World()
    w.endpoint()
    fan = uuid.uuid4()
    await w.worker.deliver(w.sale(fan), w.sale())
    erased = FanErased(fan_id=fan, creator_id=w.creator, erased_at=w.clock(), requested_by=uuid.uuid4())
    await w.worker.deliver(envelope(erased, producer="fans", creator_id=w.creator))
    bodies = sorted(d.body for d in w.repo.deliveries_by_id.values())
    assert bodies[0] == b'{"erased":true}' and b"Theo" in bodies[1]


async def test_with_the_production_schedule_a_receiver_down_ten_minutes_gets_the_delivery_within_18() -> None:
    """30 s doubling (±10 % each): attempts near 0, 0.5, 1.5, 3.5, 7.5 and 15.5 (±1.6) minutes; back at 10."""
    w = World(webhook_first_retry_s=30, webhook_max_retry_s=3600)  # the defaults of production
    w.endpoint()
    await w.worker.deliver(w.sale())
    start = w.clock()
    back_at = start + timedelta(minutes=10)
    while w.calls():
        [call] = w.calls()
        w.clock.current = max(call.due_at, w.clock())
        w.sender.answers = [OK] if w.clock() >= back_at else [Sent(None, "connection refused", 1)]
        w.sender.requests.clear()
        await w.worker.run_calls()
    [delivery] = w.repo.deliveries_by_id.values()
    assert delivery.status == "delivered" and delivery.attempts == 6
    assert timedelta(minutes=10) <= delivery.delivered_at - start <= timedelta(minutes=18)


async def test_a_price_suggestion_becomes_a_notice_for_owners_and_managers_and_a_delivery() -> None:
    from datetime import UTC, datetime

    from huntaze_events import PriceSuggested

    w = World()
    w.endpoint("price.suggested")
    payload = PriceSuggested(
        scope_key=f"{w.creator}:ppv:whales:video", scope="ppv", segment="whales", media_kind="video", currency="USD",
        current_price_cents=1500, suggested_price_cents=2200, change_30d_cents=41_250, change_30d_low_cents=12_900,
        change_30d_high_cents=70_400, confidence=0.9, observations=1840,
        period_start=datetime(2026, 8, 4, tzinfo=UTC), period_end=datetime(2026, 11, 2, tzinfo=UTC),
    )  # fmt: skip
    suggested = envelope(payload, producer="ai", creator_id=w.creator)
    await w.worker.deliver(suggested)
    await w.worker.deliver(suggested)
    [notice] = w.repo.notice_rows.values()
    assert notice.title == "Price suggestion for paid video messages to whales"
    assert notice.body.startswith("USD 15.00 → USD 22.00: USD 412.50 per 30 days expected (USD 129.00 to USD 704.00")
    assert len(w.repo.deliveries_by_id) == 1


async def test_an_anomaly_becomes_a_notice_for_owners_and_managers_and_a_delivery() -> None:
    from datetime import UTC, datetime

    from huntaze_events import AnomalyDetected

    w = World()
    w.endpoint("anomaly.detected")
    drop = AnomalyDetected(
        anomaly_id=uuid.uuid4(), anomaly_key=f"{w.creator}:revenue_drop:USD:x", kind="revenue_drop", subject="USD",
        currency="USD", window_start=datetime(2026, 11, 26, 19, tzinfo=UTC),
        window_end=datetime(2026, 11, 26, 22, tzinfo=UTC), unit="cents", observed=1800, expected=41_250, low=14_100,
        high=88_900, score=5.4, evidence={"hours": 3}, detected_at=datetime(2026, 11, 26, 22, 10, tzinfo=UTC),
    )  # fmt: skip
    link = uuid.uuid4()
    stopped = drop.model_copy(update={"anomaly_id": uuid.uuid4(), "kind": "link_conversion_drop", "subject": str(link),
                                      "currency": None, "link_id": link, "unit": "conversions", "observed": 0,
                                      "expected": 16, "low": 5, "high": 29, "evidence": {"clicks": 80}})  # fmt: skip
    for payload in (drop, stopped):
        event = envelope(payload, producer="ai", creator_id=w.creator)
        await w.worker.deliver(event)
        await w.worker.deliver(event)
    by_kind = {n.data["kind"]: n for n in w.repo.notice_rows.values()}
    assert {n.kind for n in by_kind.values()} == {"anomaly"}
    assert by_kind["revenue_drop"].title == "Revenue dropped below its usual range"
    assert by_kind["revenue_drop"].body == (
        "Thu 26 Nov 19:00–22:00 UTC: USD 18.00 against USD 412.50 expected (usual range USD 141.00 to USD 889.00)."
    )
    assert by_kind["link_conversion_drop"].body.endswith(
        "0 subscribers from 80 visitors against 16 expected (at least 5 usually)."
    )
    assert len(w.repo.deliveries_by_id) == 2


async def test_a_price_test_that_ended_becomes_a_notice_with_every_arm_and_a_delivery() -> None:
    from datetime import UTC, datetime

    from huntaze_events import ArmOutcome, PriceExperimentEnded

    w = World()
    w.endpoint("price_experiment.ended")
    payload = PriceExperimentEnded(
        experiment_id=uuid.uuid4(), name="Video set", outcome="winner", winner_price_cents=1800,
        recommended_price_cents=1800, currency="USD", ended_at=datetime(2026, 11, 26, tzinfo=UTC),
        arms=[ArmOutcome(price_cents=1200, offered=1375, unlocked=412, probability_best=0.004, expected_loss_cents=148.2),
              ArmOutcome(price_cents=1800, offered=1362, unlocked=367, probability_best=0.996, expected_loss_cents=0.1)],
    )  # fmt: skip
    event = envelope(payload, producer="ai", creator_id=w.creator)
    await w.worker.deliver(event)
    await w.worker.deliver(event)
    [notice] = w.repo.notice_rows.values()
    assert notice.kind == "price_test" and notice.title == 'Price test "Video set": USD 18.00 wins'
    assert notice.body == (
        "USD 12.00: 412 of 1,375 unlocked, 0% chance of the best revenue; "
        "USD 18.00: 367 of 1,362 unlocked, 100% chance of the best revenue."
    )
    assert len(w.repo.deliveries_by_id) == 1
