"""Stripe-shaped webhook events, signed exactly as Stripe signs them.

stripe-mock sends no webhooks, so tests build the events themselves: :func:`sign` makes the
``Stripe-Signature`` header (``t=<unix ts>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>``, as in
Stripe's documentation and its SDKs' ``WebhookSignature``), and the builders make the bodies of the
event types billing handles, with the fields it reads (API version 2026-10-28: a subscription's
period is on its items)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from typing import Any

API_VERSION = "2026-10-28.endive"
_seq = itertools.count(1)


def sign(body: bytes | str, secret: str, *, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send with ``body``."""
    raw = body.encode() if isinstance(body, str) else body
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def signed(event: dict[str, Any], secret: str, *, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """(raw body, headers) ready to POST."""
    body = json.dumps(event, separators=(",", ":")).encode()
    return body, {"Stripe-Signature": sign(body, secret, timestamp=timestamp), "Content-Type": "application/json"}


def event(
    type_: str, obj: dict[str, Any], *, created: int | None = None, event_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_test_{uuid.uuid4().hex[:20]}",
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()) if created is None else created,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type_,
    }


def subscription(
    sub_id: str, customer: str, price: str, *, status: str = "active", period_end: int | None = None,
    cancel_at_period_end: bool = False, metadata: dict[str, str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    end = period_end or int(time.time()) + 30 * 86400
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": cancel_at_period_end,
        "metadata": metadata or {},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": f"si_test_{next(_seq)}",
                    "object": "subscription_item",
                    "price": {"id": price, "object": "price"},
                    "quantity": 1,
                    "current_period_start": end - 30 * 86400,
                    "current_period_end": end,
                }
            ],
        },
    }


def subscription_event(type_: str, sub: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
    return event(f"customer.subscription.{type_}", sub, created=created)


def checkout_completed(session_id: str, customer: str, sub_id: str, org_id: str, **kw: Any) -> dict[str, Any]:
    return event(
        "checkout.session.completed",
        {
            "id": session_id,
            "object": "checkout.session",
            "mode": "subscription",
            "customer": customer,
            "subscription": sub_id,
            "client_reference_id": org_id,
            "metadata": {"organization_id": org_id},
            "status": "complete",
            "payment_status": "paid",
        },
        **kw,
    )


def invoice(type_: str, customer: str, sub_id: str, *, amount_cents: int = 4900, **kw: Any) -> dict[str, Any]:
    """``invoice.paid`` or ``invoice.payment_failed`` (the subscription under ``parent``, as the API has it now)."""
    return event(
        f"invoice.{type_}",
        {
            "id": f"in_test_{next(_seq)}",
            "object": "invoice",
            "customer": customer,
            "amount_due": amount_cents,
            "currency": "usd",
            "status": "paid" if type_ == "paid" else "open",
            "parent": {"type": "subscription_details", "subscription_details": {"subscription": sub_id}},
        },
        **kw,
    )


def customer_deleted(customer: str, **kw: Any) -> dict[str, Any]:
    return event("customer.deleted", {"id": customer, "object": "customer", "deleted": True}, **kw)
