"""Everything the marketing workers do, in one place (publishing at the posts' times and the
conversions come with the next steps of issue 12: until then it has no worker duties)."""

from __future__ import annotations

from huntaze_service import Subscriptions


def subscriptions() -> Subscriptions:
    return Subscriptions()
