"""Webhook deliveries: one per endpoint and event, attempted through the chassis' call outbox until
the endpoint answers 2xx, retried with backoff for a day, logged attempt by attempt.

Flow (each arrow one transaction; the HTTP call outside any)::

    event consumed ─▶ a delivery per active endpoint that chose its type (id = uuid5(endpoint, event):
        consumed twice, delivered once) + external call ``webhook_attempt`` (key: delivery:1)
    the call (a worker, no transaction): the URL is checked again (url_guard), the body signed with
        the endpoint's secret and the current time, POSTed to the checked address → status or error
    outcome ─▶ attempt row (status code, error, duration); 2xx: delivered, the endpoint healthy again;
        else the next attempt as a new call at now + backoff (30 s doubling to 1 h), until a day after
        the event (then failed, re-deliverable by hand); an endpoint failing for a day is disabled,
        its pending deliveries stopped, and its team notified (``webhook_disabled``)
    crash between the call and its outcome ─▶ the chassis repeats the call after the lease: the
        receiver may see the same ``Huntaze-Delivery`` twice (at-least-once, like every webhook sender)
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from huntaze_events import Envelope
from huntaze_service import ApiError, Call, CallFailed, RetryPolicy, Subscriptions
from huntaze_service.sealing import SealedBox, Unreadable

from . import signing
from .domain import TEST_EVENT, Attempt, Delivery, Endpoint, Notice, delivery_id_of, notice_id_of, retry_delay_s
from .ports import Sender, Sent, Uow

ATTEMPT = "webhook_attempt"
USER_AGENT = "Huntaze-Webhooks/1"


@dataclass(frozen=True)
class DeliveryPolicy:
    first_retry_s: float
    max_retry_s: float
    retry_for_s: float
    disable_after_s: float


class AttemptCall(BaseModel):
    """What one attempt needs, fixed when it was scheduled (the secret stays sealed)."""

    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    sealed_secret: str
    event_type: str
    body: str


def body_of(delivery_id: uuid.UUID, event_type: str, version: int, event_id: uuid.UUID, created: datetime,
            creator_id: uuid.UUID, data: Any) -> bytes:  # fmt: skip
    document = {
        "id": str(delivery_id),
        "type": event_type,
        "version": version,
        "event_id": str(event_id),
        "created": created.isoformat(),
        "creator_id": str(creator_id),
        "data": data,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _schedule(uow: Uow, endpoint: Endpoint, delivery: Delivery, *, key: str, at: datetime | None = None,
              cause: Envelope[Any] | None = None) -> None:  # fmt: skip
    payload = AttemptCall(
        delivery_id=delivery.id,
        endpoint_id=endpoint.id,
        url=endpoint.url,
        sealed_secret=endpoint.sealed_secret.decode("ascii"),
        event_type=delivery.event_type,
        body=delivery.body.decode(),
    )
    uow.call(ATTEMPT, key=key, tenant=delivery.creator_id, at=at, payload=payload, cause=cause)


def _auto_key(delivery: Delivery) -> str:
    """The key of the next automatic attempt (one per attempt number: scheduling it twice does nothing)."""
    return f"{delivery.id}:{delivery.attempts + 1}"


async def fan_out(uow: Uow, event: Envelope[Any]) -> int:
    """A delivery for each of the creator's endpoints that chose this event type; returns how many."""
    created = 0
    for endpoint in await uow.repo.subscribed(event.creator_id, event.type):
        delivery_id = delivery_id_of(endpoint.id, event.event_id)
        data = event.payload.model_dump(mode="json")
        delivery = Delivery(
            id=delivery_id,
            endpoint_id=endpoint.id,
            creator_id=event.creator_id,
            event_id=event.event_id,
            event_type=event.type,
            body=body_of(
                delivery_id, event.type, event.version, event.event_id, event.occurred_at, event.creator_id, data
            ),  # fmt: skip
            created_at=uow.now(),
            next_attempt_at=uow.now(),
            fan_id=getattr(event.payload, "fan_id", None),
        )
        if await uow.repo.add_delivery(delivery):
            _schedule(uow, endpoint, delivery, key=_auto_key(delivery), cause=event)
            created += 1
    return created


async def fan_out_test(uow: Uow, endpoint: Endpoint) -> Delivery:
    event_id = uuid.uuid4()
    delivery_id = delivery_id_of(endpoint.id, event_id)
    now = uow.now()
    data = {"message": "a test delivery from Huntaze", "endpoint_id": str(endpoint.id)}
    delivery = Delivery(
        id=delivery_id, endpoint_id=endpoint.id, creator_id=endpoint.creator_id, event_id=event_id,
        event_type=TEST_EVENT, body=body_of(delivery_id, TEST_EVENT, 1, event_id, now, endpoint.creator_id, data),
        created_at=now, next_attempt_at=now,
    )  # fmt: skip
    await uow.repo.add_delivery(delivery)
    _schedule(uow, endpoint, delivery, key=_auto_key(delivery))
    return delivery


async def redeliver(uow: Uow, endpoint: Endpoint, delivery_id: uuid.UUID) -> Delivery:
    """One more attempt now, whatever the delivery's state (a pending retry is replaced by it)."""
    delivery = await uow.repo.delivery(endpoint.id, delivery_id)
    if delivery is None:
        raise ApiError(404, "delivery not found")
    if endpoint.status != "active":
        raise ApiError(409, "the endpoint is disabled: enable it first (PATCH enabled=true)")
    if delivery.status == "pending":
        uow.cancel(ATTEMPT, key=_auto_key(delivery))
    again = replace(delivery, status="pending", next_attempt_at=uow.now())
    await uow.repo.save_delivery(again)
    _schedule(uow, endpoint, again, key=f"{delivery.id}:by-hand:{uuid.uuid4()}")
    await uow.commit()
    return again


