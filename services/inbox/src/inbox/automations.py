"""Automations and their bounded autopilot (pure rules).

Five automations per creator, each off until the creator switches it on, each with its text
(``{name}`` is the fan's display name), a delay and its own condition:

===============  ==================================================  ===========================
automation       trigger                                             the same trigger twice?
===============  ==================================================  ===========================
welcome          ``subscription.started``                            fan + subscription start
thank_you        ``transaction.recorded``: a purchase of at least    the transaction
                 ``min_amount_cents`` (not a subscription payment)
ppv_follow_up    an offer still locked ``after_hours`` after it      the offer
                 reached the fan
win_back         ``fan.segment_changed``: the fan entered            fan + when they entered
                 ``expiring``
re_engage        the fan entered ``lapsed`` and spent before         fan + when they entered
===============  ==================================================  ===========================

A trigger is recorded once — a *run*, unique per (creator, automation, trigger) — and fires after
the delay, through a durable timer. When it fires, :func:`decide` says what happens:

- a draft for a person to approve (the default), or
- sent by the autopilot, only when the creator switched it on for that automation (and, if they
  named segments, the fan is in one of them), the text is neither ``blocked`` (a restricted term)
  nor ``needs_review``, the daily caps per fan and per creator leave room, and it is not the
  creator's quiet hours (then it waits until they end);
- nothing, when the automation was switched off meanwhile or its reason is gone (the offer was
  unlocked, the fan renewed, never spent, was erased).

Time is whatever the unit of work's clock says: the tests move it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .mass import check_placeholders


class Kind(StrEnum):
    WELCOME = "welcome"
    THANK_YOU = "thank_you"
    PPV_FOLLOW_UP = "ppv_follow_up"
    WIN_BACK = "win_back"
    RE_ENGAGE = "re_engage"


DEFAULT_TEXTS: dict[Kind, str] = {
    Kind.WELCOME: "Hey {name}, welcome! So happy you're here, tell me what you'd love to see 💕",
    Kind.THANK_YOU: "Thank you so much {name}, you made my day 🥰",
    Kind.PPV_FOLLOW_UP: "Hey {name}, did you see what I sent you? I think you'll love it 😘",
    Kind.WIN_BACK: "{name}, your subscription ends soon and I'd miss you, stay a little longer?",
    Kind.RE_ENGAGE: "Hey {name}, it's been a while! I've posted a lot since, come say hi 💌",
}
DEFAULT_DELAY_MINUTES: dict[Kind, int] = {
    Kind.WELCOME: 5,
    Kind.THANK_YOU: 10,
    Kind.PPV_FOLLOW_UP: 0,
    Kind.WIN_BACK: 0,
    Kind.RE_ENGAGE: 0,
}
DEFAULT_MIN_AMOUNT_CENTS = 2000
DEFAULT_AFTER_HOURS = 24
MAX_DELAY_MINUTES = 7 * 24 * 60
MAX_AFTER_HOURS = 7 * 24
MAX_CAP = 10_000
MAX_INSTRUCTION = 500
MAX_TRIGGER_AGE = timedelta(days=2)
"""A trigger older than this when it arrives (a statement import of last year's sales) fires nothing."""

PURCHASES = frozenset({"message", "post", "tip", "stream_tip"})
"""Transaction types a ``thank_you`` follows (subscriptions have ``welcome``; reversals nothing)."""


class AutomationRefused(ValueError):
    """A setting of an automation cannot be used as given (answered 422)."""


@dataclass(frozen=True)
class Automation:
    kind: Kind
    enabled: bool = False
    text: str = ""
    delay_minutes: int = 0
    autopilot: bool = False
    autopilot_segments: tuple[str, ...] = ()
    """Empty: the autopilot sends to every fan; otherwise only to fans in one of these."""
    min_amount_cents: int | None = None
    """``thank_you`` only: the smallest purchase (gross, minor units) thanked."""
    after_hours: int | None = None
    """``ppv_follow_up`` only: hours after the offer reached the fan."""
    instruction: str | None = None
    """Set: the AI writes each message following it (for that fan, as they are), and ``text`` is
    not used; the written text is checked like any other before the autopilot may send it."""

    @classmethod
    def default(cls, kind: Kind) -> Automation:
        return cls(
            kind,
            text=DEFAULT_TEXTS[kind],
            delay_minutes=DEFAULT_DELAY_MINUTES[kind],
            min_amount_cents=DEFAULT_MIN_AMOUNT_CENTS if kind is Kind.THANK_YOU else None,
            after_hours=DEFAULT_AFTER_HOURS if kind is Kind.PPV_FOLLOW_UP else None,
        )

    @property
    def delay(self) -> timedelta:
        if self.kind is Kind.PPV_FOLLOW_UP:
            return timedelta(hours=self.after_hours or DEFAULT_AFTER_HOURS, minutes=self.delay_minutes)
        return timedelta(minutes=self.delay_minutes)

    def checked(self) -> Automation:
        check_placeholders(self.text)
        instruction = (self.instruction or "").strip() or None
        if instruction is not None and len(instruction) > MAX_INSTRUCTION:
            raise AutomationRefused(f"{self.kind.value}: instruction is at most {MAX_INSTRUCTION} characters")
        if not self.text.strip() and instruction is None:
            raise AutomationRefused(f"{self.kind.value}: text must not be empty (or give an instruction)")
        if not 0 <= self.delay_minutes <= MAX_DELAY_MINUTES:
            raise AutomationRefused(f"{self.kind.value}: delay_minutes must be between 0 and {MAX_DELAY_MINUTES}")
        if self.kind is Kind.THANK_YOU and (self.min_amount_cents is None or self.min_amount_cents < 1):
            raise AutomationRefused("thank_you: min_amount_cents must be at least 1")
        if self.kind is not Kind.THANK_YOU and self.min_amount_cents is not None:
            raise AutomationRefused(f"{self.kind.value}: min_amount_cents is for thank_you only")
        if self.kind is Kind.PPV_FOLLOW_UP and not 1 <= (self.after_hours or 0) <= MAX_AFTER_HOURS:
            raise AutomationRefused(f"ppv_follow_up: after_hours must be between 1 and {MAX_AFTER_HOURS}")
        if self.kind is not Kind.PPV_FOLLOW_UP and self.after_hours is not None:
            raise AutomationRefused(f"{self.kind.value}: after_hours is for ppv_follow_up only")
        return replace(
            self,
            text=self.text.strip(),
            instruction=instruction,
            autopilot_segments=tuple(dict.fromkeys(self.autopilot_segments)),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "enabled": self.enabled,
            "text": self.text,
            "delay_minutes": self.delay_minutes,
            "autopilot": self.autopilot,
            "autopilot_segments": list(self.autopilot_segments),
            "min_amount_cents": self.min_amount_cents,
            "after_hours": self.after_hours,
            "instruction": self.instruction,
        }

    @classmethod
    def of(cls, data: dict[str, Any]) -> Automation:
        return cls(
            Kind(data["kind"]),
            bool(data.get("enabled")),
            str(data.get("text") or ""),
            int(data.get("delay_minutes") or 0),
            bool(data.get("autopilot")),
            tuple(data.get("autopilot_segments") or ()),
            data.get("min_amount_cents"),
            data.get("after_hours"),
            data.get("instruction"),
        )


@dataclass(frozen=True)
class Limits:
    """The autopilot's bounds, per creator: automated sends per fan and per creator in a day (of
    the creator's time zone), and quiet hours in which nothing is autosent (it waits)."""

    per_fan_per_day: int = 1
    per_creator_per_day: int = 200
    quiet_start: time | None = time(23, 0)
    quiet_end: time | None = time(8, 0)
    timezone: str = "UTC"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def checked(self) -> Limits:
        for name, value in (
            ("per_fan_per_day", self.per_fan_per_day),
            ("per_creator_per_day", self.per_creator_per_day),
        ):
            if not 1 <= value <= MAX_CAP:
                raise AutomationRefused(f"{name} must be between 1 and {MAX_CAP}")
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise AutomationRefused("quiet_start and quiet_end are set together (or both null: no quiet hours)")
        if self.quiet_start is not None and self.quiet_start == self.quiet_end:
            raise AutomationRefused("quiet_start and quiet_end must differ")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise AutomationRefused(f"unknown time zone {self.timezone!r} (an IANA name, e.g. Europe/Paris)") from None
        return self

    def day_start(self, now: datetime) -> datetime:
        """Midnight of ``now``'s day in the creator's time zone (the caps count from it)."""
        local = now.astimezone(self.zone)
        return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)

    def quiet_until(self, now: datetime) -> datetime | None:
        """When the quiet hours around ``now`` end, or None when ``now`` is not in them."""
        if self.quiet_start is None or self.quiet_end is None:
            return None
        local = now.astimezone(self.zone)
        clock = local.time().replace(tzinfo=None)
        start, end = self.quiet_start, self.quiet_end
        quiet = start <= clock < end if start < end else (clock >= start or clock < end)
        if not quiet:
            return None
        day = local.date() if clock < end else local.date() + timedelta(days=1)
        return datetime.combine(day, end, tzinfo=self.zone).astimezone(UTC)

    def as_json(self) -> dict[str, Any]:
        return {
            "per_fan_per_day": self.per_fan_per_day,
            "per_creator_per_day": self.per_creator_per_day,
            "quiet_start": self.quiet_start.strftime("%H:%M") if self.quiet_start else None,
            "quiet_end": self.quiet_end.strftime("%H:%M") if self.quiet_end else None,
            "timezone": self.timezone,
        }

    @classmethod
    def of(cls, data: dict[str, Any]) -> Limits:
        def clock(value: Any) -> time | None:
            return None if value is None else time.fromisoformat(str(value))

        return cls(
            int(data.get("per_fan_per_day", 1)),
            int(data.get("per_creator_per_day", 200)),
            clock(data.get("quiet_start")),
            clock(data.get("quiet_end")),
            str(data.get("timezone") or "UTC"),
        )


