"""OpenAI and Azure OpenAI providers through the official SDK, and the provider factory."""

from __future__ import annotations

import logging

import openai

from huntaze_events import MAX_MESSAGE_CHARS

from ..config import AiSettings, ProviderChoice
from ..domain import Draft, DraftingProvider, DraftRequest, EmojiUse, Speaker, Tone, first_name
from ..fan_facts import PROMPT_LINES, Standing
from ..untrusted import FENCE_RULE, fenced
from .offline import OfflineProvider

log = logging.getLogger("ai.llm")

_TONE = {
    Tone.FRIENDLY: "warm and friendly",
    Tone.FLIRTY: "flirty and affectionate, never explicit",
    Tone.PLAYFUL: "playful and teasing",
    Tone.PROFESSIONAL: "polite and professional, no pet names, no flirting",
}
_EMOJI = {
    EmojiUse.NONE: "Never use emoji.",
    EmojiUse.LIGHT: "Use at most one emoji.",
    EmojiUse.HEAVY: "Use two or three emoji.",
}


_OCCASIONS = {
    "welcome": "a welcome message to a fan who just subscribed",
    "thank_you": "a thank-you message to a fan who just bought something or tipped",
    "ppv_follow_up": "a gentle follow-up on a paid message the fan has not opened yet",
    "win_back": "a message to a fan whose subscription ends soon, asking them to stay",
    "re_engage": "a message to a fan who spent before and has been away for a while",
}


def system_prompt(request: DraftRequest) -> str:
    persona = request.persona
    if request.occasion:
        task = [
            "You write a message an OnlyFans creator sends first to one of their fans: "
            + _OCCASIONS.get(request.occasion, "a friendly message")
            + ". It is not a reply; the fan's latest message, if any, is context only.",
            "It may be sent without a person reading it. 1 to 3 short sentences, plain text.",
        ]
    else:
        task = [
            "You write the next chat reply of an OnlyFans creator to one of their fans.",
            "A person on the creator's team reviews your draft before anything is sent.",
        ]
    lines = [
        *task,
        f"Tone: {_TONE[persona.tone]}. {_EMOJI[persona.emoji_use]}",
        f"The fan's name is {first_name(request.fan_name)}; use it naturally.",
        "Answer what the fan actually said or asked. 1 to 3 short sentences, plain text."
        if not request.occasion
        else "Do not invent facts about the fan or the creator's content beyond the instruction.",
        "Never state a price (say you will send an offer), never promise refunds or money,",
        "never agree to meet in person or move to another app, never say you are an AI.",
        FENCE_RULE,
    ]
    if persona.boundaries:
        lines.append("The creator's boundaries (decline kindly if asked): " + "; ".join(persona.boundaries))
    for standing in request.standing:
        if standing in _STANDING:
            lines.append(PROMPT_LINES[_STANDING[standing]].format(ends=request.ends or "soon"))
    if request.instruction and request.occasion:
        lines.append(f"The creator's instruction for this message: {request.instruction}")
    elif request.instruction:
        lines.append(f"The person reviewing the last draft asked for another one: {request.instruction}")
    if persona.signature:
        lines.append(f"End with the sign-off: {persona.signature}")
    return "\n".join(lines)


_STANDING = {s.value: s for s in Standing}


def chat_messages(request: DraftRequest) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": system_prompt(request)}]
    for line in request.history:
        if line.speaker is Speaker.FAN:
            messages.append({"role": "user", "content": fenced(line.text)})
        else:
            messages.append({"role": "assistant", "content": line.text})
    if request.message or not request.occasion:
        messages.append({"role": "user", "content": fenced(request.message)})
    return messages


class OpenAIProvider:
    """Chat Completions on OpenAI, Azure OpenAI, or any OpenAI-compatible endpoint (base_url)."""

    def __init__(self, client: openai.AsyncOpenAI, *, model: str, name: str, temperature: float) -> None:
        self._client = client
        self._model = model
        self.name = name
        self._temperature = temperature

    async def draft(self, request: DraftRequest) -> Draft:
        completion = await self._client.chat.completions.create(
            model=self._model,
            messages=chat_messages(request),  # type: ignore[arg-type]
            temperature=self._temperature,
            max_tokens=200,
            user=str(request.creator_id),
        )
        text = (completion.choices[0].message.content or "").strip()
        if not text:
            raise ValueError("the model returned an empty reply")
        return Draft(text=text[:MAX_MESSAGE_CHARS], provider=self.name, model=completion.model or self._model)

    async def close(self) -> None:
        await self._client.close()


class FallbackProvider:
    """Uses the remote model; when it fails after the SDK's own retries, drafts offline instead."""

    def __init__(self, primary: OpenAIProvider, fallback: OfflineProvider) -> None:
        self._primary = primary
        self._fallback = fallback
        self.name = primary.name

    async def draft(self, request: DraftRequest) -> Draft:
        try:
            return await self._primary.draft(request)
        except (openai.APIError, ValueError) as exc:
            log.warning("%s failed (%r); drafting offline instead", self._primary.name, exc)
            offline = await self._fallback.draft(request)
            return Draft(text=offline.text, provider="offline-fallback", model=None)

    async def close(self) -> None:
        await self._primary.close()


def provider_from_settings(settings: AiSettings) -> DraftingProvider:
    choice = settings.provider
    if choice is ProviderChoice.AUTO:
        if settings.openai_api_key is None:
            choice = ProviderChoice.OFFLINE
        else:
            choice = ProviderChoice.AZURE if settings.azure_endpoint else ProviderChoice.OPENAI
    if choice is ProviderChoice.OFFLINE:
        return OfflineProvider()
    if settings.openai_api_key is None:
        raise ValueError(f"AI_PROVIDER={choice.value} needs AI_OPENAI_API_KEY")
    key = settings.openai_api_key.get_secret_value()
    client: openai.AsyncOpenAI
    if choice is ProviderChoice.AZURE:
        if not settings.azure_endpoint:
            raise ValueError("AI_PROVIDER=azure needs AI_AZURE_ENDPOINT")
        client = openai.AsyncAzureOpenAI(
            api_key=key,
            azure_endpoint=settings.azure_endpoint,
            azure_deployment=settings.azure_deployment,
            api_version=settings.azure_api_version,
            timeout=settings.openai_timeout_s,
            max_retries=settings.openai_max_retries,
        )
        name = "azure-openai"
        model = settings.azure_deployment or settings.openai_model
    else:
        client = openai.AsyncOpenAI(
            api_key=key,
            base_url=settings.openai_base_url,
            timeout=settings.openai_timeout_s,
            max_retries=settings.openai_max_retries,
        )
        name = "openai"
        model = settings.openai_model
    remote = OpenAIProvider(
        client,
        model=model,
        name=name,
        temperature=settings.openai_temperature,
    )
    return FallbackProvider(remote, OfflineProvider()) if settings.fallback_to_offline else remote
