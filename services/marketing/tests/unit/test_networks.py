"""Each network's rules, checked when a post is scheduled: the limits of the API its adapter uses."""

from __future__ import annotations

import pytest

from marketing.networks import Draft, Network, RuleBroken, check, utf16_length, x_weighted_length


def broken(draft: Draft) -> str:
    with pytest.raises(RuleBroken) as caught:
        check(draft)
    return caught.value.code


def test_instagram() -> None:
    check(Draft(Network.INSTAGRAM, "new set ✨ #beach", 1))
    assert broken(Draft(Network.INSTAGRAM, "x" * 2201, 1)) == "caption_too_long"
    assert broken(Draft(Network.INSTAGRAM, " ".join(f"#t{i}" for i in range(31)), 1)) == "too_many_hashtags"
    assert broken(Draft(Network.INSTAGRAM, " ".join(f"@u{i}" for i in range(21)), 1)) == "too_many_mentions"
    assert broken(Draft(Network.INSTAGRAM, "no media", 0)) == "media_count"
    assert broken(Draft(Network.INSTAGRAM, "carousel", 11)) == "media_count"
    check(Draft(Network.INSTAGRAM, "x" * 2200 + "", 10))


def test_tiktok_counts_utf16_units() -> None:
    assert utf16_length("😀") == 2
    check(Draft(Network.TIKTOK, "😀" * 1100, 1))
    assert broken(Draft(Network.TIKTOK, "😀" * 1101, 1)) == "caption_too_long"
    assert broken(Draft(Network.TIKTOK, "no video", 0)) == "media_count"


def test_x_weighs_urls_and_wide_characters() -> None:
    assert x_weighted_length("hi https://onlyfans.com/mia?c=abc123456789012345678901234567890") == 3 + 23
    assert x_weighted_length("日本") == 4
    check(Draft(Network.X, "a" * 280, 0))
    assert broken(Draft(Network.X, "a" * 281, 0)) == "caption_too_long"
    assert broken(Draft(Network.X, "日" * 141, 0)) == "caption_too_long"
    check(Draft(Network.X, "a" * 250 + " https://" + "x" * 200 + ".com", 4))
    assert broken(Draft(Network.X, "", 0)) == "empty_post"
    assert broken(Draft(Network.X, "five", 5)) == "media_count"
    assert broken(Draft(Network.X, "hi", 0, title="t")) == "reddit_only"


def test_reddit_needs_a_title_and_a_subreddit() -> None:
    check(Draft(Network.REDDIT, "", 1, title="New set", subreddit="r/onlyfansadvertising"))
    assert broken(Draft(Network.REDDIT, "", 0, subreddit="abc")) == "title_required"
    assert broken(Draft(Network.REDDIT, "", 0, title="t" * 301, subreddit="abc")) == "title_too_long"
    assert broken(Draft(Network.REDDIT, "", 0, title="t")) == "subreddit_required"
    assert broken(Draft(Network.REDDIT, "", 0, title="t", subreddit="a b")) == "subreddit_required"
    assert broken(Draft(Network.REDDIT, "x" * 40_001, 0, title="t", subreddit="abc")) == "caption_too_long"
