"""What the ai use cases need from storage (the SQL adapter and the unit tests' fake implement it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from huntaze_service.entitlements import EntitlementsRepository

from .domain import Generation, Line, Persona
from .fan_facts import FanFacts
from .idea_facts import SalesData
from .insights.store import InsightRepository

if TYPE_CHECKING:
    from huntaze_service.tombstones import ErasedFan

    from .anomalies.checks import CheckState
    from .anomalies.links import LinkDay
    from .anomalies.revenue import HourlyRevenue
    from .pricing.experiment_runs import Experiment
    from .pricing.review import PricingData


class PricingRepository(Protocol):
    """The pricing read model (:mod:`ai.pricing.records` writes it, :mod:`ai.pricing.review` reads it)."""

    async def set_pricing_media(self, creator_id: uuid.UUID, media_id: uuid.UUID, kind: str) -> None: ...
    async def pricing_media_kinds(self, media_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]: ...
    async def add_pricing_offer(self, creator_id: uuid.UUID, offer_id: uuid.UUID, fan_id: uuid.UUID, price_cents: int,
                                currency: str, kind: str, segment: str, offered_at: datetime, *,
                                unlocked_at: datetime | None, experiment_id: uuid.UUID | None = None) -> None:  # fmt: skip
        """An offer, or its unlock (whichever comes first creates it; the unlock only adds its time; the
        offer its price test, if any)."""
        ...

    async def add_pricing_tip(self, creator_id: uuid.UUID, transaction_id: uuid.UUID, gross_cents: int, currency: str,
                              occurred_at: datetime) -> None: ...  # fmt: skip
    async def upsert_pricing_subscription(self, creator_id: uuid.UUID, fan_id: uuid.UUID, started_at: datetime,
                                          price_cents: int, currency: str, *, via: bool | None, renewed: bool,
                                          expired: bool, started: bool) -> None: ...  # fmt: skip
    async def add_pricing_clicks(self, creator_id: uuid.UUID, day: date, clicks: int) -> None: ...
    async def start_pricing_review(self, creator_id: uuid.UUID, now: datetime) -> bool: ...
    async def last_suggestions(self, creator_id: uuid.UUID) -> dict[str, tuple[int, str]]: ...
    async def save_suggestion(self, creator_id: uuid.UUID, scope_key: str, price_cents: int, currency: str,
                              now: datetime) -> None: ...  # fmt: skip
    async def pricing_currency(self, creator_id: uuid.UUID, since: datetime) -> str | None: ...
    async def pricing_data(
        self, creator_id: uuid.UUID, currency: str, since: datetime, until: datetime
    ) -> PricingData: ...
    async def erase_pricing_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> None: ...


class ExperimentRepository(Protocol):
    """Price tests (:mod:`ai.pricing.experiment_runs`)."""

    async def add_experiment(self, e: Experiment) -> bool: ...
    async def experiment(
        self, creator_id: uuid.UUID, experiment_id: uuid.UUID, *, lock: bool = False
    ) -> Experiment | None: ...
    async def running_experiment(self, creator_id: uuid.UUID, *, lock: bool = False) -> Experiment | None: ...
    async def experiments(self, creator_id: uuid.UUID, limit: int) -> list[Experiment]: ...
    async def end_experiment(self, e: Experiment) -> None: ...
    async def experiment_counts(self, experiment_id: uuid.UUID) -> dict[int, tuple[int, int]]: ...


class AnomalyRepository(Protocol):
    """The anomaly read model and alerts (:mod:`ai.anomalies.records` writes it, :mod:`ai.anomalies.checks` reads it)."""

    async def add_revenue_hour(
        self, creator_id: uuid.UUID, currency: str, hour: datetime, sales: int, net: int
    ) -> None: ...
    async def add_link_day(self, creator_id: uuid.UUID, link_id: uuid.UUID, day: date, *, clicks: int,
                           conversions: int) -> None: ...  # fmt: skip
    async def start_anomaly_checks(self, creator_id: uuid.UUID, now: datetime) -> bool: ...
    async def anomaly_state(self, creator_id: uuid.UUID) -> CheckState: ...
    async def save_anomaly_state(
        self, creator_id: uuid.UUID, last_hour: datetime | None, last_day: date | None
    ) -> None: ...
    async def revenue_currencies(self, creator_id: uuid.UUID, since: datetime) -> list[str]: ...
    async def revenue_hours(self, creator_id: uuid.UUID, currency: str, since: datetime,
                            until: datetime) -> list[HourlyRevenue]: ...  # fmt: skip
    async def link_days(self, creator_id: uuid.UUID, since: date) -> dict[uuid.UUID, list[LinkDay]]: ...
    async def add_anomaly(self, creator_id: uuid.UUID, anomaly_id: uuid.UUID, key: str, kind: str, subject: str,
                          start: datetime, end: datetime, observed: int, expected: int, low: int, high: int,
                          score: float, evidence: dict[str, Any], now: datetime) -> bool:  # fmt: skip
        """A new episode (True), or False when it touches the last one of its kind and subject (extended)."""
        ...

    async def anomalies(
        self, creator_id: uuid.UUID, since: datetime, kind: str | None, limit: int
    ) -> list[dict[str, Any]]: ...


class AiRepository(
    EntitlementsRepository, PricingRepository, ExperimentRepository, AnomalyRepository, InsightRepository, Protocol
):
    async def add_lines(self, lines: Sequence[Line]) -> None:
        """Remembers conversation lines; a line already known (same id) is left as it is."""
        ...

    async def recent_lines(self, creator_id: uuid.UUID, conversation_id: uuid.UUID, limit: int) -> list[Line]:
        """The conversation's most recent lines, oldest first."""
        ...

    async def persona(self, creator_id: uuid.UUID) -> Persona | None:
        """The creator's persona, or None when they never set one."""
        ...

    async def save_persona(self, creator_id: uuid.UUID, persona: Persona, now: datetime) -> None: ...

    async def add_generation(self, generation: Generation) -> bool:
        """Records a draft; False (and nothing stored) when its message already has one."""
        ...

    # erasure (ai.erasure) -------------------------------------------------------------------------
    async def erased_among(self, fan_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Takes these fans' write lock (shared, until the transaction ends), then returns those
        erased. Every write of a fan's lines or generations asks first."""
        ...

    async def erase_fan(self, erased: ErasedFan, *, now: datetime) -> None:
        """Takes the fan's lock (exclusive), records the tombstone (again: one more application)
        and deletes the fan's lines, generations and published outbox rows."""
        ...

    async def erased(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> ErasedFan | None: ...

    async def fan_history(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> tuple[list[Line], list[Generation]]:
        """Every line and generation of the fan's conversations."""
        ...

    # the fans read model (ai.handlers: fan facts) -----------------------------------------------------
    async def add_spend(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, net_cents: int, currency: str, purchase: bool, now: datetime
    ) -> None:
        """Adds a transaction's net (negative for a reversal) to the fan's spend."""
        ...

    async def set_segment(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, segment: str, entered: bool, now: datetime
    ) -> None: ...

    async def set_subscription(
        self,
        creator_id: uuid.UUID,
        fan_id: uuid.UUID,
        *,
        status: str,
        expires_at: datetime,
        auto_renew: bool | None,
        reported_at: datetime,
        now: datetime,
    ) -> None:
        """The fan's subscription, unless a later report is already kept."""
        ...

    async def fan_facts(self, fan_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, FanFacts]: ...

    # what sells, for content ideas (ai.ideas, ai.idea_facts) ------------------------------------------
    async def add_idea_sale(
        self,
        creator_id: uuid.UUID,
        transaction_id: uuid.UUID,
        fan_id: uuid.UUID | None,
        occurred_at: datetime,
        net_cents: int,
        currency: str,
    ) -> None:
        """Keeps a transaction once (by id), for revenue by hour of day."""
        ...

    async def add_idea_unlock(
        self,
        creator_id: uuid.UUID,
        offer_id: uuid.UUID,
        fan_id: uuid.UUID | None,
        media_ids: tuple[uuid.UUID, ...],
        price_cents: int,
        net_cents: int,
        currency: str,
        unlocked_at: datetime,
    ) -> None:
        """Keeps an unlock once (by offer)."""
        ...

    async def set_idea_media(
        self,
        creator_id: uuid.UUID,
        media_id: uuid.UUID,
        title: str,
        tags: tuple[str, ...],
        revision: int,
        deleted: bool,
    ) -> None:
        """A media item's title and tags, unless a later revision is kept."""
        ...

    async def add_idea_post(
        self, creator_id: uuid.UUID, post_id: uuid.UUID, network: str, published_at: datetime
    ) -> None: ...

    async def add_idea_conversion(
        self,
        creator_id: uuid.UUID,
        key_fan_id: uuid.UUID,
        fan_id: uuid.UUID | None,
        post_id: uuid.UUID | None,
        network: str | None,
        converted_at: datetime,
    ) -> None:
        """Keeps a conversion once per fan (``key_fan_id``); ``fan_id`` None for an erased fan."""
        ...

    async def sales_data(self, creator_id: uuid.UUID) -> SalesData:
        """The creator's read model, as the facts need it."""
        ...

    async def ideas_answered(self, request_id: uuid.UUID) -> bool: ...

    async def add_ideas_answer(
        self,
        request_id: uuid.UUID,
        creator_id: uuid.UUID,
        *,
        target: str,
        provider: str,
        model: str | None,
        ideas: list[dict[str, object]],
        now: datetime,
    ) -> bool:
        """Stores a request's answer; False (and nothing stored) when it has one already."""
        ...
