"""Stripe, through the official SDK only (``stripe.StripeClient``, async calls over httpx).

:class:`StripePort` is what the use cases need; :class:`SdkStripe` makes it with the SDK against
Stripe or the profile's stripe-mock (``BILLING_STRIPE_API_BASE``). Every create carries an
idempotency key, so a retried request never makes a second customer or meter event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import stripe

from .config import BillingSettings


class StripeUnavailable(Exception):
    """Stripe did not answer usably (network, 5xx, rate limit): the request may be retried."""


class StripeRefused(Exception):
    """Stripe refused the request (bad key, unknown price, …): retrying would not help."""


@dataclass(frozen=True)
class CheckoutRequest:
    org_id: str
    customer_id: str
    plan: str
    interval: str
    price_id: str


class StripePort(Protocol):
    async def create_customer(self, org_id: str, name: str) -> str: ...

    async def create_checkout(self, request: CheckoutRequest) -> tuple[str, str]:
        """(session id, url)."""
        ...

    async def create_portal(self, customer_id: str) -> str: ...

    async def meter_event(self, event_name: str, customer_id: str, value: int, identifier: str) -> str: ...


def client_of(settings: BillingSettings) -> stripe.StripeClient:
    key = settings.stripe_api_key.get_secret_value() if settings.stripe_api_key else "sk_test_unset"
    base: Any = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
    return stripe.StripeClient(
        key,
        base_addresses=base,
        max_network_retries=settings.stripe_max_network_retries,
        http_client=stripe.HTTPXClient(timeout=settings.stripe_timeout_s),
    )


class SdkStripe:
    def __init__(self, settings: BillingSettings, client: stripe.StripeClient | None = None) -> None:
        self.settings = settings
        self.client = client or client_of(settings)

    async def _do(self, call: Any, params: dict[str, Any], key: str | None = None) -> Any:
        try:
            return await call(params, {"idempotency_key": key} if key else None)
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise StripeUnavailable(str(exc)) from exc
        except stripe.APIError as exc:
            raise StripeUnavailable(str(exc)) from exc
        except stripe.StripeError as exc:
            raise StripeRefused(exc.user_message or str(exc)) from exc

    async def create_customer(self, org_id: str, name: str) -> str:
        customer = await self._do(
            self.client.v1.customers.create_async,
            {"name": name or f"Huntaze organisation {org_id}", "metadata": {"organization_id": org_id}},
            f"huntaze-customer-{org_id}",
        )
        return customer.id

    async def create_checkout(self, request: CheckoutRequest) -> tuple[str, str]:
        metadata = {"organization_id": request.org_id, "plan": request.plan, "interval": request.interval}
        session = await self._do(
            self.client.v1.checkout.sessions.create_async,
            {
                "mode": "subscription",
                "customer": request.customer_id,
                "client_reference_id": request.org_id,
                "line_items": [{"price": request.price_id, "quantity": 1}],
                "metadata": metadata,
                "subscription_data": {"metadata": metadata},
                "success_url": self.settings.success_url,
                "cancel_url": self.settings.cancel_url,
            },
        )
        return session.id, session.url

    async def create_portal(self, customer_id: str) -> str:
        portal = await self._do(
            self.client.v1.billing_portal.sessions.create_async,
            {"customer": customer_id, "return_url": self.settings.return_url},
        )
        return portal.url

    async def meter_event(self, event_name: str, customer_id: str, value: int, identifier: str) -> str:
        event = await self._do(
            self.client.v1.billing.meter_events.create_async,
            {
                "event_name": event_name,
                "payload": {"stripe_customer_id": customer_id, "value": str(value)},
                "identifier": identifier,
            },
            f"huntaze-meter-{identifier}",
        )
        return str(getattr(event, "identifier", identifier))
