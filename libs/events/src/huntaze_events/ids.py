"""Identifiers that several services derive the same way, so no lookup is needed between them."""

from __future__ import annotations

import uuid

# Fixed namespace for Huntaze fan identities (a constant, not a secret).
FAN_NAMESPACE = uuid.UUID("6f1c2b9e-5d0a-4a57-9a57-3c1e0f6f0a11")


def fan_id_for(creator_id: uuid.UUID, external_id: str, platform: str = "onlyfans") -> uuid.UUID:
    """The fan's id within one creator account, derived from the platform's own fan id.

    The inbox puts it on ``message.received``; the fans service keys its profile on it. Two creators
    who talk to the same OnlyFans user get two different fan ids: fans never cross tenants.
    OnlyFans usernames are case-insensitive and statements print them with an ``@``: ``@Jake_88``,
    ``jake_88`` and ``JAKE_88`` are one fan.
    """
    return uuid.uuid5(FAN_NAMESPACE, f"{creator_id}:{platform}:{normalise_handle(external_id)}")


def normalise_handle(external_id: str) -> str:
    """The canonical form of an OnlyFans username: no surrounding spaces, no leading ``@``, lower case."""
    return external_id.strip().removeprefix("@").lower()
