"""The hourly anomaly check: from the read model (:mod:`.records`) to ``anomaly.detected``.

Each creator has one recurring durable timer (``anomaly_check``, every hour at minute 10, so that the
hour just ended had ten minutes to arrive). A firing checks every whole hour since the last one it
checked (at most a day back: a worker down for a night catches up, an older hour is no longer news),
in each currency with revenue in the history, with :func:`~.revenue.detect_revenue_anomaly`; and, for
each UTC day completed since the last check, every tracking link with clicks with
:func:`~.links.detect_link_conversion_drop`. Hours and days are UTC: the creator's time zone is not in
any event yet.

One alert per episode: an anomaly whose window touches or overlaps the last stored one of the same
kind and subject (a three-hour outage seen again an hour later) extends that one's window instead of
alerting again. The state (last hour and day checked) is written in the firing's transaction, with the
alerts: a firing that crashed is repeated whole, and one that committed is not repeated.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from huntaze_events import AnomalyDetected
from huntaze_service import Recurrence

from ..handlers import Uow
from .links import LinkDay, detect_link_conversion_drop
from .model import Anomaly
from .revenue import HourlyRevenue, detect_revenue_anomaly

CHECK = "anomaly_check"
CHECK_EVERY = "FREQ=HOURLY;BYMINUTE=10;BYSECOND=0"
FIRST_CHECK_AFTER = timedelta(minutes=10)
TIME_ZONE = "UTC"
HISTORY = timedelta(weeks=6, hours=3)  # detect_revenue_anomaly's 6 weeks and its 3-hour runs
LINK_DAYS = 28
MAX_CATCH_UP_HOURS = 24
MAX_CATCH_UP_DAYS = 2
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class CheckState:
    last_hour: datetime | None
    last_day: date | None


@dataclass(frozen=True)
class Found:
    """One anomaly of the creator's series, ready to be stored and announced."""

    anomaly: Anomaly
    subject: str
    window_start: datetime
    window_end: datetime
    currency: str | None = None
    link_id: uuid.UUID | None = None

    def key(self, creator_id: uuid.UUID) -> str:
        return f"{creator_id}:{self.anomaly.kind}:{self.subject}:{self.window_start.isoformat()}"


async def ensure_checks(uow: Uow, creator_id: uuid.UUID, first_after: timedelta = FIRST_CHECK_AFTER) -> None:
    """The creator's hourly check is scheduled the first time their data arrives."""
    if await uow.repo.start_anomaly_checks(creator_id, uow.now()):
        uow.schedule(CHECK, key=str(creator_id), at=uow.now() + first_after, tenant=creator_id,
                     every=Recurrence(CHECK_EVERY))  # fmt: skip


def hours_to_check(state: CheckState, now: datetime) -> list[datetime]:
    """The whole hours ended since the last check (the last one only, the first time), a day at most."""
    last_complete = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - HOUR
    first = state.last_hour + HOUR if state.last_hour else last_complete
    first = max(first, last_complete - (MAX_CATCH_UP_HOURS - 1) * HOUR)
    count = int((last_complete - first) / HOUR) + 1
    return [first + i * HOUR for i in range(max(count, 0))]


def days_to_check(state: CheckState, now: datetime) -> list[date]:
    yesterday = now.astimezone(UTC).date() - timedelta(days=1)
    first = state.last_day + timedelta(days=1) if state.last_day else yesterday
    first = max(first, yesterday - timedelta(days=MAX_CATCH_UP_DAYS - 1))
    return [first + timedelta(days=i) for i in range((yesterday - first).days + 1)]


def revenue_anomalies(history: Sequence[HourlyRevenue], currency: str, hours: Sequence[datetime]) -> list[Found]:
    """Pure: each checked hour against the history before it (an hour without a row had no sale)."""
    found = []
    by_hour = {r.hour_start: r for r in history}
    for hour in hours:
        row = by_hour.get(hour) or HourlyRevenue(hour, 0, 0)
        anomaly = detect_revenue_anomaly(history, row, TIME_ZONE)
        if anomaly is not None:
            length = int(anomaly.evidence.get("hours", 1))  # type: ignore[call-overload]
            found.append(Found(anomaly, currency, hour - (length - 1) * HOUR, hour + HOUR, currency=currency))
    return found


def link_anomalies(link_id: uuid.UUID, history: Sequence[LinkDay], days: Sequence[date]) -> list[Found]:
    found = []
    by_day = {d.day: d for d in history}
    for day in days:
        anomaly = detect_link_conversion_drop(history, by_day.get(day) or LinkDay(day, 0, 0))
        if anomaly is not None:
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            found.append(Found(anomaly, str(link_id), start, start + timedelta(days=1), link_id=link_id))
    return found


async def check(uow: Uow, creator_id: uuid.UUID) -> int:
    """One firing: reads what it needs, runs the detectors off the event loop, stores and emits each
    new episode. Returns how many ``anomaly.detected`` it emitted."""
    now = uow.now()
    state = await uow.repo.anomaly_state(creator_id)
    hours, days = hours_to_check(state, now), days_to_check(state, now)
    since = hours[0] - HISTORY if hours else now
    series = {
        c: await uow.repo.revenue_hours(creator_id, c, since, now)
        for c in await uow.repo.revenue_currencies(creator_id, since)
    }
    link_since = days[0] - timedelta(days=LINK_DAYS) if days else now.date()
    links = await uow.repo.link_days(creator_id, link_since) if days else {}

    def detect() -> list[Found]:
        found = [f for c, history in sorted(series.items()) for f in revenue_anomalies(history, c, hours)]
        return found + [f for link, history in sorted(links.items()) for f in link_anomalies(link, history, days)]

    emitted = 0
    for f in await asyncio.to_thread(detect):  # numpy over weeks of hours: off the event loop
        if await _store(uow, creator_id, f, now):
            emitted += 1
    await uow.repo.save_anomaly_state(creator_id, hours[-1] if hours else state.last_hour,
                                      days[-1] if days else state.last_day)  # fmt: skip
    return emitted


async def _store(uow: Uow, creator_id: uuid.UUID, f: Found, now: datetime) -> bool:
    a = f.anomaly
    anomaly_id = uuid.uuid4()
    if not await uow.repo.add_anomaly(creator_id, anomaly_id, f.key(creator_id), a.kind, f.subject, f.window_start,
                                      f.window_end, a.observed, a.expected, a.low, a.high, a.score, a.evidence, now):  # fmt: skip
        return False  # the same episode, already announced (its window extended)
    uow.emit(
        AnomalyDetected(
            anomaly_id=anomaly_id, anomaly_key=f.key(creator_id), kind=a.kind, subject=f.subject,
            currency=f.currency, link_id=f.link_id, window_start=f.window_start, window_end=f.window_end,
            unit="conversions" if a.kind == "link_conversion_drop" else "cents", observed=a.observed,
            expected=a.expected, low=a.low, high=a.high, score=a.score, evidence=_plain(a.evidence), detected_at=now,
        ),
        creator_id=creator_id,
    )  # fmt: skip
    return True


def _plain(evidence: dict[str, object]) -> dict[str, object]:
    """The evidence as the event carries it (numbers, text, lists of counts)."""
    out: dict[str, object] = {}
    for key, raw in evidence.items():
        value = raw.item() if hasattr(raw, "item") else raw  # a numpy scalar
        if isinstance(value, (bool, int, float, str)) or value is None:
            out[key] = value
        elif isinstance(value, (list, tuple)):
            out[key] = [int(v) for v in value]
        else:
            out[key] = str(value)
    return out
