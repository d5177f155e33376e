"""Everything the billing workers do, in one place: Stripe events, grace periods, organisations, metering."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from huntaze_service import Subscriptions

from . import handlers, metering
from .config import BillingSettings
from .stripe_api import SdkStripe, StripePort


def subscriptions(settings: BillingSettings | None = None, stripe: StripePort | None = None) -> Subscriptions:
    settings = settings or BillingSettings()

    @cache
    def stripe_of() -> StripePort:
        return stripe or SdkStripe(settings)

    subs = Subscriptions()
    handlers.subscribe(subs, timedelta(seconds=settings.grace_period_s), settings.default_plan)
    metering.subscribe(subs, stripe_of)
    return subs
