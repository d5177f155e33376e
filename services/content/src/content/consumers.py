"""Everything the content workers do, in one place: each part of the service adds its own."""

from __future__ import annotations

from huntaze_service import Subscriptions


def subscriptions() -> Subscriptions:
    subs = Subscriptions()
    return subs
