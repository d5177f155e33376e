"""``POST /v1/ai/captions`` on fakes: the answer's shape, the persona's tone by default, bad input
refused (422), a failed model without fallback (503), and the wiring that gives the route its writer."""

from __future__ import annotations

import typing
import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from ai import api
from ai.adapters.offline import OfflineProvider
from ai.bootstrap import build
from ai.captions import Captioner, Captions, CaptionsUnavailable, Network, Suggestion
from ai.config import AiSettings
from ai.domain import Draft, DraftRequest, EmojiUse, Persona, Tone
from huntaze_service import CreatorId
from huntaze_service.http import install_error_handlers
from huntaze_service.runtime import runtime_of
from huntaze_testkit.fakes import FakeUnitOfWork

from .fakes import FakeAiRepository

CREATOR = uuid.UUID(int=42)
BRIEF = "Promote my new beach photoshoot in a red bikini, dropping Friday"


class FakeRuntime:
    def __init__(self, repo: FakeAiRepository) -> None:
        self.repo = repo

    def uow(self) -> typing.Any:
        return FakeUnitOfWork(self.repo, producer="ai")


class Broken:
    name = "openai"

    async def captions(self, request: typing.Any) -> Captions:
        raise CaptionsUnavailable("503 from the model")


@pytest.fixture
async def client() -> AsyncIterator[tuple[httpx.AsyncClient, FakeAiRepository, dict[str, typing.Any]]]:
    repo = FakeAiRepository()
    offline = OfflineProvider()
    wired: dict[str, typing.Any] = {"captioner": Captioner(offline, offline)}
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(api.router)
    app.dependency_overrides[runtime_of] = lambda: FakeRuntime(repo)
    app.dependency_overrides[typing.get_args(CreatorId)[1].dependency] = lambda: CREATOR
    app.dependency_overrides[api.captioner] = lambda: wired["captioner"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ai") as http:
        yield http, repo, wired


async def test_three_suggestions_within_the_networks_rules(client: typing.Any) -> None:
    http, _, _ = client
    answer = await http.post(
        "/v1/ai/captions", json={"network": "x", "brief": BRIEF, "media_description": "golden hour", "tone": "playful"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["network"], body["tone"], body["review"]) == ("x", "playful", [])
    assert body["limits"] == {
        "max_chars": 280,
        "unit": "weighted characters",
        "max_hashtags": 2,
        "title_max_chars": None,
    }
    assert len(body["suggestions"]) == 3
    for suggestion in body["suggestions"]:
        assert set(suggestion) == {
            "caption",
            "cta",
            "hashtags",
            "title",
            "text",
            "length",
            "provider",
            "model",
            "adjustments",
            "fallback",
        }
        assert "beach photoshoot" in suggestion["caption"] and suggestion["length"] <= 280
        assert suggestion["text"].startswith(suggestion["caption"]) and suggestion["cta"] in suggestion["text"]
        assert 1 <= len(suggestion["hashtags"]) <= 2 and suggestion["title"] is None
        assert (suggestion["provider"], suggestion["fallback"]) == ("offline", None)


async def test_reddit_answers_a_title_and_no_hashtags(client: typing.Any) -> None:
    http, _, _ = client
    body = (await http.post("/v1/ai/captions", json={"network": "reddit", "brief": BRIEF})).json()
    assert body["limits"]["title_max_chars"] == 300
    assert all(s["title"] and s["hashtags"] == [] and "#" not in s["text"] for s in body["suggestions"])


async def test_without_a_tone_the_personas_is_used(client: typing.Any) -> None:
    http, repo, _ = client
    repo.personas[CREATOR] = Persona(tone=Tone.FLIRTY, emoji_use=EmojiUse.NONE)
    body = (await http.post("/v1/ai/captions", json={"network": "instagram", "brief": BRIEF})).json()
    assert body["tone"] == "flirty"
    flirty = (
        await http.post("/v1/ai/captions", json={"network": "instagram", "brief": BRIEF, "tone": "flirty"})
    ).json()
    assert body["suggestions"] == flirty["suggestions"]
    assert not any("😘" in s["text"] or "🔥" in s["text"] for s in body["suggestions"])  # emoji_use none


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"network": "myspace", "brief": BRIEF}, "network"),
        ({"network": "x"}, "brief"),
        ({"network": "x", "brief": ""}, "brief"),
        ({"network": "x", "brief": "   "}, "brief"),
        ({"network": "x", "brief": "b" * 1001}, "brief"),
        ({"network": "x", "brief": "new\x00set"}, "brief"),
        ({"network": "x", "brief": BRIEF, "media_description": "m\x00"}, "media_description"),
        ({"network": "x", "brief": BRIEF, "media_description": "m" * 1001}, "media_description"),
        ({"network": "x", "brief": BRIEF, "tone": "angry"}, "tone"),
        ({"network": "x", "brief": BRIEF, "subreddit": "pics"}, "subreddit"),
    ],
)
async def test_bad_input_is_refused(client: typing.Any, body: dict[str, typing.Any], field: str) -> None:
    http, _, _ = client
    answer = await http.post("/v1/ai/captions", json=body)
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["detail"]


async def test_a_brief_of_1000_characters_is_taken(client: typing.Any) -> None:
    http, _, _ = client
    brief = "beach " * 166 + "suns"
    assert len(brief) == 1000
    answer = await http.post("/v1/ai/captions", json={"network": "tiktok", "brief": brief})
    assert answer.status_code == 200, answer.text


async def test_a_failed_model_without_fallback_answers_503(client: typing.Any) -> None:
    http, _, wired = client
    wired["captioner"] = Captioner(Broken(), OfflineProvider())
    answer = await http.post("/v1/ai/captions", json={"network": "x", "brief": BRIEF})
    assert answer.status_code == 503 and answer.json()["code"] == "model_unavailable"


class DraftsOnly:
    """A drafting provider that writes no captions (as some tests' providers)."""

    name = "drafts-only"

    async def draft(self, request: DraftRequest) -> Draft:
        return Draft("hi", self.name, None)


class Both(DraftsOnly):
    name = "both"

    async def captions(self, request: typing.Any) -> Captions:
        return Captions((Suggestion("Beach day", "Link in bio"),), self.name)


@pytest.mark.parametrize(
    ("provider", "writer"), [(DraftsOnly(), OfflineProvider), (Both(), Both), (None, OfflineProvider)]
)
async def test_the_service_gives_the_route_its_providers_captions(provider: typing.Any, writer: type) -> None:
    service = build(AiSettings(), provider=provider)
    runtime = SimpleNamespace(state={})
    for hook in service.on_startup:
        await hook(runtime)  # type: ignore[arg-type]
    captioner = runtime.state[api.CAPTIONER]
    assert isinstance(captioner, Captioner) and isinstance(captioner.writer, writer)
    assert isinstance(captioner.offline, OfflineProvider)
    routes = {(route.path, tuple(route.methods)) for route in api.router.routes}  # type: ignore[attr-defined]
    assert ("/v1/ai/captions", ("POST",)) in routes


def test_networks_are_the_marketing_ones() -> None:
    assert [n.value for n in Network] == ["instagram", "tiktok", "x", "reddit"]