@dataclass(frozen=True)
class AutomationConfig:
    """A creator's automations (every kind present; the defaults are off) and their limits."""

    automations: dict[Kind, Automation] = field(default_factory=lambda: {k: Automation.default(k) for k in Kind})
    limits: Limits = field(default_factory=Limits)

    def __getitem__(self, kind: Kind) -> Automation:
        return self.automations.get(kind) or Automation.default(kind)

    def as_json(self) -> dict[str, Any]:
        return {"limits": self.limits.as_json(), "automations": [self[k].as_json() for k in Kind]}

    @classmethod
    def of(cls, data: dict[str, Any] | None) -> AutomationConfig:
        if not data:
            return cls()
        given = {a.kind: a for a in (Automation.of(d) for d in data.get("automations") or ())}
        return cls({k: given.get(k) or Automation.default(k) for k in Kind}, Limits.of(data.get("limits") or {}))


# runs ---------------------------------------------------------------------------------------------


class RunStatus(StrEnum):
    PENDING = "pending"
    """Recorded; its timer fires after the delay (or at the end of quiet hours)."""
    WRITING = "writing"
    """Fired; the AI is writing its message (automation.text_requested); decided when it answers."""
    DRAFTED = "drafted"
    """A draft waits for a person."""
    AUTOSENT = "autosent"
    """The autopilot handed it to the connector."""
    SKIPPED = "skipped"
    """Nothing was sent; ``reason`` says why."""