async def record_outcome(uow: Uow, policy: DeliveryPolicy, endpoint_id: uuid.UUID, delivery_id: uuid.UUID,
                         sent: Sent) -> None:  # fmt: skip
    """Logs the attempt and decides what comes next (see the module's flow)."""
    endpoint = await uow.repo.endpoint_for_update(endpoint_id)
    delivery = await uow.repo.delivery(endpoint_id, delivery_id) if endpoint is not None else None
    if endpoint is None or delivery is None:
        return  # deleted meanwhile: its log went with it
    now = uow.now()
    attempt = Attempt(delivery.id, delivery.attempts + 1, now, sent.status_code, sent.error, sent.duration_ms)
    await uow.repo.add_attempt(attempt)
    done = replace(delivery, attempts=attempt.number, last_status_code=sent.status_code, last_error=sent.error)
    if attempt.ok:
        await uow.repo.save_delivery(replace(done, status="delivered", delivered_at=now, next_attempt_at=None))
        if endpoint.failing_since is not None:
            await uow.repo.save_endpoint(replace(endpoint, failing_since=None))
        return
    if delivery.status != "pending":
        await uow.repo.save_delivery(done)  # a repeat after the delivery was settled: logged only
        return
    failing_since = endpoint.failing_since or now
    endpoint = replace(endpoint, failing_since=failing_since)
    if endpoint.status == "active" and now - failing_since >= timedelta(seconds=policy.disable_after_s):
        await _disable(uow, endpoint, now, skip=delivery.id)
        await uow.repo.save_delivery(replace(done, status="failed", next_attempt_at=None))
        return
    await uow.repo.save_endpoint(endpoint)
    if endpoint.status != "active":
        await uow.repo.save_delivery(replace(done, status="failed", next_attempt_at=None))
        return
    at = now + timedelta(seconds=retry_delay_s(attempt.number, policy.first_retry_s, policy.max_retry_s))
    if at > delivery.created_at + timedelta(seconds=policy.retry_for_s):
        await uow.repo.save_delivery(replace(done, status="failed", next_attempt_at=None))
        return
    following = replace(done, next_attempt_at=at)
    await uow.repo.save_delivery(following)
    _schedule(uow, endpoint, following, key=_auto_key(following), at=at)


async def _disable(uow: Uow, endpoint: Endpoint, now: datetime, *, skip: uuid.UUID) -> None:
    since = endpoint.failing_since or now
    reason = f"every attempt failed since {since.isoformat(timespec='seconds')}"
    await uow.repo.save_endpoint(replace(endpoint, status="disabled", disabled_reason=reason, updated_at=now))
    for pending in await uow.repo.pending_of(endpoint.id):
        if pending.id != skip:
            uow.cancel(ATTEMPT, key=_auto_key(pending))
            await uow.repo.save_delivery(replace(pending, status="failed", next_attempt_at=None,
                                                 last_error=pending.last_error or "endpoint disabled"))  # fmt: skip
    source = uuid.uuid5(endpoint.id, since.isoformat())
    await uow.repo.add_notice(
        Notice(
            id=notice_id_of(source, "webhook_disabled"),
            creator_id=endpoint.creator_id,
            kind="webhook_disabled",
            title="A webhook endpoint was switched off",
            body=f"{endpoint.url} failed every delivery for a day; fix it, then enable it and re-deliver what it missed.",
            created_at=now,
            data={"endpoint_id": str(endpoint.id), "url": endpoint.url, "failing_since": since.isoformat()},
        )
    )


def subscribe(subs: Subscriptions, policy: DeliveryPolicy, box_of: Callable[[], SealedBox],
              sender_of: Callable[[], Sender], timeout_s: float) -> None:  # fmt: skip
    async def remote(call: Call[AttemptCall]) -> Sent:
        try:
            secret = box_of().open(call.payload.sealed_secret.encode()).decode()
        except Unreadable as exc:
            raise CallFailed(str(exc), permanent=True) from exc
        body = call.payload.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            signing.DELIVERY_HEADER: str(call.payload.delivery_id),
            signing.EVENT_HEADER: call.payload.event_type,
            signing.SIGNATURE_HEADER: signing.signature_header(secret, int(time.time()), body),
        }
        return await sender_of().send(call.payload.url, headers, body)

    async def on_result(uow: Uow, call: Call[AttemptCall], sent: Sent) -> None:
        await record_outcome(uow, policy, call.payload.endpoint_id, call.payload.delivery_id, sent)

    async def on_failure(uow: Uow, call: Call[AttemptCall], error: str) -> None:
        await record_outcome(uow, policy, call.payload.endpoint_id, call.payload.delivery_id, Sent(None, error, 0))

    subs.call(
        ATTEMPT, AttemptCall, remote=remote, on_result=on_result, on_failure=on_failure,
        timeout_s=timeout_s + 5, retry=RetryPolicy(max_attempts=3, initial_backoff_s=1.0, max_backoff_s=30.0),
        description="POSTs one signed webhook delivery to the creator's endpoint (checked against SSRF).",
    )  # fmt: skip
