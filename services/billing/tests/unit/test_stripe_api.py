"""What SdkStripe asks of the SDK (a recording stand-in for ``StripeClient``; stripe-mock answers it
for real in the integration tests): idempotency keys, the organisation on the session, errors mapped."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import stripe

from billing.config import BillingSettings
from billing.stripe_api import CheckoutRequest, SdkStripe, StripeUnavailable


class Recorder:
    def __init__(self, answer: Any, fail: Exception | None = None) -> None:
        self.answer, self.fail, self.calls = answer, fail, []

    async def create_async(self, params: dict[str, Any], options: dict[str, Any] | None = None) -> Any:
        self.calls.append((params, options))
        if self.fail:
            raise self.fail
        return self.answer


def client(**services: Recorder) -> Any:
    v1 = SimpleNamespace(
        customers=services.get("customers"),
        checkout=SimpleNamespace(sessions=services.get("sessions")),
        billing_portal=SimpleNamespace(sessions=services.get("portal")),
        billing=SimpleNamespace(meter_events=services.get("meters")),
    )
    return SimpleNamespace(v1=v1)


async def test_the_customer_is_made_once_per_organisation_and_the_session_names_it() -> None:
    customers = Recorder(SimpleNamespace(id="cus_1"))
    sessions = Recorder(SimpleNamespace(id="cs_1", url="https://checkout/cs_1"))
    sdk = SdkStripe(BillingSettings(), client(customers=customers, sessions=sessions))  # type: ignore[arg-type]
    assert await sdk.create_customer("org-1", "Acme") == "cus_1"
    assert customers.calls[0][1] == {"idempotency_key": "huntaze-customer-org-1"}
    assert await sdk.create_checkout(CheckoutRequest("org-1", "cus_1", "pro", "month", "price_p")) == (
        "cs_1",
        "https://checkout/cs_1",
    )
    params = sessions.calls[0][0]
    assert (params["mode"], params["customer"], params["client_reference_id"]) == ("subscription", "cus_1", "org-1")
    assert params["line_items"] == [{"price": "price_p", "quantity": 1}]
    assert params["subscription_data"]["metadata"]["organization_id"] == "org-1"


async def test_meter_events_carry_the_unit_as_identifier_and_failures_are_retryable() -> None:
    meters = Recorder(SimpleNamespace(identifier="u-1"))
    sdk = SdkStripe(BillingSettings(), client(meters=meters))  # type: ignore[arg-type]
    assert await sdk.meter_event("huntaze_ai_drafts", "cus_1", 1, "u-1") == "u-1"
    params, options = meters.calls[0]
    assert params == {"event_name": "huntaze_ai_drafts", "payload": {"stripe_customer_id": "cus_1", "value": "1"},
                      "identifier": "u-1"}  # fmt: skip
    assert options == {"idempotency_key": "huntaze-meter-u-1"}
    down = SdkStripe(BillingSettings(), client(portal=Recorder(None, stripe.APIConnectionError("refused"))))  # type: ignore[arg-type]
    with pytest.raises(StripeUnavailable):
        await down.create_portal("cus_1")
