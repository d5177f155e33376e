"""Media given as public https URLs: counted by the network's media rules, fetched by Instagram and
TikTok themselves, fetched and uploaded by the X adapter (up to 4; a post of media only is allowed),
refused on Reddit (uploads only) and when not a plain https URL."""

from __future__ import annotations

import pytest

from marketing.domain import Content, Refused
from marketing.networks import Network

PHOTO = "https://cdn.mia.example/set/1.jpg"


def test_urls_count_as_media_on_instagram_and_tiktok() -> None:
    assert Content("new set", media_urls=(PHOTO,)).checked(Network.INSTAGRAM).media_urls == (PHOTO,)
    assert Content("new set", media_urls=(PHOTO,)).checked(Network.TIKTOK).media_urls == (PHOTO,)
    with pytest.raises(Refused):  # a feed post needs media
        Content("new set").checked(Network.INSTAGRAM)
    eleven = tuple(f"https://cdn.mia.example/{i}.jpg" for i in range(11))
    with pytest.raises(Refused):
        Content("new set", media_urls=eleven).checked(Network.INSTAGRAM)


def test_x_takes_up_to_4_media_urls_and_a_post_of_media_only() -> None:
    four = tuple(f"https://cdn.mia.example/{i}.jpg" for i in range(4))
    assert Content("new set", media_urls=four).checked(Network.X).media_urls == four
    assert Content("", media_urls=(PHOTO,)).checked(Network.X).media_urls == (PHOTO,)
    with pytest.raises(Refused) as five:
        Content("new set", media_urls=(*four, PHOTO)).checked(Network.X)
    assert five.value.code == "media_count"
    with pytest.raises(Refused) as empty:
        Content(" ").checked(Network.X)
    assert empty.value.code == "empty_post"


@pytest.mark.parametrize(
    ("urls", "network", "code"),
    [
        ((PHOTO,), Network.REDDIT, "media_urls_not_supported"),
        (("http://cdn.mia.example/1.jpg",), Network.INSTAGRAM, "invalid_media_url"),
        (("https://cdn.mia.example:8443/1.jpg",), Network.X, "invalid_media_url"),
        (("https://user:pw@cdn.mia.example/1.jpg",), Network.INSTAGRAM, "invalid_media_url"),
        (("https://cdn.mia.example/a b.jpg",), Network.TIKTOK, "invalid_media_url"),
        (("javascript:alert(1)",), Network.TIKTOK, "invalid_media_url"),
        ((PHOTO, PHOTO), Network.INSTAGRAM, "duplicate_media"),
    ],
)
def test_bad_media_urls_are_refused_when_scheduled(urls: tuple[str, ...], network: Network, code: str) -> None:
    with pytest.raises(Refused) as refused:
        Content("new set", media_urls=urls, title="t", subreddit="sub").checked(network)
    assert refused.value.code == code
