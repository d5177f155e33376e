"""The usage rules, pure: an offer's state from its transactions, offer totals per currency and
price, mass messages (finished or still sending), a fan's flags, the bounded media list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from content import usage
from content.usage import FanOffer, MassMessageFacts, OfferGroup, UsageFacts

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MASS = uuid.uuid4()


def group(mass=None, price=1500, currency="USD", sent=1, bought=0, refunded=0, gross=0, net=0, at=T0) -> OfferGroup:
    return OfferGroup(mass, price, currency, sent, bought, refunded, gross, net, at, at + timedelta(hours=1))


def test_an_offer_is_bought_by_a_sale_and_refunded_only_when_its_money_is_all_back() -> None:
    assert usage.offer_state([]) == (False, False)
    assert usage.offer_state([("message", 1500)]) == (True, False)
    assert usage.offer_state([("message", 1500), ("refund", -500)]) == (True, False)
    assert usage.offer_state([("message", 1500), ("refund", -500), ("chargeback", -1000)]) == (True, True)
    assert usage.offer_state([("refund", -500)]) == (False, False)  # a refund alone unlocks nothing


def test_offer_totals_sum_per_currency_and_price_exactly() -> None:
    stats = usage.offer_stats(
        [
            group(sent=3, bought=1, gross=1000, net=800),
            group(mass=MASS, sent=7, bought=2, refunded=1, gross=1501, net=1201),
            group(price=2000, currency="EUR", sent=2, bought=1, gross=2000, net=1600),
        ]
    )
    assert (stats.sent, stats.bought, stats.refunded, stats.unlock_rate) == (12, 4, 1, 0.3333)
    assert [(m.currency, m.gross_cents, m.net_cents) for m in stats.revenue] == [
        ("EUR", 2000, 1600),
        ("USD", 2501, 2001),
    ]
    assert [(p.price_cents, p.currency, p.sent, p.bought, p.unlock_rate) for p in stats.by_price] == [
        (1500, "USD", 10, 3, 0.3),
        (2000, "EUR", 2, 1, 0.5),
    ]
    assert usage.offer_stats([]).unlock_rate is None


def test_a_history_shows_finished_and_sending_mass_messages_newest_first() -> None:
    sending = uuid.uuid4()
    done = MassMessageFacts(MASS, "done", 10, 9, 1, 0, 0, 1500, "USD", T0, T0 + timedelta(minutes=5))
    facts = UsageFacts(
        offer_groups=[
            group(mass=MASS, sent=9, bought=3, gross=4500, net=3600),
            group(mass=sending, at=T0 + timedelta(days=1)),
        ],
        mass_messages=[done],
        posts=[],
        post_count=0,
        first_used_at=T0,
        last_used_at=T0 + timedelta(days=1),
    )
    media = uuid.uuid4()
    h = usage.history(media, facts)
    assert h.media_id == media and h.mass_message_count == 2
    assert [(m.mass_message_id, m.status) for m in h.mass_messages] == [(sending, "sending"), (MASS, "done")]
    assert h.mass_messages[1].facts == done and h.mass_messages[1].offers.unlock_rate == 0.3333
    assert h.offers.sent == 10 and h.offers.revenue[0].gross_cents == 4500


def test_bought_wins_over_sent_and_media_never_offered_have_no_flag() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    found = usage.flags(
        [FanOffer(a, False), FanOffer(b, True), FanOffer(a, True), FanOffer(b, False), FanOffer(c, False)]
    )
    assert found == {a: "bought", b: "bought", c: "sent"}
    assert usage.flags([]) == {}


def test_a_flags_request_names_one_to_two_hundred_media() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    assert usage.checked_media_ids([a, b, a]) == [a, b]
    with pytest.raises(ValueError, match="at least one"):
        usage.checked_media_ids([])
    assert len(usage.checked_media_ids([uuid.uuid4() for _ in range(200)])) == 200  # a page of the vault
    with pytest.raises(ValueError, match="at most 200"):
        usage.checked_media_ids([uuid.uuid4() for _ in range(201)])


def test_the_vaults_sold_filter_is_an_exists_on_the_sold_view() -> None:
    from content.adapters.usage_sql import sold_condition

    assert sold_condition(True, "m") == (
        "EXISTS (SELECT 1 FROM usage_sold_media s WHERE s.creator_id = m.creator_id AND s.media_id = m.id)"
    )
    assert sold_condition(False, "media").startswith("NOT EXISTS") and "= media.id" in sold_condition(False, "media")
    with pytest.raises(ValueError):
        sold_condition(True, "m; DROP TABLE media")
