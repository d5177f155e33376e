"""What a click on a tracking link tells (pure): which network sent the visitor, from which country,
and whether it was a person or a robot.

- Network: ``utm_source`` when the link was shared with one, else the referrer's host (Instagram's
  ``l.instagram.com``, TikTok, X's ``t.co``, Reddit's ``out.reddit.com``…), else ``None`` (direct,
  or a browser that sends no referrer).
- Country: the ISO 3166 alpha-2 code a CDN or load balancer in front of the gateway puts in a header
  (Cloudflare's ``CF-IPCountry``, CloudFront's ``CloudFront-Viewer-Country``, or ``X-Country-Code``);
  nothing is looked up from the IP address here.
- Robot: CrawlerDetect's list of crawlers, link previewers and HTTP libraries (the ``crawlerdetect``
  package), and an empty user agent. Robots' clicks are kept but never count in a conversion rate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from crawlerdetect import CrawlerDetect

COUNTRY_HEADERS = ("cf-ipcountry", "cloudfront-viewer-country", "x-country-code")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_NOT_COUNTRIES = frozenset({"XX", "T1", "ZZ"})  # Cloudflare: unknown, Tor; ZZ: unknown elsewhere
_HOSTS: dict[str, str] = {
    "instagram.com": "instagram",
    "l.instagram.com": "instagram",
    "tiktok.com": "tiktok",
    "x.com": "x",
    "twitter.com": "x",
    "t.co": "x",
    "reddit.com": "reddit",
    "redd.it": "reddit",
}
_UTM: dict[str, str] = {
    "instagram": "instagram",
    "ig": "instagram",
    "tiktok": "tiktok",
    "tt": "tiktok",
    "x": "x",
    "twitter": "x",
    "reddit": "reddit",
}
NETWORKS = frozenset(_HOSTS.values())
_detector = CrawlerDetect()


@dataclass(frozen=True)
class ClickFacts:
    network: str | None
    country: str | None
    bot: bool
    referrer_host: str | None


def network_of(referrer: str, utm_source: str) -> tuple[str | None, str | None]:
    """(network, referrer host): UTM first, then the referrer's host or one of its parents."""
    host = (urlsplit(referrer).hostname or "").removeprefix("www.") if referrer else ""
    by_utm = _UTM.get(utm_source.strip().lower())
    if by_utm:
        return by_utm, host or None
    labels = host.split(".")
    for i in range(len(labels) - 1):
        network = _HOSTS.get(".".join(labels[i:]))
        if network:
            return network, host
    return None, host or None


def country_of(headers: Mapping[str, str]) -> str | None:
    for name in COUNTRY_HEADERS:
        value = headers.get(name, "").strip().upper()
        if _COUNTRY.match(value) and value not in _NOT_COUNTRIES:
            return value
    return None


def is_bot(user_agent: str) -> bool:
    agent = user_agent.strip()
    return not agent or bool(_detector.isCrawler(agent[:1000]))


FORWARDED_HEADERS = ("user-agent", "referer", *COUNTRY_HEADERS)
"""What the gateway passes on from the visitor's request (with its query string)."""


def facts(headers: Mapping[str, str], utm_source: str = "") -> ClickFacts:
    """The click's facts from the visitor's headers (lower-case names) and the link's ``utm_source``."""
    network, host = network_of(headers.get("referer", "")[:2048], utm_source[:100])
    return ClickFacts(network, country_of(headers), is_bot(headers.get("user-agent", "")), host[:253] if host else None)
