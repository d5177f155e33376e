"""What a click tells: network from utm_source or the referrer, country from a CDN header, robots."""

from __future__ import annotations

import pytest

from marketing.clicks import country_of, facts, is_bot, network_of

IPHONE_IG = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 Instagram 305.0.0.0"
)


@pytest.mark.parametrize(
    ("referrer", "utm", "network"),
    [
        ("https://l.instagram.com/?u=x", "", "instagram"),
        ("https://www.tiktok.com/@mia", "", "tiktok"),
        ("https://t.co/abc", "", "x"),
        ("https://out.reddit.com/t3_x", "", "reddit"),
        ("https://example.com/", "", None),
        ("", "", None),
        ("https://t.co/abc", "reddit", "reddit"),
        ("", "IG", "instagram"),
        ("https://nottiktok.com/", "", None),
    ],
)
def test_network(referrer: str, utm: str, network: str | None) -> None:
    assert network_of(referrer, utm)[0] == network


def test_country_from_the_first_cdn_header_that_names_one() -> None:
    assert country_of({"cf-ipcountry": "fr"}) == "FR"
    assert country_of({"cf-ipcountry": "XX", "x-country-code": "DE"}) == "DE"
    assert country_of({"cf-ipcountry": "T1"}) is None
    assert country_of({"x-country-code": "France"}) is None
    assert country_of({}) is None


def test_robots_by_user_agent() -> None:
    assert not is_bot(IPHONE_IG)
    for agent in ("", "   ", "facebookexternalhit/1.1", "Twitterbot/1.0", "curl/8.4.0", "python-requests/2.31"):
        assert is_bot(agent), agent


def test_facts_of_a_visit() -> None:
    f = facts({"user-agent": IPHONE_IG, "referer": "https://l.instagram.com/", "cf-ipcountry": "US"})
    assert (f.network, f.country, f.bot, f.referrer_host) == ("instagram", "US", False, "l.instagram.com")
