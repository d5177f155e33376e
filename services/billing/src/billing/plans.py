"""The plan catalogue (data, in table ``plans``) and what a plan entitles an organisation to.

A plan's limits are ``None`` when unlimited. ``upgrades`` names, for each limit or feature a plan
caps, the cheapest (lowest ``rank``) higher public plan that allows more: what a 402 tells the user."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from huntaze_events.billing import PLAN_CODE, Features, Limits

FREE = "free"
Interval = Literal["month", "year"]
LIMITS = ("ai_drafts_per_month", "creators", "seats", "mass_messages_per_month")
FEATURES = ("autopilot", "stream_exports", "marketing_networks")


class PlanIn(BaseModel):
    """One plan as operators load it (``python -m billing plans load FILE.json``): validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=PLAN_CODE)
    name: str = Field(min_length=1, max_length=64)
    rank: int = Field(ge=0)
    public: bool = True
    stripe_price_monthly: str | None = Field(default=None, max_length=255)
    stripe_price_yearly: str | None = Field(default=None, max_length=255)
    stripe_meter_event: str | None = Field(default=None, max_length=100)
    limits: Limits
    features: Features
    amount_monthly_cents: int = Field(ge=0)
    amount_yearly_cents: int = Field(ge=0)
    currency: str = Field(pattern=r"^[a-z]{3}$", default="usd")


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    rank: int
    public: bool
    stripe_price_monthly: str | None
    stripe_price_yearly: str | None
    stripe_meter_event: str | None
    limits: Limits
    features: Features
    amount_monthly_cents: int
    amount_yearly_cents: int
    currency: str

    @classmethod
    def of(cls, data: PlanIn) -> Plan:
        return cls(**{k: getattr(data, k) for k in PlanIn.model_fields})

    def price(self, interval: Interval) -> str | None:
        return self.stripe_price_monthly if interval == "month" else self.stripe_price_yearly

    def interval_of(self, price_id: str) -> Interval | None:
        if price_id == self.stripe_price_monthly:
            return "month"
        if price_id == self.stripe_price_yearly:
            return "year"
        return None


def _more(limit: int | None, than: int | None) -> bool:
    if than is None:
        return False
    return limit is None or limit > than


def allows_more(plan: Plan, other: Plan, what: str) -> bool:
    """Whether ``other`` allows more of limit or feature ``what`` than ``plan``."""
    if what in LIMITS:
        return _more(getattr(other.limits, what), getattr(plan.limits, what))
    if what == "marketing_networks":
        return not set(other.features.marketing_networks) <= set(plan.features.marketing_networks)
    return bool(getattr(other.features, what)) and not getattr(plan.features, what)


def upgrades(plan: Plan, catalogue: Iterable[Plan]) -> dict[str, str]:
    higher = sorted((p for p in catalogue if p.public and p.rank > plan.rank), key=lambda p: (p.rank, p.code))
    found: dict[str, str] = {}
    for what in LIMITS + FEATURES:
        better = next((p for p in higher if allows_more(plan, p, what)), None)
        if better is not None:
            found[what] = better.name
    return found


@dataclass
class Catalogue:
    plans: dict[str, Plan] = field(default_factory=dict)

    @classmethod
    def of(cls, plans: Sequence[Plan]) -> Catalogue:
        return cls({p.code: p for p in plans})

    def get(self, code: str) -> Plan | None:
        return self.plans.get(code)

    def by_price(self, price_id: str) -> tuple[Plan, Interval] | None:
        for plan in self.plans.values():
            interval = plan.interval_of(price_id)
            if interval is not None:
                return plan, interval
        return None

    def public(self) -> list[Plan]:
        return sorted((p for p in self.plans.values() if p.public), key=lambda p: (p.rank, p.code))


_ALL = ["instagram", "tiktok", "x", "reddit"]


def _seed(code: str, name: str, rank: int, drafts: int, creators: int, seats: int, mass: int, **kw: Any) -> dict:
    return {
        "code": code,
        "name": name,
        "rank": rank,
        "stripe_price_monthly": None if code == FREE else f"price_huntaze_{code}_monthly",
        "stripe_price_yearly": None if code == FREE else f"price_huntaze_{code}_yearly",
        "limits": {
            "ai_drafts_per_month": drafts,
            "creators": creators,
            "seats": seats,
            "mass_messages_per_month": mass,
        },  # fmt: skip
        **kw,
    }


SEED_PLANS: list[dict[str, Any]] = [
    _seed(FREE, "Free", 0, 100, 1, 2, 4, amount_monthly_cents=0, amount_yearly_cents=0,
          features={"autopilot": False, "stream_exports": False, "marketing_networks": ["instagram", "x"]}),
    _seed("pro", "Pro", 10, 5000, 3, 5, 60, amount_monthly_cents=4900, amount_yearly_cents=49000,
          features={"autopilot": True, "stream_exports": False, "marketing_networks": _ALL}),
    _seed("agency", "Agency", 20, 50000, 25, 50, 1000, amount_monthly_cents=29900, amount_yearly_cents=299000,
          stripe_meter_event="huntaze_ai_drafts",
          features={"autopilot": True, "stream_exports": True, "marketing_networks": _ALL}),
]  # fmt: skip
"""The plans migration 0001 seeds (local Stripe price ids): operators load their own."""
