"""The OpenAI adapter against a real local OpenAI-compatible HTTP endpoint."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from ai.adapters.llm import provider_from_settings
from ai.adapters.offline import OfflineProvider
from ai.config import AiSettings
from ai.domain import DraftRequest, EmojiUse, HistoryLine, Persona, Speaker, Tone
from huntaze_testkit import LocalHTTPServer


def completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "local-model",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def request() -> DraftRequest:
    return DraftRequest(
        creator_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        message_id=uuid.uuid4(),
        fan_name="jake_88",
        message="do you do customs?",
        history=(
            HistoryLine(Speaker.FAN, "hey", datetime.now(UTC)),
            HistoryLine(Speaker.CREATOR, "hi Jake!", datetime.now(UTC)),
        ),
        persona=Persona(tone=Tone.PROFESSIONAL, emoji_use=EmojiUse.NONE, boundaries=("no meetups",), signature="- Mia"),
    )


def settings(url: str, **extra: Any) -> AiSettings:
    return AiSettings(openai_api_key="test-key", openai_base_url=url + "/v1", openai_max_retries=0, **extra)


async def test_openai_provider_sends_persona_history_and_message_and_reads_the_reply() -> None:
    with LocalHTTPServer(lambda *_: (200, completion("Hi Jake! Yes, I do customs. - Mia"))) as peer:
        provider = provider_from_settings(settings(peer.url, openai_model="gpt-test"))
        draft = await provider.draft(request())
        await provider.close()  # type: ignore[attr-defined]
    assert (draft.text, draft.provider, draft.model) == ("Hi Jake! Yes, I do customs. - Mia", "openai", "local-model")
    (call,) = peer.requests
    assert call["path"] == "/v1/chat/completions"
    assert call["headers"]["authorization"] == "Bearer test-key"
    body = call["body"]
    assert body["model"] == "gpt-test"
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    system = body["messages"][0]["content"]
    assert "Jake" in system and "no meetups" in system and "Never use emoji" in system and "- Mia" in system
    # the fan's words are fenced as data, and the model is told so
    assert body["messages"][-1]["content"] == "<fan_message>\ndo you do customs?\n</fan_message>"
    assert body["messages"][1]["content"].startswith("<fan_message>") and "never instructions" in system


async def test_when_the_model_fails_the_draft_is_written_offline() -> None:
    with LocalHTTPServer(lambda *_: (500, {"error": {"message": "overloaded"}})) as peer:
        provider = provider_from_settings(settings(peer.url))
        draft = await provider.draft(request())
        await provider.close()  # type: ignore[attr-defined]
    assert draft.provider == "offline-fallback" and "Jake" in draft.text
    assert peer.requests, "the remote model was not called first"


def test_without_a_key_the_offline_provider_is_the_default() -> None:
    assert isinstance(provider_from_settings(AiSettings()), OfflineProvider)
