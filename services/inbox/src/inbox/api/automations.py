"""``GET/PUT /v1/inbox/automations``: a creator's five automations and their autopilot's bounds;
``GET /v1/inbox/automations/runs``: what each trigger did (a draft, an autopilot send, a wait for the
end of the quiet hours, or nothing, and why)."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

from huntaze_events import MAX_MESSAGE_CHARS
from huntaze_service import ApiError, CreatorId, NoNul, RuntimeDep, UserId, entitlements
from huntaze_service.entitlements import PlanLimitReached

from ..automations import (
    MAX_AFTER_HOURS,
    MAX_CAP,
    MAX_DELAY_MINUTES,
    MAX_INSTRUCTION,
    Automation,
    AutomationConfig,
    AutomationRefused,
    Kind,
    Limits,
    Run,
    RunStatus,
)
from ..domain import clean_text
from ..guardrails import RestrictedText
from ..handlers import automations as handlers
from ..mass import MAX_SEGMENTS, UnknownSegment, check_placeholders

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])
INVALID = {
    "description": "Invalid settings; codes `invalid_automation`, `unknown_segment`, `restricted_word` "
    "(the text holds a term nothing may send)."
}

Segment = Annotated[str, NoNul, Field(min_length=1, max_length=64)]


class AutomationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind = Field(description="`welcome`, `thank_you`, `ppv_follow_up`, `win_back` or `re_engage`.")
    enabled: StrictBool = False
    text: str = Field(
        default="",
        max_length=MAX_MESSAGE_CHARS,
        description="`{name}` is replaced by the fan's display name. Required unless `instruction` is given.",
    )
    instruction: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_INSTRUCTION,
        description="The AI writes each message following it, for that fan as they are (their standing, the "
        "conversation); then `text` is not used. The written text goes through the same checks as any other: "
        "`blocked` or `needs_review` is never autosent.",
    )
    delay_minutes: StrictInt = Field(default=0, ge=0, le=MAX_DELAY_MINUTES, description="Wait after the trigger.")
    autopilot: StrictBool = Field(
        default=False, description="Send without a person's approval, within the limits; otherwise a draft."
    )
    autopilot_segments: list[Segment] = Field(
        default_factory=list,
        max_length=MAX_SEGMENTS,
        description="The autopilot sends only to fans in one of these (empty: every fan); others get a draft.",
    )
    min_amount_cents: StrictInt | None = Field(
        default=None, ge=1, description="`thank_you` only (required there): the smallest purchase thanked, gross."
    )
    after_hours: StrictInt | None = Field(
        default=None,
        ge=1,
        le=MAX_AFTER_HOURS,
        description="`ppv_follow_up` only (required there): hours after the offer.",
    )

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return check_placeholders(clean_text(value)) if value else value

    @field_validator("instruction")
    @classmethod
    def _instruction(cls, value: str | None) -> str | None:
        return None if value is None else clean_text(value)

    def domain(self) -> Automation:
        return Automation(
            self.kind,
            self.enabled,
            self.text,
            self.delay_minutes,
            self.autopilot,
            tuple(self.autopilot_segments),
            self.min_amount_cents,
            self.after_hours,
            self.instruction,
        )


class LimitsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    per_fan_per_day: StrictInt = Field(default=1, ge=1, le=MAX_CAP, description="Autopilot sends per fan per day.")
    per_creator_per_day: StrictInt = Field(default=200, ge=1, le=MAX_CAP, description="Autopilot sends per day.")
    quiet_start: time | None = Field(default=time(23, 0), description="`HH:MM`; null with quiet_end: no quiet hours.")
    quiet_end: time | None = Field(default=time(8, 0), description="When the autopilot may send again.")
    timezone: str = Field(default="UTC", max_length=64, description="IANA name of the creator's time zone.")

    def domain(self) -> Limits:
        return Limits(self.per_fan_per_day, self.per_creator_per_day, self.quiet_start, self.quiet_end, self.timezone)


class AutomationsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    automations: list[AutomationIn] = Field(
        max_length=len(Kind), description="Each kind at most once; a kind left out is reset to its default (off)."
    )
    limits: LimitsIn = Field(default_factory=LimitsIn)


class AutomationOut(BaseModel):
    kind: str
    enabled: bool
    text: str
    delay_minutes: int
    autopilot: bool
    autopilot_segments: list[str]
    min_amount_cents: int | None
    after_hours: int | None
    instruction: str | None


class LimitsOut(BaseModel):
    per_fan_per_day: int
    per_creator_per_day: int
    quiet_start: str | None
    quiet_end: str | None
    timezone: str


class AutomationsOut(BaseModel):
    automations: list[AutomationOut]
    limits: LimitsOut

    @classmethod
    def of(cls, config: AutomationConfig) -> AutomationsOut:
        data = config.as_json()
        return cls(automations=[AutomationOut(**a) for a in data["automations"]], limits=LimitsOut(**data["limits"]))


class RunOut(BaseModel):
    run_id: uuid.UUID
    kind: str
    fan_id: uuid.UUID
    status: str = Field(
        description="`pending` (waiting for its time), `writing` (the AI is writing its message), `drafted`, "
        "`autosent` or `skipped`."
    )
    reason: str | None = Field(
        description="Why a draft and not a send (`autopilot_off`, `fan_daily_cap`, `blocked`…), why nothing "
        "(`disabled`, `offer_unlocked`, `left_segment`…), or `quiet_hours` while it waits."
    )
    due_at: datetime
    created_at: datetime
    decided_at: datetime | None
    draft_id: uuid.UUID | None

    @classmethod
    def of(cls, r: Run) -> RunOut:
        return cls(
            run_id=r.id,
            kind=r.kind.value,
            fan_id=r.fan_id,
            status=r.status.value,
            reason=r.reason,
            due_at=r.due_at,
            created_at=r.created_at,
            decided_at=r.decided_at,
            draft_id=r.draft_id,
        )


@router.get("/automations", response_model=AutomationsOut, summary="The creator's automations and limits")
async def get_automations(runtime: RuntimeDep, creator_id: CreatorId) -> AutomationsOut:
    async with runtime.uow() as uow:
        return AutomationsOut.of(await handlers.get_config(uow, creator_id))


@router.put(
    "/automations",
    response_model=AutomationsOut,
    responses={
        402: {
            "description": "An automation switched to autopilot on a plan without it (code `plan_limit`; the "
            "message names the plan that has it)."
        },
        422: INVALID,
    },
    summary="Replace the automations",
)
async def put_automations(
    body: AutomationsIn, runtime: RuntimeDep, creator_id: CreatorId, user_id: UserId
) -> AutomationsOut:
    """Replaces the creator's automations and the autopilot's limits as a whole. Triggers that
    arrive while an automation is on each fire once, after its delay; switching one off stops the
    runs that have not fired yet."""
    cmd = handlers.Configure(creator_id, user_id, [a.domain() for a in body.automations], body.limits.domain())
    async with runtime.uow() as uow:
        try:
            config = await handlers.configure(uow, cmd)
        except AutomationRefused as exc:
            raise ApiError(422, str(exc), "invalid_automation") from None
        except UnknownSegment as exc:
            raise ApiError(422, str(exc), "unknown_segment") from None
        except RestrictedText as exc:
            raise ApiError(422, str(exc), "restricted_word") from None
        except PlanLimitReached as exc:
            raise entitlements.api_error(exc) from None
    return AutomationsOut.of(config)


class RunPage(BaseModel):
    items: list[RunOut]


@router.get("/automations/runs", response_model=RunPage, summary="What each trigger did, newest first")
async def list_runs(
    runtime: RuntimeDep,
    creator_id: CreatorId,
    kind: Kind | None = None,
    status: RunStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RunPage:
    async with runtime.uow() as uow:
        runs = await handlers.list_runs(uow, creator_id, limit=limit, kind=kind, status=status)
    return RunPage(items=[RunOut.of(r) for r in runs])