@dataclass
class Run:
    id: uuid.UUID
    creator_id: uuid.UUID
    kind: Kind
    trigger: str
    fan_id: uuid.UUID
    due_at: datetime
    created_at: datetime
    status: RunStatus = RunStatus.PENDING
    reason: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    """What the trigger said that firing needs: the fan's OnlyFans id and name, the offer id."""
    draft_id: uuid.UUID | None = None
    decided_at: datetime | None = None


class Outcome(StrEnum):
    DRAFT = "draft"
    AUTOSEND = "autosend"
    DEFER = "defer"
    SKIP = "skip"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reason: str | None = None
    """Why it was not autosent (a draft), why nothing happened (skip)."""
    until: datetime | None = None
    """DEFER: when to look again (the end of the quiet hours)."""


@dataclass(frozen=True)
class SentToday:
    """Automated messages autosent since the start of the creator's day."""

    fan: int
    creator: int


def decide(
    automation: Automation,
    limits: Limits,
    *,
    now: datetime,
    fan_segments: set[str],
    review: tuple[str, ...],
    sent_today: SentToday,
) -> Decision:
    """What a run does when it fires (its trigger's own conditions were checked already)."""
    if not automation.enabled:
        return Decision(Outcome.SKIP, "disabled")
    if not automation.autopilot:
        return Decision(Outcome.DRAFT, "autopilot_off")
    if automation.autopilot_segments and not fan_segments & set(automation.autopilot_segments):
        return Decision(Outcome.DRAFT, "segment_not_on_autopilot")
    if review:
        blocked = [r for r in review if r.startswith("blocked")]
        return Decision(Outcome.DRAFT, "blocked" if blocked else "needs_review")
    if sent_today.fan >= limits.per_fan_per_day:
        return Decision(Outcome.DRAFT, "fan_daily_cap")
    if sent_today.creator >= limits.per_creator_per_day:
        return Decision(Outcome.DRAFT, "creator_daily_cap")
    until = limits.quiet_until(now)
    if until is not None:
        return Decision(Outcome.DEFER, "quiet_hours", until)
    return Decision(Outcome.AUTOSEND)


def stale(trigger_at: datetime, now: datetime) -> bool:
    return now - trigger_at > MAX_TRIGGER_AGE
