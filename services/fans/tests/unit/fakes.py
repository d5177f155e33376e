"""An in-memory FansRepository with the SQL one's semantics, for unit tests of the use cases.

One row per fan holds every column of the ``fans`` table (activity, spend, subscription, tags,
preferences, segments), as in PostgreSQL: ``lock_*`` hand out copies (what a ``SELECT ... FOR
UPDATE`` returns) and only ``save_fans`` writes them back. The ledger keeps the two unique indexes
of ``transactions`` (external id, match key + n) and raises on a violation, so a use case that
would insert a sale twice fails here as it would in the database.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from fans.crm import CreatorSettings, FanSort, Note, SegmentNameTaken
from fans.domain import ActivityDelta, Fan, FanOfAnotherCreator
from fans.imports import ImportRecord, StagedRow
from fans.ledger import NewTransaction
from fans.profile import FanIdentity, FanState, Subscription
from fans.segments import CustomSegment, FanFilter
from huntaze_events import Envelope
from huntaze_service import context
from huntaze_service.context import EventContext
from huntaze_testkit.fakes import Clock, FakeWorker

from .fake_erasure import FakeErasure

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


class UniqueViolation(Exception):
    """What PostgreSQL would raise on a unique index (the fake's stand-in for psycopg's)."""


def _greatest(*values: datetime | None) -> datetime | None:
    """PostgreSQL's GREATEST: NULLs ignored, NULL only when all are."""
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _least(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


@dataclass
class FanRecord:
    """A row of the ``fans`` table."""

    id: uuid.UUID
    creator_id: uuid.UUID
    external_id: str
    display_name: str
    created_at: datetime
    updated_at: datetime
    first_message_at: datetime | None = None
    last_message_at: datetime | None = None
    message_count: int = 0
    last_active_at: datetime | None = None
    gross_cents: int = 0
    net_cents: int = 0
    purchases: int = 0
    first_purchase_at: datetime | None = None
    last_purchase_at: datetime | None = None
    subscription: Subscription = field(default_factory=Subscription)
    tags: list[str] = field(default_factory=list)
    preferences: dict[str, str] = field(default_factory=dict)
    segments: list[str] = field(default_factory=list)
    erased_at: datetime | None = None
    erased_by: uuid.UUID | None = None

    def fan(self) -> Fan:
        return Fan(
            self.id,
            self.creator_id,
            self.external_id,
            self.display_name,
            self.first_message_at,
            self.last_message_at,
            self.message_count,
            self.created_at,
            self.updated_at,
        )

    def state(self) -> FanState:
        return FanState(
            id=self.id,
            creator_id=self.creator_id,
            external_id=self.external_id,
            display_name=self.display_name,
            gross_cents=self.gross_cents,
            net_cents=self.net_cents,
            purchases=self.purchases,
            first_purchase_at=self.first_purchase_at,
            last_purchase_at=self.last_purchase_at,
            last_message_at=self.last_message_at,
            subscription=replace(self.subscription, via=copy.deepcopy(self.subscription.via)),
            tags=list(self.tags),
            segments=set(self.segments),
            erased_at=self.erased_at,
            erased_by=self.erased_by,
        )

    def row(self) -> dict[str, Any]:
        """The columns of crm_sql._FAN_COLUMNS, as psycopg's dict_row gives them."""
        sub = self.subscription
        return {
            "fan_id": self.id,
            "external_id": self.external_id,
            "display_name": self.display_name,
            "first_message_at": self.first_message_at,
            "last_message_at": self.last_message_at,
            "message_count": self.message_count,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "gross_cents": self.gross_cents,
            "net_cents": self.net_cents,
            "purchases": self.purchases,
            "first_purchase_at": self.first_purchase_at,
            "last_purchase_at": self.last_purchase_at,
            "last_active_at": self.last_active_at,
            "sub_status": sub.status,
            "sub_started_at": sub.started_at,
            "sub_first_started_at": sub.first_started_at,
            "sub_expires_at": sub.expires_at,
            "sub_expired_at": sub.expired_at,
            "sub_auto_renew": sub.auto_renew,
            "sub_price_cents": sub.price_cents,
            "sub_currency": sub.currency,
            "sub_via": copy.deepcopy(sub.via),
            "tags": list(self.tags),
            "preferences": dict(self.preferences),
            "segments": list(self.segments),
            "erased_at": self.erased_at,
            "erased_by": self.erased_by,
        }


@dataclass
class TxRecord:
    """A row of the ``transactions`` table."""

    id: uuid.UUID
    creator_id: uuid.UUID
    fan_id: uuid.UUID
    type: str
    gross_cents: int
    fee_cents: int
    net_cents: int
    currency: str
    occurred_at: datetime
    source: str
    external_id: str | None
    ref_kind: str | None
    ref_id: str | None
    match_key: str
    match_n: int
    import_id: uuid.UUID | None
    line_no: int | None
    recorded_at: datetime


@dataclass
class ImportRow:
    record: ImportRecord
    created_by: uuid.UUID | None
    staged: dict[int, StagedRow] = field(default_factory=dict)
    """By seq (= line_no), as ``statement_rows``."""
    rejections: dict[int, str] = field(default_factory=dict)


_SORTS: dict[str, tuple[Any, bool]] = {
    # sort → (expression over a fan record, descending)
    "spend": (lambda f: f.net_cents, True),
    "last_active": (lambda f: f.last_active_at or EPOCH, True),
    "expires_at": (lambda f: f.subscription.expires_at or FAR_FUTURE, False),
}


class FakeFansRepository(FakeErasure):
    def __init__(self) -> None:
        self.fans: dict[uuid.UUID, FanRecord] = {}
        self.transactions: list[TxRecord] = []
        self.spend: dict[tuple[uuid.UUID, str, str], dict[str, int]] = {}
        self.settings: dict[uuid.UUID, CreatorSettings] = {}
        self.segments: dict[uuid.UUID, tuple[CustomSegment, uuid.UUID | None]] = {}
        self.note_rows: list[Note] = []
        self.imports: dict[uuid.UUID, ImportRow] = {}
        self.locked_creators: list[uuid.UUID] = []
        """Every lock_creator call, in order (the advisory lock the SQL adapter takes)."""

    # helpers for tests -------------------------------------------------------------------------
    def state(self, fan_id: uuid.UUID) -> FanState:
        """The fan as stored (a copy)."""
        return self.fans[fan_id].state()

    def transactions_of(self, fan_id: uuid.UUID) -> list[TxRecord]:
        return [t for t in self.transactions if t.fan_id == fan_id]

    # activity -------------------------------------------------------------------------------------
    async def apply_activity(self, deltas: Sequence[ActivityDelta], now: datetime) -> list[Fan]:
        for d in deltas:
            row = self.fans.get(d.fan_id)
            if row is not None and row.creator_id != d.creator_id:
                raise FanOfAnotherCreator(f"fan ids belong to another creator: {d.fan_id}")
        changed = []
        for d in sorted(deltas, key=lambda d: d.fan_id):
            row = self.fans.get(d.fan_id)
            if row is None:
                row = FanRecord(
                    id=d.fan_id,
                    creator_id=d.creator_id,
                    external_id=d.external_id,
                    display_name=d.display_name,
                    first_message_at=d.first_message_at,
                    last_message_at=d.last_message_at,
                    message_count=d.message_count,
                    last_active_at=d.last_message_at,
                    created_at=now,
                    updated_at=now,
                )
                self.fans[d.fan_id] = row
            else:
                previous_last = row.last_message_at or d.last_message_at
                if d.last_message_at >= previous_last and row.erased_at is None:
                    row.display_name = d.display_name
                row.message_count += d.message_count
                row.first_message_at = _least(row.first_message_at, d.first_message_at)
                row.last_message_at = _greatest(row.last_message_at, d.last_message_at)
                row.last_active_at = _greatest(row.last_active_at, d.last_message_at)
                row.updated_at = now
            changed.append(row.fan())
        return changed

    async def get_fan(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> Fan | None:
        row = self.fans.get(fan_id)
        return row.fan() if row is not None and row.creator_id == creator_id else None

    # fan state ------------------------------------------------------------------------------------
    async def lock_creator(self, creator_id: uuid.UUID) -> None:
        self.locked_creators.append(creator_id)

    async def lock_fans(
        self, creator_id: uuid.UUID, identities: Sequence[FanIdentity], now: datetime
    ) -> dict[uuid.UUID, FanState]:
        unique = {i.id: i for i in identities}
        created = set()
        for identity in sorted(unique.values(), key=lambda i: i.id):
            if identity.id in self.fans:
                continue  # ON CONFLICT (id) DO NOTHING
            taken = any(
                r.creator_id == creator_id and r.external_id == identity.external_id for r in self.fans.values()
            )
            if taken:
                raise UniqueViolation(f"uq_fans_creator_external: {identity.external_id}")
            self.fans[identity.id] = FanRecord(
                id=identity.id,
                creator_id=creator_id,
                external_id=identity.external_id,
                display_name=identity.display_name,
                created_at=now,
                updated_at=now,
            )
            created.add(identity.id)
        states = await self.lock_existing(creator_id, list(unique))
        for fan_id in created:
            if fan_id in states:
                states[fan_id].created = True
        return states

    async def lock_existing(self, creator_id: uuid.UUID, fan_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, FanState]:
        found = {}
        for fan_id in sorted(set(fan_ids)):
            row = self.fans.get(fan_id)
            if row is not None and row.creator_id == creator_id:
                found[fan_id] = row.state()
        return found

    async def creator_fan_ids(self, creator_id: uuid.UUID, *, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
        ids = sorted(f.id for f in self.fans.values() if f.creator_id == creator_id and (after is None or f.id > after))
        return ids[:limit]

    async def save_fans(self, states: Sequence[FanState], now: datetime, *, tags: bool = False) -> None:
        for s in states:
            row = self.fans.get(s.id)
            if row is None:
                continue  # UPDATE ... WHERE f.id = v.id: nothing to update
            row.gross_cents = s.gross_cents
            row.net_cents = s.net_cents
            row.purchases = s.purchases
            row.first_purchase_at = s.first_purchase_at
            row.last_purchase_at = s.last_purchase_at
            row.last_active_at = _greatest(row.last_message_at, s.last_purchase_at)
            row.subscription = replace(s.subscription, via=copy.deepcopy(s.subscription.via))
            if tags:
                row.tags = list(s.tags)
            row.segments = sorted(s.segments)
            row.updated_at = now

    # ledger ---------------------------------------------------------------------------------------
    def _of(self, creator_id: uuid.UUID) -> list[TxRecord]:
        return [t for t in self.transactions if t.creator_id == creator_id]

    async def known_external_ids(self, creator_id: uuid.UUID, external_ids: Sequence[str]) -> set[str]:
        wanted = set(external_ids)
        return {t.external_id for t in self._of(creator_id) if t.external_id is not None and t.external_id in wanted}

    async def match_slots(self, creator_id: uuid.UUID, keys: Sequence[str]) -> dict[str, tuple[int, list[uuid.UUID]]]:
        wanted = set(keys)
        groups: dict[str, list[TxRecord]] = {}
        for t in self._of(creator_id):
            if t.match_key in wanted:
                groups.setdefault(t.match_key, []).append(t)
        out = {}
        for key, rows in groups.items():
            unclaimed = sorted(
                (t for t in rows if t.external_id is None and t.source == "statement"), key=lambda t: t.match_n
            )
            out[key] = (max(t.match_n for t in rows), [t.id for t in unclaimed])
        return out

    async def taken_matches(
        self, creator_id: uuid.UUID, keys: Sequence[str], ns: Sequence[int]
    ) -> set[tuple[str, int]]:
        wanted = set(zip(keys, ns, strict=True))
        return {(t.match_key, t.match_n) for t in self._of(creator_id) if (t.match_key, t.match_n) in wanted}

    async def claim(self, claims: Sequence[tuple[uuid.UUID, str, str | None, str | None]]) -> None:
        by_id = {t.id: t for t in self.transactions}
        for tx_id, external_id, ref_kind, ref_id in claims:
            t = by_id.get(tx_id)
            if t is None:
                continue
            if any(
                o.creator_id == t.creator_id and o.external_id == external_id and o is not t for o in self.transactions
            ):
                raise UniqueViolation(f"uq_transactions_external: {external_id}")
            t.external_id = external_id
            t.ref_kind = ref_kind if ref_kind is not None else t.ref_kind
            t.ref_id = ref_id if ref_id is not None else t.ref_id

    async def insert_transactions(self, creator_id: uuid.UUID, txs: Sequence[NewTransaction], now: datetime) -> None:
        for t in txs:
            if t.match_n is None:
                raise ValueError("transactions.match_n is NOT NULL")
            if t.gross_cents - t.fee_cents != t.net_cents:
                raise ValueError("check constraint: gross_cents - fee_cents = net_cents")
            if t.fan_id not in self.fans:
                raise ValueError(f"foreign key: fan {t.fan_id} does not exist")
            mine = self._of(creator_id)
            if t.external_id is not None and any(o.external_id == t.external_id for o in mine):
                raise UniqueViolation(f"uq_transactions_external: {t.external_id}")
            if any(o.match_key == t.key and o.match_n == t.match_n for o in mine):
                raise UniqueViolation(f"uq_transactions_match: {t.key} #{t.match_n}")
            if any(o.id == t.id for o in self.transactions):
                raise UniqueViolation(f"transactions_pkey: {t.id}")
            self.transactions.append(
                TxRecord(
                    id=t.id,
                    creator_id=creator_id,
                    fan_id=t.fan_id,
                    type=t.type,
                    gross_cents=t.gross_cents,
                    fee_cents=t.fee_cents,
                    net_cents=t.net_cents,
                    currency=t.currency,
                    occurred_at=t.occurred_at,
                    source=t.source,
                    external_id=t.external_id,
                    ref_kind=t.ref_kind,
                    ref_id=t.ref_id,
                    match_key=t.key,
                    match_n=t.match_n,
                    import_id=t.import_id,
                    line_no=t.line_no,
                    recorded_at=now,
                )
            )

    async def add_spend(self, txs: Sequence[NewTransaction]) -> None:
        for t in txs:
            row = self.spend.setdefault(
                (t.fan_id, t.type, t.currency), {"gross_cents": 0, "fee_cents": 0, "net_cents": 0, "count": 0}
            )
            row["gross_cents"] += t.gross_cents
            row["fee_cents"] += t.fee_cents
            row["net_cents"] += t.net_cents
            row["count"] += 1

    async def spend_by_type(self, fan_id: uuid.UUID) -> list[dict[str, Any]]:
        return [
            {"type": type_, "currency": currency, **totals}
            for (fan, type_, currency), totals in sorted(self.spend.items(), key=lambda kv: (kv[0][1], kv[0][2]))
            if fan == fan_id
        ]

    async def latest_transactions(self, fan_id: uuid.UUID, limit: int) -> list[dict[str, Any]]:
        rows = sorted(self.transactions_of(fan_id), key=lambda t: (t.occurred_at, t.id), reverse=True)[:limit]
        return [
            {
                "transaction_id": t.id,
                "type": t.type,
                "gross_cents": t.gross_cents,
                "fee_cents": t.fee_cents,
                "net_cents": t.net_cents,
                "currency": t.currency,
                "occurred_at": t.occurred_at,
                "source": t.source,
                "external_id": t.external_id,
                "ref_kind": t.ref_kind,
                "ref_id": t.ref_id,
            }
            for t in rows
        ]

    # CRM ------------------------------------------------------------------------------------------
    async def creator_settings(self, creator_id: uuid.UUID) -> CreatorSettings:
        return self.settings.get(creator_id) or CreatorSettings(creator_id=creator_id)

    async def save_creator_settings(self, s: CreatorSettings, now: datetime) -> None:
        self.settings[s.creator_id] = s

    async def has_transactions(self, creator_id: uuid.UUID) -> bool:
        return bool(self._of(creator_id))

    async def search_fans(
        self, creator_id: uuid.UUID, f: FanFilter, *, sort: FanSort, after: tuple[Any, uuid.UUID] | None, limit: int
    ) -> list[dict[str, Any]]:
        expression, descending = _SORTS[sort]
        found = [r for r in self.fans.values() if r.creator_id == creator_id]
        if f.segment is not None:
            found = [r for r in found if f.segment in r.segments]
        if f.tag is not None:
            found = [r for r in found if f.tag in r.tags]
        if f.q:
            q = f.q.lower()
            found = [r for r in found if q in r.display_name.lower() or q in r.external_id.lower()]
        if f.min_spend_cents is not None:
            found = [r for r in found if r.net_cents >= f.min_spend_cents]
        if f.subscription is not None:
            found = [r for r in found if r.subscription.status == f.subscription]
        if after is not None:
            if descending:
                found = [r for r in found if (expression(r), r.id) < after]
            else:
                found = [r for r in found if (expression(r), r.id) > after]
        found.sort(key=lambda r: (expression(r), r.id), reverse=descending)
        return [{**r.row(), "sort_value": expression(r)} for r in found[:limit]]

    async def fan_row(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> dict[str, Any] | None:
        row = self.fans.get(fan_id)
        return row.row() if row is not None and row.creator_id == creator_id else None

    async def set_preferences(self, fan_id: uuid.UUID, changes: dict[str, str | None], now: datetime) -> None:
        row = self.fans.get(fan_id)
        if row is None:
            return
        for key, value in changes.items():
            if value is None:
                row.preferences.pop(key, None)
            else:
                row.preferences[key] = value
        row.updated_at = now

    async def add_note(self, note: Note) -> None:
        if note.fan_id not in self.fans:
            raise ValueError(f"foreign key: fan {note.fan_id} does not exist")
        self.note_rows.append(note)

    async def notes(self, fan_id: uuid.UUID, limit: int = 100) -> list[Note]:
        mine = [n for n in self.note_rows if n.fan_id == fan_id]
        return sorted(mine, key=lambda n: (n.created_at, n.id), reverse=True)[:limit]

    async def custom_segments(self, creator_id: uuid.UUID) -> list[CustomSegment]:
        mine = [s for s, _ in self.segments.values() if s.creator_id == creator_id]
        return sorted(mine, key=lambda s: (s.created_at, s.id))

    async def add_custom_segment(self, segment: CustomSegment, created_by: uuid.UUID | None) -> None:
        if any(s.creator_id == segment.creator_id and s.name == segment.name for s, _ in self.segments.values()):
            raise SegmentNameTaken(segment.name)
        self.segments[segment.id] = (segment, created_by)

    async def delete_custom_segment(self, creator_id: uuid.UUID, segment_id: uuid.UUID) -> bool:
        found = self.segments.get(segment_id)
        if found is None or found[0].creator_id != creator_id:
            return False
        del self.segments[segment_id]
        return True

    async def segment_counts(self, creator_id: uuid.UUID) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.fans.values():
            if r.creator_id == creator_id:
                for s in r.segments:
                    counts[s] = counts.get(s, 0) + 1
        return counts

    async def total_fans(self, creator_id: uuid.UUID) -> int:
        return sum(1 for r in self.fans.values() if r.creator_id == creator_id)

    async def fans_in_segment(self, creator_id: uuid.UUID, segment: str) -> list[uuid.UUID]:
        return [r.id for r in self.fans.values() if r.creator_id == creator_id and segment in r.segments]

    # statement imports ----------------------------------------------------------------------------
    async def add_import(self, record: ImportRecord, created_by: uuid.UUID | None) -> None:
        if record.id in self.imports:
            raise UniqueViolation(f"statement_imports_pkey: {record.id}")
        self.imports[record.id] = ImportRow(replace(record, updated_at=record.created_at), created_by)

    async def stage_rows(self, import_id: uuid.UUID, rows: Sequence[StagedRow]) -> None:
        staged = self.imports[import_id].staged
        for r in rows:
            staged[r.line_no] = r

    async def add_rejections(self, import_id: uuid.UUID, rejections: Sequence[tuple[int, str]]) -> None:
        mine = self.imports[import_id].rejections
        for line_no, reason in rejections:
            mine.setdefault(line_no, reason[:500])  # ON CONFLICT DO NOTHING

    async def finish_staging(self, import_id: uuid.UUID, rows_total: int, rejected: int, now: datetime) -> None:
        imp = self.imports[import_id]
        # the n of each row among the file's rows with the same match key, in file order
        counters: dict[tuple[str, str, int, datetime], int] = {}
        for seq in sorted(imp.staged, key=lambda s: imp.staged[s].line_no):
            r = imp.staged[seq]
            minute = r.occurred_at.astimezone(UTC).replace(second=0, microsecond=0)
            part = (r.fan_external_id, r.type, r.gross_cents, minute)
            counters[part] = counters.get(part, 0) + 1
            imp.staged[seq] = replace(r, match_n=counters[part])
        imp.record = replace(
            imp.record, rows_total=rows_total, rejected=rejected, rows_processed=rejected, updated_at=now
        )

    async def next_rows(self, import_id: uuid.UUID, limit: int) -> list[StagedRow]:
        rows = sorted(self.imports[import_id].staged.values(), key=lambda r: (r.occurred_at, r.line_no))
        return rows[:limit]

    async def drop_rows(self, import_id: uuid.UUID, line_nos: Sequence[int]) -> None:
        staged = self.imports[import_id].staged
        for line_no in line_nos:
            staged.pop(line_no, None)

    async def progress(
        self, import_id: uuid.UUID, *, processed: int, imported: int, duplicate: int, done: bool, now: datetime
    ) -> None:
        imp = self.imports[import_id]
        r = imp.record
        imp.record = replace(
            r,
            rows_processed=r.rows_processed + processed,
            imported=r.imported + imported,
            duplicate=r.duplicate + duplicate,
            status="done" if done else r.status,
            finished_at=now if done else r.finished_at,
            updated_at=now,
        )

    async def fail_import(self, import_id: uuid.UUID, error: str, now: datetime) -> None:
        imp = self.imports[import_id]
        if imp.record.status == "running":
            imp.record = replace(imp.record, status="failed", error=error, finished_at=now, updated_at=now)
        imp.staged.clear()

    async def get_import(self, creator_id: uuid.UUID, import_id: uuid.UUID) -> ImportRecord | None:
        imp = self.imports.get(import_id)
        return imp.record if imp is not None and imp.record.creator_id == creator_id else None

    async def rejections(self, import_id: uuid.UUID, limit: int) -> list[dict[str, Any]]:
        imp = self.imports.get(import_id)
        if imp is None:
            return []
        return [{"line": line, "reason": reason} for line, reason in sorted(imp.rejections.items())][:limit]


class Fans:
    """The fans service on fakes, as its API and workers drive it: a use case runs in a fresh unit of
    work inside a request's context (the tenant its events carry) and commits; timers fire through
    the real subscriptions (:class:`FakeWorker`), on a clock the test moves."""

    def __init__(self, creator_id: uuid.UUID, clock: Clock | None = None) -> None:
        from fans.consumers import subscriptions

        self.creator_id = creator_id
        self.repo = FakeFansRepository()
        self.worker: FakeWorker[FakeFansRepository] = FakeWorker(
            self.repo, producer="fans", subscriptions=subscriptions(), clock=clock or Clock()
        )

    @property
    def clock(self) -> Clock:
        return self.worker.clock

    @property
    def events(self) -> list[Envelope[Any]]:
        """Every event committed so far (by use cases and fired timers), in order."""
        return self.worker.events

    async def run(self, use_case: Any, *args: Any, **kwargs: Any) -> tuple[Any, list[Envelope[Any]]]:
        """``use_case(uow, creator_id, *args)`` committed; returns its result and the events it emitted."""
        with context.bind(EventContext(correlation_id=uuid.uuid4(), creator_id=self.creator_id)):
            async with self.worker.uow() as uow:
                result = await use_case(uow, self.creator_id, *args, **kwargs)
                emitted = uow.emitted
                await uow.commit()
        return result, emitted

    async def fire_due(self) -> list[Envelope[Any]]:
        """Fires the timers due now; returns the events they emitted."""
        before = len(self.events)
        await self.worker.fire_due()
        return self.events[before:]

    def timer(self, kind: str, key: object) -> datetime | None:
        """When timer (kind, key) is due, or None when there is none."""
        row = self.worker.timers.get((kind, str(key)))
        return None if row is None else row.write.due_at
