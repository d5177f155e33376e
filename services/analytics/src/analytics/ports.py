"""What the analytics use cases need from storage (the SQL adapter and the unit tests' fake implement it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

from .attribution import Line, Reply
from .chatter_records import LedgerTotal, OfferRecord, ReplyRecord, ShiftRecord
from .chatter_report import OfferFigures, ReplyFigures, RevenueFigures, ShiftSpan
from .conversion import By, CampaignRecord, ClickRecord, ConversionFigures, ConversionRecord
from .domain import Fact, FanName, PeriodFigures, SubscriptionPeriod
from .media_roi import MediaInfo, MediaOfferRecord, MediaRecord, OfferGroup, OfferReversal, SegmentChange
from .reports import BucketTotal, FanSpend, LineTotal, Window
from .retention import Interval
from .weekly import CurrencyWeeks, Figure, PostCaption, Weeks

if TYPE_CHECKING:
    from huntaze_service.tombstones import ErasedFan


class ChatterRepository(Protocol):
    """The chatters' read models and the append-only sales ledger (adapters/chatters_sql.py)."""

    # written by the consumers (each write idempotent) -------------------------------------------
    async def add_replies(self, replies: Sequence[ReplyRecord]) -> None:
        """Keeps each reply once (by message id)."""
        ...

    async def save_offers(self, offers: Sequence[OfferRecord]) -> None:
        """Keeps each offer once (by offer id); an unlock sets ``unlocked_at`` (the earliest wins)."""
        ...

    async def save_shifts(self, shifts: Sequence[ShiftRecord]) -> None:
        """Keeps each (creator, shift) once; a cancellation sets ``cancelled_at``, whichever of
        the two events comes first."""
        ...

    async def add_ledger_lines(self, creator_id: uuid.UUID, lines: Sequence[Line]) -> int:
        """Appends the lines whose transaction has none yet (a line is never changed); returns
        how many were new."""
        ...

    # read by the attribution timer ----------------------------------------------------------------
    async def replies_to_fan(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID, start: datetime, end: datetime
    ) -> list[Reply]:
        """Replies approved by a person to that fan sent in [start, end] (both included)."""
        ...

    async def offer(self, creator_id: uuid.UUID, offer_id: uuid.UUID) -> OfferRecord | None: ...

    async def fan_ledger(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> list[Line]:
        """Every ledger line of that fan, oldest first."""
        ...

    # the reports -------------------------------------------------------------------------------
    async def ledger_page(
        self,
        creator_id: uuid.UUID,
        window: Window,
        chatter_id: uuid.UUID | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Line]:
        """Lines dated in the window (of one person, when given), by (occurred_at, transaction id),
        after the ``after`` position."""
        ...

    async def ledger_totals(
        self, creator_id: uuid.UUID, window: Window, chatter_id: uuid.UUID | None
    ) -> list[LedgerTotal]:
        """The lines' count and sums per currency over the whole window."""
        ...

    async def reply_figures(self, creator_id: uuid.UUID, window: Window) -> list[ReplyFigures]: ...

    async def offer_figures(self, creator_id: uuid.UUID, window: Window) -> list[OfferFigures]: ...

    async def revenue_figures(self, creator_id: uuid.UUID, currency: str, window: Window) -> list[RevenueFigures]: ...

    async def shift_spans(self, creator_id: uuid.UUID, window: Window) -> list[ShiftSpan]:
        """Shifts (not cancelled) overlapping the window."""
        ...


class MarketingRepository(Protocol):
    """The marketing read models (analytics.marketing)."""

    async def add_clicks(self, clicks: Sequence[ClickRecord]) -> None: ...

    async def add_conversions(self, conversions: Sequence[ConversionRecord]) -> None:
        """Once per fan: a conversion already stored stays as it is."""
        ...

    async def save_campaigns(self, campaigns: Sequence[CampaignRecord]) -> None: ...

    async def conversion_figures(
        self, creator_id: uuid.UUID, by: By, start: datetime, end: datetime, currency: str
    ) -> list[ConversionFigures]: ...

    async def marketing_hours(
        self, creator_id: uuid.UUID, network: str | None, start: datetime, end: datetime, tz: str
    ) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
        """People's clicks and subscribers by local (weekday 0 = Monday, hour)."""
        ...


class MediaRepository(Protocol):
    """The media ROI read models (analytics.media, adapters/media_sql.py); offers' fan, price and
    times come from the chatters' ``chatter_offers``, amounts from ``transactions``."""

    async def save_media(self, media: Sequence[MediaRecord]) -> None:
        """Keeps each item's description of the highest revision (an upload is revision 0)."""
        ...

    async def save_media_offers(self, offers: Sequence[MediaOfferRecord]) -> None:
        """Keeps each offer's media once (by offer id); an unlock sets its transaction (the first stays)."""
        ...

    async def add_offer_reversals(self, reversals: Sequence[OfferReversal]) -> None:
        """Keeps each reversal once (by transaction id)."""
        ...

    async def add_segment_changes(self, changes: Sequence[SegmentChange]) -> None:
        """Keeps each change once (creator, fan, segment, time, change) and the newest name of each segment."""
        ...

    async def forget_fan_segments(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> None:
        """Erasure: freezes the segments of the fan's known offers onto those offers, then deletes the
        fan's segment history (reports keep their figures; the fan's timeline is gone)."""
        ...

    async def fan_segment_changes(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> list[SegmentChange]:
        """The fan's segment history, oldest first (its part of the fan's export)."""
        ...

    async def offer_groups(
        self, creator_id: uuid.UUID, start: datetime, end: datetime, currency: str | None
    ) -> list[OfferGroup]:
        """The offers sent in [start, end) (of that currency, when given), grouped when alike."""
        ...

    async def media_infos(
        self, creator_id: uuid.UUID, media_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, MediaInfo]: ...

    async def segment_names(self, creator_id: uuid.UUID) -> dict[str, str]: ...


class WeeklyRepository(Protocol):
    """The weekly summary's reads and its two tables (analytics.weekly, adapters/weekly_sql.py)."""

    async def save_captions(self, captions: Sequence[PostCaption]) -> None:
        """Keeps each post's caption excerpt of the highest revision."""
        ...

    async def post_captions(self, creator_id: uuid.UUID, post_ids: Sequence[str]) -> dict[str, str]: ...

    async def start_weekly(self, creator_ids: Sequence[uuid.UUID], now: datetime) -> set[uuid.UUID]:
        """Those of the creators seen for the first time (their weekly timer is to be set), in one statement."""
        ...

    async def save_week(
        self,
        creator_id: uuid.UUID,
        key: str,
        weeks: Weeks,
        currency: str,
        revenue: tuple[int, int],
        now: datetime,
    ) -> bool:
        """Records the summary of (creator, period start); False when it was recorded already."""
        ...

    async def week_currencies(self, creator_id: uuid.UUID, weeks: Weeks) -> list[CurrencyWeeks]: ...

    async def week_by_line(self, creator_id: uuid.UUID, currency: str, weeks: Weeks) -> list[Figure]: ...

    async def week_by_segment(self, creator_id: uuid.UUID, currency: str, weeks: Weeks) -> list[Figure]:
        """Each fact in every segment its fan was in at the fact's time (``none``: in no segment)."""
        ...

    async def week_by_conversion(
        self, creator_id: uuid.UUID, currency: str, weeks: Weeks, by: Literal["post", "link"]
    ) -> list[Figure]:
        """The marketing attribution's revenue per post or link."""
        ...


class AnalyticsRepository(ChatterRepository, MarketingRepository, MediaRepository, WeeklyRepository, Protocol):
    # the read models, written by the consumers (each write is idempotent) ------------------------
    async def add_transactions(self, facts: Sequence[Fact]) -> int:
        """Stores the facts whose transaction id is new (others are left as they are), in one
        statement; returns how many were new."""
        ...

    async def remember_fans(self, names: Sequence[FanName]) -> None:
        """Keeps each fan's name, unless what is stored was seen later (``seen_at``)."""
        ...

    async def save_subscriptions(self, periods: Sequence[SubscriptionPeriod]) -> None:
        """Creates each period or folds it into the stored one (latest expiry, latest end)."""
        ...

    # erasure (analytics.erasure) --------------------------------------------------------------------
    async def erased_among(self, fan_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Takes these fans' write lock (shared, until the transaction ends), then returns those
        erased. Every write of a fan's name asks first."""
        ...

    async def erase_fan(self, erased: ErasedFan, *, now: datetime) -> None:
        """Takes the fan's lock (exclusive), records the tombstone (again: one more application)
        and deletes the fan's name. Facts and subscription periods stay."""
        ...

    async def erased(self, creator_id: uuid.UUID, fan_id: uuid.UUID) -> ErasedFan | None: ...

    async def fan_records(
        self, creator_id: uuid.UUID, fan_id: uuid.UUID
    ) -> tuple[FanName | None, list[Fact], list[SubscriptionPeriod]]:
        """The fan's name, every fact (by time) and every subscription period (by start)."""
        ...

    # queries (one creator, one currency) --------------------------------------------------------
    async def revenue_by_bucket(
        self, creator_id: uuid.UUID, currency: str, grid: Sequence[datetime], window: Window
    ) -> list[LineTotal]:
        """Sums of the facts in ``window`` per bucket of ``grid`` (sorted starts, the first at or
        before ``window.start``; a fact belongs to the last start at or before it) and line."""
        ...

    async def period_figures(
        self, creator_id: uuid.UUID, currency: str, windows: Sequence[Window]
    ) -> list[PeriodFigures]:
        """The figures of each window, in order."""
        ...

    async def top_fans(self, creator_id: uuid.UUID, currency: str, window: Window, limit: int) -> list[FanSpend]:
        """Fans with a positive net spend in the window, highest first (then gross, then fan id)."""
        ...

    async def sales_by_bucket(
        self, creator_id: uuid.UUID, currency: str, grid: Sequence[datetime], window: Window
    ) -> list[BucketTotal]:
        """Sums of the sales (no reversals) in ``window`` per bucket of ``grid`` (as revenue_by_bucket)."""
        ...

    async def subscription_intervals(self, creator_id: uuid.UUID) -> list[Interval]:
        """Every subscription of the creator's fans."""
        ...
