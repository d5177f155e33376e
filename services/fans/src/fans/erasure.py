"""A fan's personal data erased on request (right to erasure): the rules, no I/O.

What the fans service holds about a fan, and what erasure does to it:

- ``fans``: ``external_id`` (OnlyFans username) → ``erased:<fan id>`` (no OnlyFans username has a
  colon, so it never meets a real one); ``display_name`` → ``Erased fan``; ``tags`` and
  ``preferences`` emptied; ``erased_at`` / ``erased_by`` set. The row stays: spend, purchases,
  subscription and message counts are money and activity under a pseudonymous id, and later events
  about the fan (a sale from the connector, a statement row) find it and keep counting.
- ``fan_notes``: deleted.
- ``transactions`` and ``fan_spend``: kept as they are — amounts, types, times, the connector's
  transaction id (it is what makes a re-sent sale a duplicate) — so every total stays exact.
- ``statement_rows`` (rows of an import still running): the username and name replaced by the
  placeholders; the row keeps its fan through the id in the placeholder (:func:`staged_fan_id`).
- ``statement_rejections``: the username and name cut out of the reasons of the creator's imports.
- ``outbox``: the fan's published events (key = fan id) deleted; Kafka keeps its copies until the
  topics' retention.

Afterwards the fan stays erased: a later message or sale naming the fan again finds the row and
leaves the placeholders (``apply_activity`` and ``lock_fans`` never overwrite them), the events the
service emits about the fan carry the placeholders, and notes, tags and preferences are refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

ERASED_NAME = "Erased fan"
ERASED_PREFIX = "erased:"


def erased_handle(fan_id: uuid.UUID) -> str:
    """The placeholder OnlyFans id of an erased fan."""
    return f"{ERASED_PREFIX}{fan_id}"


def staged_fan_id(external_id: str) -> uuid.UUID | None:
    """The fan id a staged statement row names through an erased placeholder, or None."""
    if not external_id.startswith(ERASED_PREFIX):
        return None
    try:
        return uuid.UUID(external_id.removeprefix(ERASED_PREFIX))
    except ValueError:
        return None


@dataclass(frozen=True)
class Erasure:
    """The answer to an erasure request, the same every time it is asked."""

    fan_id: uuid.UUID
    creator_id: uuid.UUID
    erased_at: datetime
    requested_by: uuid.UUID | None


class FanIsErased(Exception):
    """Notes, tags and preferences of an erased fan would be new personal data: refused."""

    def __init__(self, fan_id: uuid.UUID) -> None:
        super().__init__(f"fan {fan_id} was erased: its notes, tags and preferences can no longer change")
        self.fan_id = fan_id
