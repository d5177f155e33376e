"""Drafts that know the fan, on fakes: the ai service's own read model of spend, segments and the
subscription (from the fans service's events) fixes the fan's standing in the draft request; the
offline provider thanks a whale, welcomes a new fan, tells an expiring one, misses a lapsed one; the
LLM prompt says the same; an older subscription report never overwrites a newer one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ai.adapters.llm import system_prompt
from ai.adapters.offline import OfflineProvider
from ai.consumers import subscriptions
from ai.domain import DraftRequest
from ai.fan_facts import FanFacts, Standing, ends_in_words
from huntaze_events import (
    FanRef,
    FanSegmentChanged,
    MessageReceived,
    SubscriptionExpired,
    SubscriptionStarted,
    TransactionRecorded,
)
from huntaze_testkit.fakes import Clock, FakeWorker, envelope

from .fakes import FakeAiRepository

CREATOR = uuid.uuid4()
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def fan(fan_id: uuid.UUID) -> FanRef:
    return FanRef(fan_id=fan_id, external_id=f"of_{fan_id.hex[:6]}", display_name="jake_88")


def worker() -> FakeWorker[FakeAiRepository]:
    return FakeWorker(
        FakeAiRepository(), producer="ai", subscriptions=subscriptions(OfflineProvider()), clock=Clock(NOW)
    )


async def draft_for(w: FakeWorker[FakeAiRepository], fan_id: uuid.UUID, text: str = "hey, how are you?") -> str:
    msg = MessageReceived(
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        fan=fan(fan_id),
        text=text,
        sent_at=NOW,
        received_at=NOW,
    )
    await w.deliver(envelope(msg, producer="inbox", creator_id=CREATOR))
    await w.run_calls()
    (drafted,) = [e for e in w.emitted("reply.drafted") if e.payload.in_reply_to_message_id == msg.message_id]
    return str(drafted.payload.text)


def started(fan_id: uuid.UUID, expires_in: timedelta, *, auto_renew: bool, at: datetime = NOW) -> object:
    payload = SubscriptionStarted(
        fan_id=fan_id,
        fan=fan(fan_id),
        started_at=at - timedelta(days=20),
        expires_at=NOW + expires_in,
        auto_renew=auto_renew,
        currency="USD",
        first_time=True,
    )
    return envelope(payload, producer="fans", creator_id=CREATOR, occurred_at=at)


def test_the_standing_follows_segments_and_the_subscription() -> None:
    ending = FanFacts(subscription="active", expires_at=NOW + timedelta(hours=20), auto_renew=False)
    assert ending.standing(NOW) == (Standing.EXPIRING,)
    assert FanFacts(subscription="active", expires_at=NOW + timedelta(hours=20), auto_renew=True).standing(NOW) == ()
    assert FanFacts(subscription="active", expires_at=NOW + timedelta(days=3), auto_renew=False).standing(NOW) == ()
    assert FanFacts(segments=("whales", "new")).standing(NOW) == (Standing.WHALE, Standing.NEW)
    assert FanFacts(subscription="expired").standing(NOW) == (Standing.LAPSED,)
    assert [ends_in_words(NOW + timedelta(hours=h), NOW) for h in (5, 20, 40)] == ["today", "tomorrow", "in 2 days"]


async def test_a_whale_an_expiring_fan_and_an_ordinary_one_get_different_drafts() -> None:
    w = worker()
    whale, expiring, ordinary = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    sale = TransactionRecorded(
        transaction_id=uuid.uuid4(),
        fan_id=whale,
        fan=fan(whale),
        type="tip",
        gross_cents=100_000,
        fee_cents=20_000,
        net_cents=80_000,
        currency="USD",
        occurred_at=NOW,
        source="connector",
    )
    await w.deliver(envelope(sale, producer="fans", creator_id=CREATOR))
    segment = FanSegmentChanged(fan_id=whale, segment="whales", change="entered", segment_name="whales", at=NOW)
    await w.deliver(envelope(segment, producer="fans", creator_id=CREATOR))
    await w.deliver(started(expiring, timedelta(hours=20), auto_renew=False))
    assert w.repo.facts[whale].net_cents == 80_000 and w.repo.facts[whale].purchases == 1

    whale_text = await draft_for(w, whale)
    expiring_text = await draft_for(w, expiring)
    ordinary_text = await draft_for(w, ordinary)
    assert "favourites" in whale_text or "love hearing from you" in whale_text, whale_text
    assert "tomorrow" in expiring_text and "sub" in expiring_text, expiring_text
    for marker in ("favourites", "love hearing from you", "sub ", "Welcome", "missed"):
        assert marker not in ordinary_text, ordinary_text


async def test_an_older_subscription_report_does_not_overwrite_a_newer_one() -> None:
    w = worker()
    fan_id = uuid.uuid4()
    await w.deliver(started(fan_id, timedelta(hours=20), auto_renew=False, at=NOW))
    expired = SubscriptionExpired(
        fan_id=fan_id,
        fan=fan(fan_id),
        started_at=NOW - timedelta(days=40),
        expires_at=NOW - timedelta(days=10),
        auto_renew=False,
        expired_at=NOW - timedelta(days=10),
        currency="USD",
    )
    await w.deliver(envelope(expired, producer="fans", creator_id=CREATOR, occurred_at=NOW - timedelta(days=10)))
    assert w.repo.facts[fan_id].subscription == "active"


def test_the_llm_prompt_states_the_standing_and_the_persons_instruction() -> None:
    request = DraftRequest(
        creator_id=CREATOR,
        conversation_id=uuid.uuid4(),
        message_id=uuid.uuid4(),
        fan_name="jake_88",
        message="hey",
        standing=("whale", "expiring"),
        ends="tomorrow",
        instruction="shorter, tease the new set",
    )
    prompt = system_prompt(request)
    assert "most generous supporters" in prompt and "ends tomorrow" in prompt
    assert "shorter, tease the new set" in prompt
