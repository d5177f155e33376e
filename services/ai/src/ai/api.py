"""HTTP API of the ai service (reached through the gateway: its internal token names the creator)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated

from fastapi import APIRouter, Depends
from prometheus_client import Counter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from huntaze_service import ApiError, CreatorId, NoNul, RuntimeDep

from . import handlers
from .captions import RULES, Answer, Captioner, CaptionRequest, CaptionsUnavailable, Network, post_text
from .domain import EmojiUse, Persona, Tone

router = APIRouter(prefix="/v1/ai", tags=["ai"])
CAPTIONER = "captioner"
"""Where the wiring keeps the :class:`~ai.captions.Captioner` (``runtime.state``)."""


class PersonaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tone: Tone = Tone.FRIENDLY
    emoji_use: EmojiUse = EmojiUse.LIGHT
    boundaries: list[Annotated[str, NoNul]] = Field(default_factory=list, max_length=20)
    signature: Annotated[str, NoNul] | None = Field(default=None, max_length=60)
    language: Annotated[str, NoNul] = Field(default="en", min_length=2, max_length=10)

    @field_validator("boundaries")
    @classmethod
    def _clean_boundaries(cls, value: list[str]) -> list[str]:
        cleaned = [item.strip() for item in value]
        if any(not item or len(item) > 100 for item in cleaned):
            raise ValueError("each boundary is 1 to 100 characters")
        return cleaned


class PersonaOut(PersonaIn):
    is_default: bool
    updated_at: datetime | None = None


@router.get("/persona", response_model=PersonaOut)
async def get_persona(runtime: RuntimeDep, creator_id: CreatorId) -> PersonaOut:
    async with runtime.uow() as uow:
        persona, is_default = await handlers.load_persona(uow, creator_id)
    return PersonaOut(
        tone=persona.tone,
        emoji_use=persona.emoji_use,
        boundaries=list(persona.boundaries),
        signature=persona.signature,
        language=persona.language,
        is_default=is_default,
    )


@router.put("/persona", response_model=PersonaOut)
async def put_persona(body: PersonaIn, runtime: RuntimeDep, creator_id: CreatorId) -> PersonaOut:
    persona = Persona(
        tone=body.tone,
        emoji_use=body.emoji_use,
        boundaries=tuple(body.boundaries),
        signature=(body.signature or "").strip() or None,
        language=body.language,
    )
    async with runtime.uow() as uow:
        await handlers.save_persona(uow, creator_id, persona)
    return PersonaOut(**body.model_dump(), is_default=False)


# --- captions for a social post ----------------------------------------------------------------------


class CaptionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    network: Network
    brief: Annotated[str, NoNul] = Field(min_length=1, max_length=1000, description="What the post is about.")
    media_description: Annotated[str, NoNul] | None = Field(
        default=None, max_length=1000, description="What the photo or video shows."
    )
    tone: Tone | None = Field(default=None, description="Default: the persona's tone.")

    @field_validator("brief")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the brief is blank")
        return value.strip()

    @field_validator("media_description")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return (value or "").strip() or None


class LimitsOut(BaseModel):
    max_chars: int
    unit: str
    max_hashtags: int
    title_max_chars: int | None = None


class SuggestionOut(BaseModel):
    caption: str
    cta: str
    hashtags: list[str]
    title: str | None = Field(default=None, description="Reddit only.")
    text: str = Field(description="Caption, CTA and hashtags as they would be posted (Reddit: the body).")
    length: int = Field(description="The text's length as the network counts it (see limits.unit).")
    provider: str
    model: str | None = None
    adjustments: list[str] = Field(description="hashtags_trimmed, hashtag_refused, cta_replaced")
    fallback: str | None = Field(
        default=None,
        description="Why the model's suggestion for this slot was replaced by the offline one "
        "(too_long, explicit, restricted, too_many_hashtags, no_cta, empty, no_title, title_too_long, "
        "missing, duplicate).",
    )


class CaptionsOut(BaseModel):
    network: Network
    tone: Tone
    limits: LimitsOut
    suggestions: list[SuggestionOut]
    review: list[str] = Field(description="The brief tried to steer the AI: read the suggestions closely.")


def captioner(runtime: RuntimeDep) -> Captioner:
    return runtime.state[CAPTIONER]  # type: ignore[no-any-return]


CaptionerDep = Annotated[Captioner, Depends(captioner)]


@router.post(
    "/captions",
    response_model=CaptionsOut,
    responses={503: {"description": "The remote model failed and AI_FALLBACK_TO_OFFLINE is off."}},
)
async def write_captions(
    body: CaptionsIn, runtime: RuntimeDep, creator_id: CreatorId, writer: CaptionerDep
) -> CaptionsOut:
    """Three caption suggestions for a social post promoting the creator's page, each within the
    network's rules (length, hashtags, no explicit word on Instagram and TikTok, a CTA). Nothing
    is stored or posted."""
    async with runtime.uow() as uow:
        persona, _ = await handlers.load_persona(uow, creator_id)
    request = CaptionRequest(
        creator_id=creator_id,
        network=body.network,
        brief=body.brief,
        media_description=body.media_description,
        tone=body.tone or persona.tone,
        emoji_use=persona.emoji_use,
        boundaries=persona.boundaries,
        language=persona.language,
    )
    try:
        answer = await writer.suggest(request)
    except CaptionsUnavailable as exc:
        raise ApiError(503, f"the AI model did not answer ({exc})", "model_unavailable") from None
    _count(answer)
    return _answer_out(answer)


def _answer_out(answer: Answer) -> CaptionsOut:
    rules = RULES[answer.network]
    return CaptionsOut(
        network=answer.network,
        tone=answer.tone,
        limits=LimitsOut(
            max_chars=rules.max_chars,
            unit=rules.unit,
            max_hashtags=rules.max_hashtags,
            title_max_chars=rules.title_max_chars,
        ),
        suggestions=[
            SuggestionOut(
                caption=c.suggestion.caption,
                cta=c.suggestion.cta,
                hashtags=list(c.suggestion.hashtags),
                title=c.suggestion.title,
                text=post_text(c.suggestion),
                length=c.length,
                provider=c.provider,
                model=c.model,
                adjustments=list(c.adjustments),
                fallback=c.fallback,
            )
            for c in answer.suggestions
        ],
        review=list(answer.review),
    )


@cache
def _suggestions_counter() -> Counter:
    return Counter(
        "huntaze_ai_caption_suggestions_total",
        "Caption suggestions answered (nothing is stored), by network, provider and outcome "
        "(as_written, adjusted, replaced: the model's suggestion broke a rule and was written offline)",
        ["network", "provider", "outcome"],
    )


def _count(answer: Answer) -> None:
    for checked in answer.suggestions:
        outcome = "replaced" if checked.fallback else "adjusted" if checked.adjustments else "as_written"
        _suggestions_counter().labels(answer.network.value, checked.provider, outcome).inc()
