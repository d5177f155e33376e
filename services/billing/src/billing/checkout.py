"""Checkout and portal: no remote call inside a database transaction.

Checkout = a transaction reading the account → Stripe creates the customer (idempotency key
``huntaze-customer-<org>``, so two racing requests get the same one) → a transaction storing the
customer id only if none is stored (the stored one wins) → Stripe creates the Checkout Session
(client_reference_id and metadata name the organisation, for the audit; the webhook trusts only the
customer→organisation mapping)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from huntaze_service import ApiError

from .accounts import Account
from .plans import Catalogue, Interval, Plan
from .stripe_api import CheckoutRequest, StripePort, StripeRefused, StripeUnavailable

PAYING = ("active", "trialing", "past_due", "unpaid")


def _unavailable(exc: StripeUnavailable | StripeRefused) -> ApiError:
    if isinstance(exc, StripeRefused):  # our configuration (key, price ids), not the caller's input
        return ApiError(502, f"Stripe refused the request: {exc}", "stripe_refused")
    return ApiError(503, f"Stripe is not answering, try again in a moment ({exc})", "stripe_unavailable")


async def _read(runtime: Any, org_id: uuid.UUID) -> tuple[Account | None, Catalogue]:
    async with runtime.uow() as uow:
        return await uow.repo.account(org_id), Catalogue.of(await uow.repo.plans())


def _known(account: Account | None) -> Account:
    """Right after sign-up, before organization.updated reached billing (seconds): ask to retry."""
    if account is None:
        raise ApiError(409, "billing does not know this organisation yet: try again in a few seconds", "not_ready")
    return account


def _payable(catalogue: Catalogue, code: str, interval: Interval) -> tuple[Plan, str]:
    plan = catalogue.get(code)
    if plan is None or not plan.public:
        raise ApiError(422, f"no plan {code!r}: see GET /v1/billing/plans", "unknown_plan")
    price = plan.price(interval)
    if price is None:
        raise ApiError(
            422, f"plan {code!r} is not sold by the {interval} (the free plan needs no checkout)", "not_sold"
        )
    return plan, price


async def customer_of(runtime: Any, stripe: StripePort, account: Account) -> str:
    if account.stripe_customer_id:
        return account.stripe_customer_id
    try:
        created = await stripe.create_customer(str(account.org_id), account.name)
    except (StripeUnavailable, StripeRefused) as exc:
        raise _unavailable(exc) from exc
    async with runtime.uow() as uow:
        current = await uow.repo.account(account.org_id, lock=True)
        if current is not None and current.stripe_customer_id:
            return str(current.stripe_customer_id)  # another request won: reuse its customer
        await uow.repo.save_account(replace(current or account, stripe_customer_id=created))
        await uow.commit()
    return created


@dataclass(frozen=True)
class Session:
    session_id: str
    url: str


async def checkout(runtime: Any, stripe: StripePort, org_id: uuid.UUID, code: str, interval: Interval) -> Session:
    found, catalogue = await _read(runtime, org_id)
    plan, price = _payable(catalogue, code, interval)
    account = _known(found)
    if account.sub_plan is not None and account.status in PAYING and not account.grace_expired:
        raise ApiError(409, "this organisation already has a subscription: change it in the portal", "subscribed")
    customer = await customer_of(runtime, stripe, account)
    try:
        session_id, url = await stripe.create_checkout(
            CheckoutRequest(str(org_id), customer, plan.code, interval, price)
        )
    except (StripeUnavailable, StripeRefused) as exc:
        raise _unavailable(exc) from exc
    return Session(session_id, url)


async def portal(runtime: Any, stripe: StripePort, org_id: uuid.UUID) -> str:
    account = _known((await _read(runtime, org_id))[0])
    if not account.stripe_customer_id:
        raise ApiError(409, "no Stripe customer yet: subscribe through POST /v1/billing/checkout first", "no_customer")
    try:
        return await stripe.create_portal(account.stripe_customer_id)
    except (StripeUnavailable, StripeRefused) as exc:
        raise _unavailable(exc) from exc
