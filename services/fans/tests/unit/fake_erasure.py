"""The erasure part of the in-memory FansRepository (:mod:`.fakes`), with the SQL adapter's semantics
(services/fans/src/fans/adapters/erasure_sql.py)."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fans.adapters.erasure_sql import MIN_REDACTED_CHARS
from fans.erasure import ERASED_NAME
from fans.profile import FanState
from huntaze_events.ids import normalise_handle

if TYPE_CHECKING:
    from .fakes import FanRecord, ImportRow


class FakeErasure:
    fans: dict[uuid.UUID, FanRecord]
    note_rows: list[Any]
    imports: dict[uuid.UUID, ImportRow]

    scrubbed_outbox_keys: list[str]
    """The keys whose published outbox rows the SQL adapter would have deleted."""

    async def erase_fan(self, fan: FanState, *, forget: tuple[str, str], now: datetime) -> None:
        row = self.fans.get(fan.id)
        if row is None or row.creator_id != fan.creator_id:
            return
        row.external_id, row.display_name = fan.external_id, fan.display_name
        row.tags, row.preferences = [], {}
        row.erased_at, row.erased_by, row.updated_at = fan.erased_at, fan.erased_by, now
        self.note_rows = [n for n in self.note_rows if n.fan_id != fan.id]
        handle, name = forget
        words = [w for w in {handle, normalise_handle(handle), name} if len(w.strip()) >= MIN_REDACTED_CHARS]
        for imp in self.imports.values():
            if imp.record.creator_id != fan.creator_id:
                continue
            if imp.record.status == "running":
                for seq, staged in imp.staged.items():
                    if normalise_handle(staged.fan_external_id) == normalise_handle(handle):
                        imp.staged[seq] = replace(staged, fan_external_id=fan.external_id, fan_display_name=ERASED_NAME)
            for line, reason in imp.rejections.items():
                for word in words:
                    reason = re.sub(re.escape(word.strip()), "[erased]", reason, flags=re.IGNORECASE)
                imp.rejections[line] = reason
        if not hasattr(self, "scrubbed_outbox_keys"):
            self.scrubbed_outbox_keys = []
        self.scrubbed_outbox_keys.append(str(fan.id))
