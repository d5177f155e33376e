"""What the ai service knows of each fan, to write to them as the fan they are (pure rules).

Its own read model of other services' events — ``transaction.recorded`` (spend),
``fan.segment_changed`` (segments), ``subscription.started/renewed/expired`` (the subscription) —
never a call to the fans service. When a fan's message arrives, the facts are turned into a
*standing* fixed in the draft request: a whale is thanked as one, a new subscriber welcomed, a fan
whose subscription ends within two days without renewing hears about it, a lapsed one is missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

EXPIRING_WITHIN = timedelta(hours=48)


class Standing(StrEnum):
    WHALE = "whale"
    NEW = "new"
    EXPIRING = "expiring"
    """The subscription ends within two days and does not renew."""
    LAPSED = "lapsed"


@dataclass(frozen=True)
class FanFacts:
    net_cents: int = 0
    currency: str = "USD"
    purchases: int = 0
    segments: tuple[str, ...] = ()
    subscription: str | None = None
    """``active`` or ``expired``; None when no subscription was reported."""
    expires_at: datetime | None = None
    auto_renew: bool | None = None

    def standing(self, now: datetime) -> tuple[Standing, ...]:
        found = []
        if "whales" in self.segments:
            found.append(Standing.WHALE)
        if "new" in self.segments:
            found.append(Standing.NEW)
        if (
            self.subscription == "active"
            and self.auto_renew is False
            and self.expires_at is not None
            and timedelta(0) < self.expires_at - now <= EXPIRING_WITHIN
        ):
            found.append(Standing.EXPIRING)
        if self.subscription == "expired" or "lapsed" in self.segments:
            found.append(Standing.LAPSED)
        return tuple(found)


def ends_in_words(expires_at: datetime | None, now: datetime) -> str:
    """ "today", "tomorrow" or "in 2 days": when a subscription ends, as a fan would say it."""
    if expires_at is None:
        return "soon"
    hours = (expires_at - now).total_seconds() / 3600
    return "today" if hours < 12 else "tomorrow" if hours < 36 else "in 2 days"


PROMPT_LINES = {
    Standing.WHALE: "This fan is one of the creator's most generous supporters: make them feel special and thanked.",
    Standing.NEW: "This fan subscribed this week: welcome them warmly to the page.",
    Standing.EXPIRING: "This fan's subscription ends {ends} and will not renew: mention it kindly and invite them to stay.",
    Standing.LAPSED: "This fan's subscription has ended: tell them they are missed and invite them back, without pressure.",
}
