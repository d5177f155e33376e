"""``POST /v1/billing/webhooks/stripe``: reached only through the gateway's public route (its visitor
token), with Stripe's raw body and ``Stripe-Signature`` header as they came.

The signature is verified with the SDK (``stripe.Webhook.construct_event``, timestamp tolerance):
a bad or missing signature, or a timestamp older than the tolerance, answers 400 and stores nothing.
A verified event is stored (raw) with a timer to process it, then answered 200 at once; a replay
answers 200 and changes nothing."""

from __future__ import annotations

import json
import logging

import stripe
from fastapi import APIRouter, Request
from pydantic import BaseModel

from huntaze_service import ApiError, RuntimeDep, VisitorCaller

from . import handlers, metrics

router = APIRouter(prefix="/v1/billing", tags=["billing"])
log = logging.getLogger("huntaze.billing.webhooks")
MAX_BODY = 1024 * 1024


class Received(BaseModel):
    received: bool = True
    duplicate: bool


def _refuse(reason: str, detail: str) -> ApiError:
    metrics.webhook("rejected", reason)
    log.warning("stripe webhook refused (%s): %s", reason, detail)
    return ApiError(400, detail, f"webhook_{reason}")


@router.post("/webhooks/stripe", response_model=Received, include_in_schema=False)
async def stripe_webhook(request: Request, runtime: RuntimeDep, _visitor: VisitorCaller) -> Received:
    metrics.webhook("received")
    secret = runtime.settings.stripe_webhook_secret
    if secret is None:
        metrics.webhook("rejected", "not_configured")
        raise ApiError(503, "BILLING_STRIPE_WEBHOOK_SECRET is not set: no webhook can be verified", "not_configured")
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise _refuse("too_large", "the body is larger than 1 MiB")
    header = request.headers.get("stripe-signature")
    if not header:
        raise _refuse("missing_signature", "no Stripe-Signature header")
    try:
        text = raw.decode("utf-8")
        stripe.Webhook.construct_event(
            text, header, secret.get_secret_value(), tolerance=runtime.settings.webhook_tolerance_s
        )
        event = json.loads(text)
    except stripe.SignatureVerificationError as exc:
        raise _refuse("bad_signature", f"the Stripe-Signature does not verify: {exc.user_message or exc}") from None
    except (ValueError, UnicodeDecodeError):
        raise _refuse("bad_body", "the body is not a Stripe event (JSON)") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"]:
        raise _refuse("bad_body", "the body is not a Stripe event (no id)")
    async with runtime.uow() as uow:
        inserted = await handlers.receive_webhook(uow, event, text)
    metrics.webhook("verified" if inserted else "replayed")
    return Received(duplicate=not inserted)
