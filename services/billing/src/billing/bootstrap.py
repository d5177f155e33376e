"""Wires the billing service: the one place that chooses adapters."""

from __future__ import annotations

from pathlib import Path

from huntaze_service import Runtime, Service, ServiceDefinition

from . import api, consumers, webhook_api
from .adapters.billing_sql import SqlBillingRepository
from .config import BillingSettings
from .stripe_api import SdkStripe


def build(settings: BillingSettings | None = None) -> Service:
    settings = settings or BillingSettings()
    stripe = SdkStripe(settings)

    async def keep_stripe(runtime: Runtime) -> None:
        runtime.state[api.STRIPE] = stripe

    return Service(
        settings,
        title="Huntaze billing",
        routers=[api.router, webhook_api.router],
        on_startup=[keep_stripe],
        subscriptions=consumers.subscriptions(settings, stripe),
        repository=SqlBillingRepository,
        body_limits={"/v1/billing/webhooks/stripe": webhook_api.MAX_BODY},  # as the gateway's public route
    )


definition = ServiceDefinition(
    name="billing",
    settings=BillingSettings,
    build=build,
    migrations=Path(__file__).parent / "migrations",
    summary="plans on Stripe, signed webhooks processed once, entitlements and usage metering (issue 14)",
)
