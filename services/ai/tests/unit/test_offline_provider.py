"""The offline provider writes short, on-topic, persona-aware drafts without any network."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ai.adapters.offline import OfflineProvider
from ai.domain import (
    DraftingProvider,
    DraftRequest,
    EmojiUse,
    HistoryLine,
    Persona,
    Speaker,
    Tone,
)

EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2764]")
PRICE = re.compile(r"[$€£]\s*\d|\d+(?:[.,]\d+)?\s*(?:\$|€|£|dollars?|bucks|usd|eur)", re.I)
PET_NAMES = re.compile(r"\b(?:babe|baby|hun|honey|love|cutie|sweetie|darling|gorgeous)\b", re.I)
GREETING_START = re.compile(r"^\W*(?:hi|hey+|hello|well hello|heyyy|ooh hi|well well)\b", re.I)
MESSAGE_IDS = [uuid.UUID(int=n * 104_729 + 17) for n in range(8)]

SAMPLES = {
    "greeting": "hey how are you?",
    "compliment": "you're so gorgeous",
    "customs": "how much for a custom video?",
    "price": "how much is your ppv?",
    "content": "can you send me more pics?",
    "activity": "wyd today?",
    "meetup": "can we meet up sometime?",
    "off_platform": "whats your snapchat",
    "thanks": "just tipped you!",
    "complaint": "I never got the video I paid for, I want a refund",
    "sad": "feeling really lonely tonight",
    "goodnight": "going to bed, good night",
    "goodbye": "gotta go, ttyl",
    "question": "Do you like hiking in the mountains?",
    "fallback": "I went to the gym today",
}


def request(
    message: str,
    *,
    persona: Persona | None = None,
    history: tuple[HistoryLine, ...] = (),
    message_id: uuid.UUID | None = None,
    fan_name: str = "jake_88",
) -> DraftRequest:
    return DraftRequest(
        creator_id=uuid.UUID(int=1),
        conversation_id=uuid.UUID(int=2),
        message_id=message_id or uuid.uuid5(uuid.NAMESPACE_URL, message),
        fan_name=fan_name,
        message=message,
        history=history,
        persona=persona or Persona(),
    )


async def text_of(req: DraftRequest) -> str:
    return (await OfflineProvider().draft(req)).text


def lines(*pairs: tuple[Speaker, str]) -> tuple[HistoryLine, ...]:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return tuple(HistoryLine(speaker=s, text=t, at=start + timedelta(minutes=i)) for i, (s, t) in enumerate(pairs))


def sentences(text: str) -> list[str]:
    body = EMOJI.sub("", text).strip()
    return [s for s in re.split(r"(?<=[.!?])\s+", body) if s.strip()]


async def test_draft_is_from_the_offline_provider() -> None:
    provider: DraftingProvider = OfflineProvider()
    draft = await provider.draft(request("hi"))
    assert provider.name == "offline"
    assert draft.provider == "offline"
    assert draft.model is None
    assert draft.text


@pytest.mark.parametrize("message", SAMPLES.values())
async def test_fan_is_addressed_by_first_name(message: str) -> None:
    for message_id in MESSAGE_IDS:
        assert "Jake" in await text_of(request(message, message_id=message_id))


@pytest.mark.parametrize(
    ("intent", "expected"),
    [
        ("greeting", ("doing", "good", "well")),
        ("compliment", ("thank", "sweet", "blush", "kind", "made my day")),
        ("customs", ("custom",)),
        ("price", ("price", "pricing", "offer")),
        ("content", ("pics", "see more", "something new")),
        ("activity", ("up to", "day", "about you")),
        ("meetup", ("here",)),
        ("off_platform", ("here", "platform", "app")),
        ("thanks", ("thank",)),
        ("complaint", ("look into", "check")),
        ("sad", ("here", "hug", "listen")),
        ("goodnight", ("night", "dream", "sleep")),
        ("goodbye", ("talk soon", "bye", "later", "rest of your day")),
        ("question", ("hiking", "mountains")),
        ("fallback", ("gym",)),
    ],
)
async def test_each_intent_gets_an_answer_about_it(intent: str, expected: tuple[str, ...]) -> None:
    for tone in Tone:
        for message_id in MESSAGE_IDS:
            req = request(SAMPLES[intent], persona=Persona(tone=tone), message_id=message_id)
            text = (await text_of(req)).lower()
            assert any(word in text for word in expected), (tone, text)


async def test_different_intents_get_different_answers() -> None:
    message_id = MESSAGE_IDS[0]
    texts = {await text_of(request(m, message_id=message_id)) for m in SAMPLES.values()}
    assert len(texts) == len(SAMPLES)


async def test_customs_answer_promises_a_price_but_never_states_one() -> None:
    for message_id in MESSAGE_IDS:
        text = await text_of(request("Hey! how much would a custom cost?", message_id=message_id))
        assert "custom" in text.lower()
        assert re.search(r"\b(?:price|offer)\b", text.lower())
        assert not re.search(r"\d", text)


async def test_greeting_is_acknowledged_when_answering_something_else() -> None:
    for message_id in MESSAGE_IDS:
        req = request("hey! how are you? do you do customs?", message_id=message_id)
        text = await text_of(req)
        assert "custom" in text.lower()
        assert GREETING_START.match(text)
        assert re.search(r"\b(?:great|good|well)\b", text.lower()), text


async def test_meetup_is_declined_when_it_is_a_boundary() -> None:
    for tone in Tone:
        persona = Persona(tone=tone, boundaries=("no meetups",))
        for message_id in MESSAGE_IDS:
            message = "wanna meet irl? I'll take you to dinner"
            req = request(message, persona=persona, message_id=message_id)
            text = (await text_of(req)).lower()
            assert not re.search(r"\b(?:yes|sure|okay|ok|deal)\b", text), text
            assert "here" in text
            assert re.search(r"don't|isn't|not", text)


async def test_other_platforms_are_declined() -> None:
    for message_id in MESSAGE_IDS:
        req = request("can I get your number or insta?", message_id=message_id)
        text = (await text_of(req)).lower()
        assert not re.search(r"\b(?:yes|sure)\b", text)
        assert re.search(r"\bhere\b|this app|this platform", text)


async def test_boundary_words_decline_only_that_request() -> None:
    persona = Persona(boundaries=("no face pics",))
    for message_id in MESSAGE_IDS:
        declined = await text_of(request("can you send me a pic of your face?", persona=persona, message_id=message_id))
        assert re.search(r"don't|pass on|a line i keep|outside of", declined.lower()), declined
        req = request("send me more pics", persona=persona, message_id=message_id)
        allowed = await text_of(req)
        assert "pics" in allowed.lower()
        assert not re.search(r"don't do|pass on|a line i keep", allowed.lower()), allowed


async def test_complaint_is_acknowledged_without_promising_money() -> None:
    for tone in Tone:
        for message_id in MESSAGE_IDS:
            req = request(
                "this is a scam, the video won't load and I want my money back",
                persona=Persona(tone=tone),
                message_id=message_id,
            )
            text = (await text_of(req)).lower()
            assert "sorry" in text or "thank" in text
            assert "look into" in text or "check" in text
            assert "refund" not in text and "money" not in text


async def test_no_emoji_when_emoji_use_is_none() -> None:
    for tone in Tone:
        persona = Persona(tone=tone, emoji_use=EmojiUse.NONE)
        for message in SAMPLES.values():
            assert not EMOJI.search(await text_of(request(message, persona=persona)))


async def test_light_emoji_use_adds_at_most_one() -> None:
    persona = Persona(emoji_use=EmojiUse.LIGHT)
    for message in SAMPLES.values():
        assert len(EMOJI.findall(await text_of(request(message, persona=persona)))) <= 1


async def test_heavy_emoji_use_adds_two_or_three() -> None:
    for tone in Tone:
        persona = Persona(tone=tone, emoji_use=EmojiUse.HEAVY)
        for message in SAMPLES.values():
            count = len(EMOJI.findall(await text_of(request(message, persona=persona))))
            assert 2 <= count <= 3


async def test_professional_tone_has_no_pet_names_or_flirting() -> None:
    persona = Persona(tone=Tone.PROFESSIONAL)
    for message in SAMPLES.values():
        for message_id in MESSAGE_IDS:
            text = await text_of(request(message, persona=persona, message_id=message_id))
            assert not PET_NAMES.search(text), text
            assert not re.search(r"\b(?:mmm|blush|dream of me|spoil)\b", text.lower()), text


async def test_flirty_tone_reads_differently_from_professional() -> None:
    message, ids = "you look amazing", MESSAGE_IDS
    flirty, professional = Persona(tone=Tone.FLIRTY), Persona(tone=Tone.PROFESSIONAL)
    flirty_texts = {await text_of(request(message, persona=flirty, message_id=i)) for i in ids}
    pro_texts = {await text_of(request(message, persona=professional, message_id=i)) for i in ids}
    assert flirty_texts.isdisjoint(pro_texts)
    assert any(PET_NAMES.search(t) or "blush" in t for t in flirty_texts)


async def test_signature_is_appended_on_its_own_line() -> None:
    persona = Persona(signature="xx Mia", emoji_use=EmojiUse.HEAVY)
    for message in SAMPLES.values():
        text = await text_of(request(message, persona=persona))
        assert text.endswith("\nxx Mia")


async def test_same_request_gives_the_same_text() -> None:
    for message in SAMPLES.values():
        req = request(message, persona=Persona(emoji_use=EmojiUse.HEAVY))
        assert await text_of(req) == await text_of(req)
        assert await OfflineProvider().draft(req) == await OfflineProvider().draft(req)


async def test_wording_varies_with_the_message_id() -> None:
    ids = [uuid.UUID(int=n * 7_919 + 1) for n in range(20)]
    for message in ("how much for a custom?", "you're so gorgeous", "good night"):
        texts = {await text_of(request(message, message_id=i)) for i in ids}
        assert len(texts) >= 3, texts


async def test_replies_are_short_and_never_quote_a_price() -> None:
    long_question = "What do you think about " + "really long winding stories " * 60 + "?"
    messages = [*SAMPLES.values(), long_question, "how much is it? $20? 15 dollars?"]
    for tone in Tone:
        for emoji_use in EmojiUse:
            persona = Persona(tone=tone, emoji_use=emoji_use, signature="xx Mia")
            for message in messages:
                text = await text_of(request(message, persona=persona))
                assert len(text) < 400
                assert len(sentences(text.rsplit("\n", 1)[0])) <= 3, text
                assert not PRICE.search(text)
                assert not re.search(r"\d", text)
                assert not re.search(r"\b(?:ai|bot|language model|assistant)\b", text.lower())
                assert "*" not in text and "#" not in text


async def test_long_signature_keeps_the_reply_under_the_limit() -> None:
    text = await text_of(request("hi", persona=Persona(signature="x" * 500)))
    assert len(text) <= 400


async def test_no_second_greeting_when_the_creator_just_greeted() -> None:
    history = lines(
        (Speaker.FAN, "hey there"),
        (Speaker.CREATOR, "Hey Jake! How's your day going?"),
    )
    for message_id in MESSAGE_IDS:
        message = "pretty good! do you do customs?"
        text = await text_of(request(message, history=history, message_id=message_id))
        assert not GREETING_START.match(text), text
        assert text.startswith("Jake, ")
        assert "custom" in text.lower()
        fresh = await text_of(request(message, message_id=message_id))
        assert GREETING_START.match(fresh), fresh


async def test_old_greeting_does_not_count_as_recent() -> None:
    history = lines(
        (Speaker.CREATOR, "Hi Jake!"),
        *[(Speaker.FAN, "lol"), (Speaker.CREATOR, "haha")] * 3,
    )
    assert GREETING_START.match(await text_of(request("you're so cute", history=history)))


async def test_reply_does_not_repeat_the_creators_last_opening() -> None:
    base = ((Speaker.CREATOR, "Hey Jake!"), (Speaker.FAN, "so what's new"))
    for message_id in MESSAGE_IDS:
        message = "good night"
        first = await text_of(request(message, history=lines(*base), message_id=message_id))
        opening = sentences(first)[0]
        history = lines(*base, (Speaker.CREATOR, opening), (Speaker.FAN, "ok"))
        again = await text_of(request(message, history=history, message_id=message_id))
        assert sentences(again)[0] != opening, (first, again)


async def test_topic_raised_before_is_referenced() -> None:
    history = lines(
        (Speaker.FAN, "do you do custom videos?"),
        (Speaker.CREATOR, "Let me check my schedule!"),
    )
    text = await text_of(request("so how much for the custom?", history=history))
    assert text.startswith("Still thinking about that custom, Jake?")


async def test_other_languages_are_answered_in_english() -> None:
    for message in SAMPLES.values():
        english = await text_of(request(message))
        french = await text_of(request(message, persona=Persona(language="fr")))
        assert french == english


async def test_generic_question_echoes_its_key_words() -> None:
    text = await text_of(request("What's your favorite movie?"))
    assert "favorite movie" in text.lower()
    assert "my favorite movie" in text.lower()  # "your" flipped to the creator's point of view


async def test_display_names_are_reduced_to_a_first_name() -> None:
    text = await text_of(request("hi", fan_name="mary.ann_smith"))
    assert "Mary" in text and "Ann" not in text and "smith" not in text.lower()
