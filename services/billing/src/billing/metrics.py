"""The billing service's own Prometheus metrics (created on first use, shared by the process)."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from prometheus_client import Counter, Histogram


@cache
def _m() -> tuple[Counter, Counter, Histogram]:
    webhooks = Counter(
        "huntaze_billing_webhooks_total",
        "Stripe webhook requests: received, verified (stored), replayed (already stored), rejected by reason",
        ["result", "reason"],
    )
    events = Counter("huntaze_billing_stripe_events_total", "Stripe events processed, by outcome", ["outcome"])
    lag = Histogram(
        "huntaze_billing_stripe_event_lag_seconds",
        "From a webhook's arrival to its processing",
        buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
    )
    return webhooks, events, lag


def webhook(result: str, reason: str = "") -> None:
    _m()[0].labels(result, reason).inc()


def event_processed(outcome: str, received_at: datetime, now: datetime) -> None:
    _m()[1].labels(outcome).inc()
    _m()[2].observe(max(0.0, (now - received_at).total_seconds()))
