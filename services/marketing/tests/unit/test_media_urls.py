"""Media given as public https URLs: counted by the network's media rules, fetched by Instagram and
TikTok themselves, refused on X and Reddit (they take uploads) and when not a plain https URL."""

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


@pytest.mark.parametrize(
    ("urls", "network", "code"),
    [
        ((PHOTO,), Network.X, "media_urls_not_supported"),
        ((PHOTO,), Network.REDDIT, "media_urls_not_supported"),
        (("http://cdn.mia.example/1.jpg",), Network.INSTAGRAM, "invalid_media_url"),
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
