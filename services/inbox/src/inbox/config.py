from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from pydantic import PositiveFloat, PositiveInt, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings

from .offers import PriceRange
from .unanswered import UNANSWERED_AFTER


@dataclass(frozen=True)
class OfferTerms:
    """What the platform accepts for an offer, and how long it waits for the unlock."""

    prices: PriceRange
    window: timedelta


DEFAULT_OFFER_TERMS = OfferTerms(PriceRange(300, 20000), timedelta(hours=72))


@dataclass(frozen=True)
class MassPace:
    """How fast mass-message deliveries are handed to the connector: ``per_tick`` every ``tick``."""

    per_tick: int
    tick: timedelta


DEFAULT_MASS_PACE = MassPace(20, timedelta(seconds=1))


class InboxSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INBOX_", extra="ignore", frozen=True)

    service_name: str = "inbox"
    http_port: int = 8001

    connector_webhook_url: str | None = None
    """Where approved replies are POSTed for the OnlyFans connector; unset = log them only. HTTPS
    outside local runs (``local`` and ``test`` accept http://)."""
    connector_webhook_secret: SecretStr | None = None
    """Sent as a bearer token to the webhook when set."""
    connector_signing_secret: SecretStr | None = None
    """Signs every request to the webhook (``Huntaze-Signature``, HMAC-SHA256 of the body); the
    connector verifies it with the same secret. Required in production, and whenever a webhook URL is
    set."""
    connector_timeout_s: PositiveFloat = 10.0
    send_max_attempts: PositiveInt = 8
    """Attempts to hand an approved reply to the connector before the draft shows ``failed``."""
    ppv_min_cents: PositiveInt = DEFAULT_OFFER_TERMS.prices.min_cents
    """The lowest price OnlyFans accepts for a paid message ($3)."""
    ppv_max_cents: PositiveInt = DEFAULT_OFFER_TERMS.prices.max_cents
    """The highest price OnlyFans accepts for a paid message ($200)."""
    unanswered_after_s: PositiveFloat = UNANSWERED_AFTER.total_seconds()
    """How long a fan may wait for an answer (a reply approved, an offer made) before the people on
    shift are alerted (``reply.overdue``, an ``unanswered`` notice); also the alerts' cool-down per
    creator account."""
    offer_expiry_hours: PositiveFloat = DEFAULT_OFFER_TERMS.window.total_seconds() / 3600
    """An offer not unlocked this long after it reached the fan counts as ``expired`` (a later
    unlock still counts)."""

    mass_rate_per_s: PositiveFloat = 20.0
    """Mass-message deliveries handed to the connector per second (per creator's mass message)."""
    mass_tick_s: PositiveFloat = 1.0
    """How often the pump hands the next deliveries over."""

    def mass_pace(self) -> MassPace:
        return MassPace(max(1, round(self.mass_rate_per_s * self.mass_tick_s)), timedelta(seconds=self.mass_tick_s))

    def unanswered_after(self) -> timedelta:
        return timedelta(seconds=self.unanswered_after_s)

    def offer_terms(self) -> OfferTerms:
        return OfferTerms(PriceRange(self.ppv_min_cents, self.ppv_max_cents), timedelta(hours=self.offer_expiry_hours))

    def required_in_production(self) -> dict[str, Any]:
        return {**super().required_in_production(), "connector_signing_secret": self.connector_signing_secret}

    @model_validator(mode="after")
    def _connector_webhook(self) -> InboxSettings:
        url = self.connector_webhook_url
        if not url:
            return self
        scheme = urlsplit(url).scheme.lower()
        local = self.environment.allows_local_defaults
        if scheme != "https" and not (local and scheme == "http"):
            allowed = "https:// (or http:// in local and test runs)" if local else "https://"
            raise ValueError(
                f"INBOX_CONNECTOR_WEBHOOK_URL must be {allowed} in {self.environment.value}: "
                "replies and their signature must not cross the network in clear"
            )
        if self.connector_signing_secret is None or not self.connector_signing_secret.get_secret_value():
            raise ValueError("INBOX_CONNECTOR_SIGNING_SECRET is required when INBOX_CONNECTOR_WEBHOOK_URL is set")
        return self

    @model_validator(mode="after")
    def _price_range(self) -> InboxSettings:
        if self.ppv_min_cents > self.ppv_max_cents:
            raise ValueError("INBOX_PPV_MIN_CENTS must not exceed INBOX_PPV_MAX_CENTS")
        return self
