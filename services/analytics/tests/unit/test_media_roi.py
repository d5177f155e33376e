"""The media ROI computation, pure: exact cents, the bundle split rule, refunds subtracting, the
breakdowns by segment and by price point, currencies kept apart, the order and the pages."""

from __future__ import annotations

import uuid

import pytest

from analytics.media_roi import MediaInfo, OfferGroup, media_report, per_offer, split

A, B, C = (uuid.UUID(int=i) for i in (1, 2, 3))


def test_split_is_exact_and_gives_the_remainder_to_the_first() -> None:
    assert split(1000, 3) == [334, 333, 333]
    assert split(1001, 2) == [501, 500]
    assert split(-1000, 3) == [-334, -333, -333]
    assert split(0, 4) == [0, 0, 0, 0]
    assert split(7, 1) == [7]
    for amount in (-9999, -1, 0, 1, 2, 99, 100, 12345):
        for parts in range(1, 8):
            shares = split(amount, parts)
            assert sum(shares) == amount and max(shares) - min(shares) <= abs(amount) % parts + (amount != 0)
    with pytest.raises(ValueError):
        split(100, 0)


def test_per_offer_rounds_half_away_from_zero() -> None:
    assert per_offer(1000, 3) == 333
    assert per_offer(1001, 2) == 501
    assert per_offer(-1001, 2) == -501
    assert per_offer(5, 0) is None


def test_an_item_sold_alone_and_refunded_to_the_cent() -> None:
    groups = [
        OfferGroup((A,), "USD", 1500, ("whales",), True, 1500, 1200, count=2),
        OfferGroup((A,), "USD", 1500, ("whales",), True, 1000, 800),  # unlocked, then $5 refunded
        OfferGroup((A,), "USD", 1500, ("never_spent",), False, 0, 0, count=3),
    ]
    report = media_report(groups, {A: MediaInfo("photo", "Beach", ("summer",), False)}, {"whales": "Whales"})
    [row] = report.items
    f = row.figures
    assert (f.offers, f.unlocks, f.unlock_rate, f.gross_cents, f.net_cents) == (6, 3, 0.5, 4000, 3200)
    assert (f.gross_per_offer_cents, f.net_per_offer_cents) == (667, 533)
    assert row.info is not None and row.info.title == "Beach" and row.bundle_offers == 0
    segments = {s.segment: (s.name, s.figures.offers, s.figures.unlocks, s.figures.gross_cents) for s in row.by_segment}
    assert segments == {"whales": ("Whales", 3, 3, 4000), "never_spent": (None, 3, 0, 0)}
    assert [s.segment for s in row.by_segment] == ["whales", "never_spent"], "the segment that pays most first"
    [price] = row.by_price
    assert (price.price_cents, price.bundle_of, price.figures.offers, price.figures.net_cents) == (1500, 1, 6, 3200)
    usd = report.totals["USD"]
    assert (usd.offers, usd.unlocks, usd.gross_cents, usd.net_cents) == (6, 3, 4000, 3200)


def test_a_bundle_splits_equally_with_the_remainder_cent_to_its_first_id_and_sums_stay_exact() -> None:
    groups = [
        OfferGroup((B, A, C), "USD", 1000, (), True, 1000, 801, count=7),
        OfferGroup((A,), "USD", 500, (), True, 500, 400),
        OfferGroup((C, B), "USD", 999, (), True, 999, -1),  # a chargeback fee left net negative
    ]
    report = media_report(groups, {}, {})
    by_id = {r.media_id: r for r in report.items}
    assert (by_id[B].figures.gross_cents, by_id[B].figures.net_cents) == (7 * 334 + 499, 7 * 267 + 0)
    assert (by_id[A].figures.gross_cents, by_id[A].figures.net_cents) == (7 * 333 + 500, 7 * 267 + 400)
    assert (by_id[C].figures.gross_cents, by_id[C].figures.net_cents) == (7 * 333 + 500, 7 * 267 - 1)
    total = report.totals["USD"]
    assert sum(r.figures.gross_cents for r in report.items) == total.gross_cents == 7 * 1000 + 500 + 999
    assert sum(r.figures.net_cents for r in report.items) == total.net_cents == 7 * 801 + 400 - 1
    assert total.offers == 9 and by_id[A].figures.offers == 8 and by_id[A].bundle_offers == 7
    prices = {(p.price_cents, p.bundle_of): p.figures.offers for p in by_id[A].by_price}
    assert prices == {(500, 1): 1, (1000, 3): 7} and [p.price_cents for p in by_id[A].by_price] == [500, 1000]
    assert all(r.info is None and [s.segment for s in r.by_segment] == [None] for r in report.items)


def test_two_price_points_and_overlapping_segments() -> None:
    groups = [
        OfferGroup((A,), "USD", 1000, ("expiring", "whales"), True, 1000, 800),
        OfferGroup((A,), "USD", 1000, ("whales",), False, 0, 0),
        OfferGroup((A,), "USD", 2500, ("new",), True, 2500, 2000),
        OfferGroup((A,), "USD", 2500, ("new",), False, 0, 0, count=3),
    ]
    [row] = media_report(groups, {}, {}).items
    prices = [(p.price_cents, p.figures.offers, p.figures.unlocks, p.figures.unlock_rate, p.figures.net_per_offer_cents)
              for p in row.by_price]  # fmt: skip
    assert prices == [(1000, 2, 1, 0.5, 400), (2500, 4, 1, 0.25, 500)]
    segments = {s.segment: (s.figures.offers, s.figures.unlocks, s.figures.net_cents) for s in row.by_segment}
    assert segments == {"new": (4, 1, 2000), "whales": (2, 1, 800), "expiring": (1, 1, 800)}
    assert sum(s[2] for s in segments.values()) > row.figures.net_cents, "segments overlap"


def test_currencies_are_never_added_and_items_come_by_net_revenue_in_pages() -> None:
    groups = [
        OfferGroup((A,), "USD", 1000, (), True, 1000, 800),
        OfferGroup((A,), "EUR", 1000, (), True, 1000, 900),
        OfferGroup((B,), "USD", 3000, (), True, 3000, 2400),
        OfferGroup((C,), "USD", 1000, (), False, 0, 0, count=5),
    ]
    report = media_report(groups, {}, {})
    order = [(r.media_id, r.currency, r.figures.net_cents) for r in report.items]
    assert order == [(B, "USD", 2400), (A, "EUR", 900), (A, "USD", 800), (C, "USD", 0)]
    assert {c: t.net_cents for c, t in report.totals.items()} == {"EUR": 900, "USD": 3200}
    first = media_report(groups, {}, {}, limit=2)
    assert [r.media_id for r in first.items] == [B, A] and first.next_after is not None
    second = media_report(groups, {}, {}, after=first.next_after, limit=2)
    assert [(r.media_id, r.currency) for r in second.items] == [(A, "USD"), (C, "USD")]
    assert second.next_after is None and second.totals == first.totals


def test_nothing_offered_is_an_empty_report() -> None:
    report = media_report([], {}, {})
    assert report.items == [] and report.totals == {} and report.next_after is None
