"""HTTP API of the ai service (reached through the gateway: its internal token names the creator)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from huntaze_service import CreatorId, NoNul, RuntimeDep

from . import handlers
from .domain import EmojiUse, Persona, Tone

router = APIRouter(prefix="/v1/ai", tags=["ai"])


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
