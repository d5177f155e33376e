"""Stripe's webhooks: ``POST /v1/billing/webhooks/stripe`` (public: no JWT; Stripe signs each event).

The billing service owns the verification (``stripe.Webhook.construct_event`` with its webhook
secret and timestamp tolerance), the storage and the processing of events: the gateway passes the
request on untouched — the raw body byte for byte (the signature is over those exact bytes), the
``Stripe-Signature`` header as is — with its *visitor* internal token (nobody signed in: refused by
every service route but the public ones), and returns billing's answer (2xx: stored or a replay;
400: bad or missing signature, too old). The body is capped at 1 MiB (413, :data:`BODY_LIMITS`) and
the calls per client address are rate-limited (429 with ``Retry-After``: Stripe retries later). When
billing does not answer, 503/504: Stripe retries the event (for up to three days).
"""

from __future__ import annotations

import aiohttp
import yarl
from fastapi import APIRouter, Request, Response

from huntaze_service import INTERNAL_TOKEN_HEADER, ApiError

from ..routing import BODY_LIMITS
from ..throttle import Throttled
from .access import runtime_of
from .links import visitor_token

router = APIRouter(tags=["billing"])

PATH = "/v1/billing/webhooks/stripe"
MAX_BYTES = BODY_LIMITS[PATH]
SIGNATURE_HEADER = "stripe-signature"
_PASSED_STATUSES = (200, 201, 202, 204, 400, 404, 409, 413, 415, 422)
"""Billing's answers returned as they are; any other is the gateway's 502."""


@router.post(
    PATH,
    response_class=Response,
    responses={
        200: {"description": "The event is stored (or was already: a replay changes nothing)."},
        400: {"description": "Missing or bad `Stripe-Signature`, or a timestamp older than the tolerance."},
        413: {"description": "The body is larger than 1 MiB."},
        429: {"description": "Too many calls from this address: see Retry-After."},
        503: {"description": "The billing service is unavailable: Stripe retries."},
    },
    summary="Stripe's webhook endpoint (public: give this URL to Stripe)",
)
async def stripe_webhook(request: Request) -> Response:
    """Where Stripe sends its events (`checkout.session.completed`, `customer.subscription.*`,
    `invoice.paid`, `invoice.payment_failed`, `customer.deleted`): verified with the endpoint's signing
    secret, stored, and processed once each, after this answer."""
    runtime = runtime_of(request)
    address = request.client.host if request.client else "unknown"
    try:
        await runtime.state["throttle"].webhook(address)
    except Throttled as exc:
        raise ApiError(429, str(exc), "rate_limited", headers={"Retry-After": str(exc.retry_after_s)}) from None
    body = await request.body()  # at most MAX_BYTES: the body limit answers 413 beyond
    if len(body) > MAX_BYTES:
        raise ApiError(413, f"request body larger than {MAX_BYTES} bytes")
    headers = {INTERNAL_TOKEN_HEADER: visitor_token(request)}
    headers["content-type"] = request.headers.get("content-type") or "application/json"
    signature = request.headers.get(SIGNATURE_HEADER)
    if signature is not None:  # a missing one is billing's 400 to say
        headers["Stripe-Signature"] = signature
    base = runtime.settings.upstreams()["billing"]
    upstream: aiohttp.ClientSession = runtime.state["upstream"]
    url = yarl.URL(f"{base.rstrip('/')}{PATH}", encoded=True)
    try:
        async with upstream.post(url, data=body, headers=headers, allow_redirects=False) as answer:
            status, answer_body = answer.status, await answer.read()
            content_type = answer.headers.get("content-type", "application/json")
    except TimeoutError:
        raise ApiError(504, "the billing service did not answer in time") from None
    except aiohttp.ClientError:
        raise ApiError(503, "the billing service is unavailable", headers={"Retry-After": "2"}) from None
    if status == 503:
        raise ApiError(503, "the billing service is unavailable", headers={"Retry-After": "2"})
    if status not in _PASSED_STATUSES:
        raise ApiError(502, "the billing service could not take this event")
    return Response(content=answer_body, status_code=status, headers={"content-type": content_type})
