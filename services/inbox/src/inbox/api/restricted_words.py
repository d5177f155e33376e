"""``GET/PUT /v1/inbox/restricted-words``: the terms no outgoing text may hold — the default list of
:mod:`inbox.guardrails` (read-only) and the creator's own (replaced as a whole)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from huntaze_service import CreatorId, NoNul, RuntimeDep

from ..guardrails import DEFAULT_RESTRICTED, MAX_OWN_WORDS, MAX_WORD_CHARS, clean_words

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])


class RestrictedWordsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    words: list[Annotated[str, NoNul, Field(min_length=1, max_length=MAX_WORD_CHARS)]] = Field(
        max_length=MAX_OWN_WORDS, description="The creator's own terms (words or phrases); replaces the list."
    )


class RestrictedWordsOut(BaseModel):
    words: list[str] = Field(description="The creator's own terms, normalised (lower case, single spaces).")
    default: dict[str, list[str]] = Field(description="The default list by category: always applied.")
    updated_at: datetime | None = None


def _out(words: list[str], updated_at: datetime | None = None) -> RestrictedWordsOut:
    return RestrictedWordsOut(
        words=words, default={k: list(v) for k, v in DEFAULT_RESTRICTED.items()}, updated_at=updated_at
    )


@router.get("/restricted-words", response_model=RestrictedWordsOut, summary="The terms no outgoing text may hold")
async def get_restricted_words(runtime: RuntimeDep, creator_id: CreatorId) -> RestrictedWordsOut:
    async with runtime.uow() as uow:
        return _out(await uow.repo.restricted_words(creator_id))


@router.put("/restricted-words", response_model=RestrictedWordsOut, summary="Replace the creator's own terms")
async def put_restricted_words(
    body: RestrictedWordsIn, runtime: RuntimeDep, creator_id: CreatorId
) -> RestrictedWordsOut:
    words = clean_words(body.words)
    async with runtime.uow() as uow:
        now = uow.now()
        await uow.repo.set_restricted_words(creator_id, words, now)
        await uow.commit()
    return _out(words, now)
