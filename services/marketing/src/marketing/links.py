"""Rules of tracking links (pure): short codes, allowed targets, and the OnlyFans link they stand for.

A link sends a visitor from ``GET /l/{code}`` (the gateway) to its target with a 302. The target is
never an open redirect: only ``https``/``http`` URLs on ``onlyfans.com`` or on a domain the creator
approved (subdomains included), never an IP literal, never credentials in the URL, never a control
character. ``onlyfans_link`` is what the connector reports in ``subscription.started.via`` for a fan
who came through it (the OnlyFans tracking or trial link); it defaults to the target when the target
is on OnlyFans, and is how a subscriber is attributed to the link (:func:`link_key`).
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from .domain import Refused

CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
"""No 0/o, 1/l/i: a code read aloud or copied from a screenshot stays right."""
CODE_LENGTH = 8
"""31^8 ≈ 8.5e11 codes: guessing one is hopeless; a collision is retried on insert."""
CODE_PATTERN = rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$"
ALWAYS_ALLOWED = ("onlyfans.com",)
MAX_URL = 2048
MAX_LABEL = 120
MAX_DOMAINS = 20
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class Link:
    id: uuid.UUID
    creator_id: uuid.UUID
    code: str
    target_url: str
    label: str
    onlyfans_link: str | None
    campaign_id: uuid.UUID | None
    post_id: uuid.UUID | None
    created_at: datetime
    network: str | None = None
    """Where the link is shared: its post's network, or the one the creator named (an Instagram bio
    link); what clicks, subscribers and revenue count for in the per-network reports."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def checked_domain(domain: str) -> str:
    """A creator-approved domain, lower-cased (``www.`` kept: it is a subdomain like any other)."""
    value = domain.strip().lower().rstrip(".")
    if not _DOMAIN.match(value):
        raise Refused("invalid_domain", f"{domain!r} is not a domain name (like example.com)")
    return value


def _allowed(host: str, approved: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in (*ALWAYS_ALLOWED, *approved))


def checked_target(url: str, approved: tuple[str, ...] = ()) -> str:
    """The target as given when it is an allowed http(s) URL; :class:`Refused` otherwise."""
    if len(url) > MAX_URL or _CONTROL.search(url):
        raise Refused("invalid_target", f"a target is a URL of at most {MAX_URL} characters, without spaces")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise Refused("invalid_target", "a target is an http or https URL")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise Refused("invalid_target", "a target carries no user name or password")
    host = (parts.hostname or "").rstrip(".")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise Refused("target_not_allowed", "a target is a domain name, not an IP address")
    try:
        port = parts.port
    except ValueError:
        raise Refused("invalid_target", "the target's port is not a number") from None
    if port not in (None, 80, 443):
        raise Refused("target_not_allowed", "a target uses the standard port")
    if not _allowed(host, approved):
        raise Refused(
            "target_not_allowed",
            f"{host} is not onlyfans.com nor a domain you approved (PUT /v1/marketing/link-domains): "
            "links never redirect elsewhere",
        )
    return url


def link_key(value: str) -> str:
    """What an OnlyFans link is matched on: without scheme, ``www.``, query, fragment, trailing
    slash, lower-cased (``https://OnlyFans.com/mia/c12/`` and ``onlyfans.com/mia/c12`` match)."""
    text = value.strip()
    if "://" in text:
        parts = urlsplit(text)
        text = (parts.hostname or "") + parts.path
    else:
        text = text.split("?", 1)[0].split("#", 1)[0]
    text = text.lower().removeprefix("www.").rstrip("/")
    return text


def new_link(
    creator_id: uuid.UUID,
    target_url: str,
    label: str,
    onlyfans_link: str | None,
    campaign_id: uuid.UUID | None,
    post_id: uuid.UUID | None,
    approved: tuple[str, ...],
    now: datetime,
    network: str | None = None,
) -> Link:
    target = checked_target(target_url.strip(), approved)
    label = label.strip()
    if not label:
        raise Refused("invalid_label", "a link has a label (what it is for, e.g. 'Instagram bio')")
    if onlyfans_link is None and _allowed((urlsplit(target).hostname or "").lower(), ()):
        onlyfans_link = target  # the OnlyFans tracking link itself, which the connector reports
    if onlyfans_link is not None and not link_key(onlyfans_link):
        raise Refused("invalid_onlyfans_link", "onlyfans_link is empty")
    return Link(uuid.uuid4(), creator_id, new_code(), target, label, onlyfans_link, campaign_id, post_id, now, network)
