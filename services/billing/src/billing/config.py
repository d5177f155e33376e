"""Settings of the billing service (env prefix ``BILLING_``). tools/infra.py points the Stripe ones
at the profile's stripe-mock; production gives the real Stripe keys and the public URLs."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from huntaze_events.billing import PLAN_CODE
from huntaze_service import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BILLING_", extra="ignore", frozen=True)

    service_name: str = "billing"
    http_port: int = 8007

    stripe_api_key: SecretStr | None = None
    """Stripe's secret API key (``sk_…``). Required in production."""
    stripe_webhook_secret: SecretStr | None = None
    """The signing secret of the webhook endpoint (``whsec_…``): an event not signed with it is refused."""
    stripe_api_base: str | None = None
    """None: Stripe itself. Local profiles: their stripe-mock."""
    stripe_max_network_retries: int = 2
    stripe_timeout_s: float = 20.0
    webhook_tolerance_s: int = 300
    """How old a webhook's signed timestamp may be (Stripe's default): older ones are replays → 400."""
    grace_period_s: int = 7 * 24 * 3600
    """After a failed payment, how long the organisation keeps its plan before falling back to free."""
    default_plan: str = Field(default="free", pattern=PLAN_CODE)
    """The plan of an organisation that never subscribed: the free plan. An operator may start new
    organisations on another (a complimentary plan); losing a subscription always falls back to free.
    The test suite's platform starts them on ``agency`` so that tests of other features are not capped
    by the free plan (billing's own tests assert it and move organisations explicitly)."""
    checkout_success_url: str | None = None
    checkout_cancel_url: str | None = None
    portal_return_url: str | None = None

    def required_in_production(self) -> dict[str, Any]:
        return super().required_in_production() | {
            "stripe_api_key": self.stripe_api_key,
            "stripe_webhook_secret": self.stripe_webhook_secret,
            "checkout_success_url": self.checkout_success_url,
            "checkout_cancel_url": self.checkout_cancel_url,
            "portal_return_url": self.portal_return_url,
        }

    @property
    def success_url(self) -> str:
        return self.checkout_success_url or "http://127.0.0.1:8000/billing/success?session_id={CHECKOUT_SESSION_ID}"

    @property
    def cancel_url(self) -> str:
        return self.checkout_cancel_url or "http://127.0.0.1:8000/billing/cancelled"

    @property
    def return_url(self) -> str:
        return self.portal_return_url or "http://127.0.0.1:8000/billing"
