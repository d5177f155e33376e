"""Links, clicks, conversions and what they earned, on a fake unit of work: a click is recorded with
its event; a subscriber is attributed once, to the first link; every later transaction of that fan
counts (refunds subtract), whichever topic arrived first; ROI is exact; another creator's ids are
not found."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

import marketing.handlers as handlers
from huntaze_events import (
    ConversionTracked,
    FanRef,
    LinkClicked,
    SubscriptionStarted,
    SubscriptionVia,
    TransactionRecorded,
)
from huntaze_testkit.fakes import Clock, FakeUnitOfWork
from huntaze_testkit.lab import make_envelope
from marketing import tracking
from marketing.campaigns import roi
from marketing.credentials import Vault
from marketing.domain import Conflict, Content, Refused
from marketing.networks import Network

from .fakes import FakeMarketingRepository

CREATOR, OTHER = uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
OF_LINK = "https://onlyfans.com/mia/c12"
PHONE = {"user-agent": "Mozilla/5.0 (iPhone) Instagram 305.0", "referer": "https://l.instagram.com/"}


@pytest.fixture
def repo() -> FakeMarketingRepository:
    return FakeMarketingRepository()


def uow(repo: FakeMarketingRepository) -> FakeUnitOfWork[FakeMarketingRepository]:
    return FakeUnitOfWork(repo, producer="marketing", clock=Clock(NOW))


def subscribed(
    fan: uuid.UUID, via: str | None, at: datetime = NOW, creator: uuid.UUID = CREATOR, trial: str | None = None
):
    payload = SubscriptionStarted(
        fan_id=fan,
        fan=FanRef(fan_id=fan, external_id=f"of-{fan.hex[:8]}", display_name="Fan"),
        started_at=at,
        expires_at=at + timedelta(days=30),
        auto_renew=True,
        price_cents=999,
        currency="USD",
        first_time=True,
        via=SubscriptionVia(tracking_link=via, trial=trial) if via or trial else None,
    )
    return make_envelope(payload, producer="fans", creator_id=creator)


def sale(fan: uuid.UUID, gross: int, at: datetime, kind: str = "tip", currency: str = "USD"):
    fee = gross // 5
    payload = TransactionRecorded(
        transaction_id=uuid.uuid4(),
        fan_id=fan,
        fan=FanRef(fan_id=fan, external_id=f"of-{fan.hex[:8]}", display_name="Fan"),
        type=kind,  # type: ignore[arg-type]
        gross_cents=gross,
        fee_cents=fee,
        net_cents=gross - fee,
        currency=currency,
        occurred_at=at,
        source="connector",
    )
    return make_envelope(payload, producer="fans", creator_id=CREATOR)


async def test_a_click_is_recorded_with_its_event_and_leads_to_the_target(repo: FakeMarketingRepository) -> None:
    link = await tracking.add_link(uow(repo), CREATOR, OF_LINK, "IG bio", None, None, None, "instagram")
    work = uow(repo)
    assert await tracking.click(work, link.code, PHONE, "") == OF_LINK
    [event] = work.events
    assert isinstance(event.payload, LinkClicked) and event.creator_id == CREATOR
    p = event.payload
    assert (p.link_id, p.network, p.referrer_network, p.bot) == (link.id, "instagram", "instagram", False)
    assert len(repo.clicks) == 1
    assert await tracking.click(uow(repo), "zzzzzzzz", PHONE, "") is None
    assert len(repo.clicks) == 1


async def test_links_refuse_bad_targets_unknown_ids_and_a_second_link_for_one_onlyfans_link(
    repo: FakeMarketingRepository,
) -> None:
    with pytest.raises(Refused):
        await tracking.add_link(uow(repo), CREATOR, "https://evil.example/", "x", None, None, None)
    await tracking.set_link_domains(uow(repo), CREATOR, ["Mia.Link"])
    assert (await tracking.add_link(uow(repo), CREATOR, "https://mia.link/", "site", None, None, None)).target_url
    with pytest.raises(handlers.NotFound):
        await tracking.add_link(uow(repo), CREATOR, OF_LINK, "x", None, uuid.uuid4(), None)
    with pytest.raises(handlers.NotFound):
        await tracking.add_link(uow(repo), CREATOR, OF_LINK, "x", None, None, uuid.uuid4())
    await tracking.add_link(uow(repo), CREATOR, OF_LINK, "IG bio", None, None, None)
    with pytest.raises(Conflict) as taken:
        await tracking.add_link(uow(repo), CREATOR, "https://onlyfans.com/MIA/c12/", "again", None, None, None)
    assert taken.value.code == "onlyfans_link_taken"
    other = await tracking.add_link(uow(repo), OTHER, OF_LINK, "theirs", None, None, None)  # another creator: fine
    with pytest.raises(handlers.NotFound):
        await tracking.link(uow(repo), CREATOR, other.id)


async def test_subscribers_convert_once_to_the_first_link_and_their_later_sales_count(
    repo: FakeMarketingRepository,
) -> None:
    vault = Vault(__import__("cryptography.fernet").fernet.Fernet.generate_key().decode())
    account = await handlers.add_account(uow(repo), vault, CREATOR, Network.X, "mia", {"access_token": "t"})
    campaign = await tracking.add_campaign(uow(repo), CREATOR, "November", 10_000, "USD", NOW, NOW + timedelta(days=30))
    post = await handlers.schedule_post(
        uow(repo), CREATOR, account.id, Content("new set"), NOW + timedelta(hours=1), campaign.id
    )
    link = await tracking.add_link(uow(repo), CREATOR, OF_LINK, "post CTA", None, None, post.id)
    second = await tracking.add_link(uow(repo), CREATOR, "https://onlyfans.com/mia/c13", "bio", None, None, None)
    ava, bea, cid = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    # a sale before the conversion is applied (the topics are independent) still counts; one before the
    # subscription started does not
    await tracking.record_sales(
        uow(repo), [sale(ava, 1_000, NOW - timedelta(days=1)), sale(ava, 999, NOW, "subscription")]
    )
    work = uow(repo)
    await tracking.attribute_subscribers(
        work, [subscribed(ava, "onlyfans.com/mia/c12/"), subscribed(bea, OF_LINK), subscribed(cid, None)]
    )
    await work.commit()  # the consumer commits the batch
    kinds = [e.payload for e in work.events]
    assert all(isinstance(k, ConversionTracked) for k in kinds) and {k.fan_id for k in kinds} == {ava, bea}
    assert {(k.post_id, k.campaign_id, k.network) for k in kinds} == {(post.id, campaign.id, "x")}
    again = uow(repo)  # a redelivery, and Ava coming back through another link: nobody converts twice
    await tracking.attribute_subscribers(
        again, [subscribed(ava, OF_LINK), subscribed(ava, "https://onlyfans.com/mia/c13")]
    )
    await again.commit()  # the consumer commits the batch
    assert again.events == []

    tip, refund = sale(bea, 2_500, NOW + timedelta(days=2)), sale(bea, -2_500, NOW + timedelta(days=3), "refund")
    await tracking.record_sales(
        uow(repo), [tip, refund, tip, sale(ava, 4_000, NOW + timedelta(days=1), currency="EUR")]
    )
    for _ in range(10):
        await tracking.click(uow(repo), link.code, PHONE, "")
    await tracking.click(uow(repo), link.code, {"user-agent": "facebookexternalhit/1.1"}, "")

    found, results = await tracking.link(uow(repo), CREATOR, link.id)
    assert (results.clicks, results.bot_clicks, results.subscribers, results.conversion_rate) == (10, 1, 2, 0.2)
    usd = next(m for m in results.revenue if m.currency == "USD")
    assert (usd.gross_cents, usd.net_cents) == (999 + 2_500 - 2_500, 999 - 199 + 2_000 - 2_000)
    assert [m.currency for m in results.revenue] == ["EUR", "USD"]

    per_link, total = await tracking.post_results(uow(repo), CREATOR, post.id)
    assert [r.link_id for r in per_link] == [link.id] and total == results
    found_campaign, campaign_results = await tracking.campaign(uow(repo), CREATOR, campaign.id)
    assert campaign_results == results
    assert roi(found_campaign, campaign_results) == Decimal("0.0800")  # 800 net USD ÷ 10,000 cost
    _, nothing = await tracking.link(uow(repo), CREATOR, second.id)
    assert (nothing.subscribers, nothing.revenue, nothing.conversion_rate) == (0, (), None)
    with pytest.raises(handlers.NotFound):
        await tracking.campaign(uow(repo), OTHER, campaign.id)
    with pytest.raises(handlers.NotFound):
        await tracking.post_results(uow(repo), OTHER, post.id)
    dan, eve = uuid.uuid4(), uuid.uuid4()  # a trial link of ours beside a tracking link we do not track
    trial = uow(repo)
    await tracking.attribute_subscribers(
        trial, [subscribed(dan, "onlyfans.com/mia/untracked", trial=OF_LINK), subscribed(eve, None, trial=OF_LINK)]
    )
    await trial.commit()  # the consumer commits the batch
    assert [(e.payload.fan_id, e.payload.onlyfans_link) for e in trial.events] == [(dan, OF_LINK), (eve, OF_LINK)]


async def test_campaigns_check_their_span_and_a_free_one_has_no_roi(repo: FakeMarketingRepository) -> None:
    with pytest.raises(Refused):
        await tracking.add_campaign(uow(repo), CREATOR, "x", 100, "USD", NOW, NOW)
    with pytest.raises(Refused):
        await tracking.add_campaign(uow(repo), CREATOR, "  ", 100, "USD", NOW, NOW + timedelta(days=1))
    free = await tracking.add_campaign(uow(repo), CREATOR, "free", 0, "USD", NOW, NOW + timedelta(days=1))
    _, results = await tracking.campaign(uow(repo), CREATOR, free.id)
    assert roi(free, results) is None
