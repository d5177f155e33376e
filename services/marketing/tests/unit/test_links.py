"""Tracking-link rules: codes, targets that can never be an open redirect, and the OnlyFans link key."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

from marketing.domain import Refused
from marketing.links import CODE_PATTERN, checked_domain, checked_target, link_key, new_code, new_link

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_codes_are_eight_unambiguous_characters_and_differ() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(re.match(CODE_PATTERN, c) for c in codes)
    assert not any(ch in "".join(codes) for ch in "01ilo")


@pytest.mark.parametrize(
    "url",
    ["https://onlyfans.com/mia/c12", "http://onlyfans.com/mia", "https://www.onlyfans.com/action/trial/abc",
     "https://ONLYFANS.com/mia", "https://onlyfans.com:443/mia"],
)  # fmt: skip
def test_onlyfans_targets_are_always_allowed(url: str) -> None:
    assert checked_target(url) == url


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("javascript:alert(1)", "invalid_target"),
        ("ftp://onlyfans.com/x", "invalid_target"),
        ("//onlyfans.com/x", "invalid_target"),
        ("https://evil.example/onlyfans.com", "target_not_allowed"),
        ("https://onlyfans.com.evil.example/", "target_not_allowed"),
        ("https://notonlyfans.com/", "target_not_allowed"),
        ("https://onlyfans.com@evil.example/", "invalid_target"),
        ("https://user:pw@onlyfans.com/", "invalid_target"),
        ("https://93.184.216.34/", "target_not_allowed"),
        ("https://[::1]/", "target_not_allowed"),
        ("https://onlyfans.com:8443/", "target_not_allowed"),
        ("https://onlyfans.com/a b", "invalid_target"),
        ("https://onlyfans.com/\r\nSet-Cookie: x", "invalid_target"),
        ("https://onlyfans.com/" + "a" * 2100, "invalid_target"),
    ],
)
def test_anything_else_is_refused(url: str, code: str) -> None:
    with pytest.raises(Refused) as refused:
        checked_target(url)
    assert refused.value.code == code


def test_approved_domains_and_their_subdomains_are_allowed() -> None:
    assert checked_target("https://mia.link/", ("mia.link",)) == "https://mia.link/"
    assert checked_target("https://shop.mia.link/x", ("mia.link",)) == "https://shop.mia.link/x"
    with pytest.raises(Refused):
        checked_target("https://evilmia.link/", ("mia.link",))
    assert checked_domain(" Mia.Link. ") == "mia.link"
    for bad in ("mia", "http://mia.link", "mia..link", "-mia.link", "1.2.3.4"):
        with pytest.raises(Refused):
            checked_domain(bad)


def test_the_onlyfans_link_key_ignores_scheme_www_case_query_and_trailing_slash() -> None:
    key = link_key("https://www.OnlyFans.com/mia/c12/?ref=ig#x")
    assert key == "onlyfans.com/mia/c12" == link_key("onlyfans.com/mia/c12") == link_key("http://onlyfans.com/Mia/C12")
    assert link_key("ig-bio-nov") == "ig-bio-nov"


def test_a_link_to_onlyfans_stands_for_itself_unless_told_otherwise() -> None:
    creator = uuid.uuid4()
    link = new_link(creator, "https://onlyfans.com/mia/c12", "IG bio", None, None, None, (), NOW)
    assert link.onlyfans_link == "https://onlyfans.com/mia/c12"
    other = new_link(
        creator, "https://mia.link/", "site", "https://onlyfans.com/mia/c7", None, None, ("mia.link",), NOW
    )
    assert other.onlyfans_link == "https://onlyfans.com/mia/c7"
    plain = new_link(creator, "https://mia.link/", "site", None, None, None, ("mia.link",), NOW)
    assert plain.onlyfans_link is None
    with pytest.raises(Refused):
        new_link(creator, "https://onlyfans.com/mia", "   ", None, None, None, (), NOW)
