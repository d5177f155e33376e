"""Erasing a fan on PostgreSQL: the row anonymised, notes deleted, staged statement rows and
rejection reasons cleaned, the fan's published events dropped from the outbox (inventory and
rules: :mod:`fans.erasure`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from huntaze_events.ids import normalise_handle
from huntaze_service.db import Transaction

from ..erasure import ERASED_NAME
from ..profile import FanState

MIN_REDACTED_CHARS = 3
"""Shorter names are not cut out of rejection reasons: they would match ordinary words."""

_ANONYMISE = """
UPDATE fans SET external_id = %(external)s, display_name = %(name)s, tags = '{}', preferences = '{}',
    erased_at = %(at)s, erased_by = %(by)s, updated_at = %(at)s
WHERE id = %(fan)s AND creator_id = %(creator)s
"""

# rows of the creator's running imports that name this fan (the username as fan_id_for reads it)
_STAGED = """
UPDATE statement_rows SET fan_external_id = %(external)s, fan_display_name = %(name)s
WHERE import_id IN (SELECT id FROM statement_imports WHERE creator_id = %(creator)s AND status = 'running')
  AND lower(regexp_replace(btrim(fan_external_id), '^@', '')) = %(handle)s
"""

_REASONS = """
UPDATE statement_rejections SET reason = regexp_replace(reason, %(pattern)s, '[erased]', 'gi')
WHERE import_id IN (SELECT id FROM statement_imports WHERE creator_id = %(creator)s)
  AND reason ~* %(pattern)s
"""


def redaction_pattern(words: Sequence[str]) -> str | None:
    """A case-insensitive PostgreSQL regular expression matching any of the words (escaped)."""
    kept = sorted({w.strip() for w in words if len(w.strip()) >= MIN_REDACTED_CHARS}, key=len, reverse=True)
    if not kept:
        return None
    # every character that is not a letter, digit or space escaped: literal in PostgreSQL's ARE too
    return "|".join(re.sub(r"([^\w\s])", r"\\\1", w) for w in kept)


class Erasure:
    """Mixed into the fans repository: ``self._tx`` is the unit of work's transaction."""

    _tx: Transaction

    async def erase_fan(self, fan: FanState, *, forget: tuple[str, str], now: datetime) -> None:
        conn = await self._tx.driver()
        handle, name = forget
        await conn.execute(
            _ANONYMISE,
            {
                "external": fan.external_id,
                "name": fan.display_name,
                "at": fan.erased_at,
                "by": fan.erased_by,
                "fan": fan.id,
                "creator": fan.creator_id,
            },
        )
        await conn.execute("DELETE FROM fan_notes WHERE fan_id = %s", (fan.id,))
        await conn.execute(
            _STAGED,
            {
                "external": fan.external_id,
                "name": ERASED_NAME,
                "creator": fan.creator_id,
                "handle": normalise_handle(handle),
            },
        )
        pattern = redaction_pattern([handle, normalise_handle(handle), name])
        if pattern is not None:
            await conn.execute(_REASONS, {"pattern": pattern, "creator": fan.creator_id})
        # what the relay already published about the fan (its copy on Kafka lives until retention)
        await conn.execute("DELETE FROM outbox WHERE published_at IS NOT NULL AND key = %s", (str(fan.id),))
