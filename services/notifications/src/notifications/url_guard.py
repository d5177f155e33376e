"""Server-side request forgery guard for webhook endpoints: the platform only calls public addresses.

A creator chooses the URL, so a URL must never let them reach what sits beside our services (the
cloud's metadata at 169.254.169.254, PostgreSQL on 10.x, a service's /metrics on 127.0.0.1). Two
checks, both needed:

* :func:`parse_endpoint` when the URL is saved: ``https`` only (``http`` in local runs), a host, no
  user-info, no fragment, a sane length; an IP literal must be public.
* :func:`resolve_public` before every attempt: the host is resolved (``getaddrinfo``, so every spelling
  the system understands — ``localhost``, ``2130706433``, ``0x7f.1``, ``[::ffff:127.0.0.1]`` — is judged
  by the address it really reaches) and EVERY address must be public: not private, loopback,
  link-local, shared (100.64/10), multicast, reserved or unspecified, IPv4-mapped IPv6 judged as its
  IPv4. The caller then connects to the checked address itself (the sender pins it and sends the
  name as ``Host`` and TLS SNI), so a DNS answer that changes between check and use (rebinding) is
  never followed. Redirects are never followed either: a 3xx is a failed attempt, its ``Location``
  logged, so a public URL cannot bounce the platform onto a private one.

Local runs and the suite list the ``host:port`` of their own receivers in
``NOTIFICATIONS_WEBHOOK_PRIVATE_TARGETS``; production refuses that setting.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from .domain import MAX_URL

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


class Refused(ValueError):
    """The URL or the address it reaches may not be called; the message says why."""


@dataclass(frozen=True)
class EndpointUrl:
    url: str
    scheme: str
    host: str
    """Lower-case; IPv6 literals without brackets."""
    port: int

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"


def parse_endpoint(url: str, *, allow_http: bool, private_targets: Collection[str] = ()) -> EndpointUrl:
    if len(url) > MAX_URL:
        raise Refused(f"the URL is longer than {MAX_URL} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise Refused("the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(f"the URL is not valid: {exc}") from None
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        raise Refused("the URL must start with https://" if not allow_http else "the URL must be http(s)")
    if parts.username is not None or parts.password is not None:
        raise Refused("the URL may not carry a user name or password")
    if parts.fragment:
        raise Refused("the URL may not have a #fragment")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise Refused("the URL has no host")
    try:
        host.encode("idna")
    except UnicodeError:
        raise Refused("the host name is not valid") from None
    endpoint = EndpointUrl(url, parts.scheme, host, port or (443 if parts.scheme == "https" else 80))
    literal = _literal(host)
    if literal is not None and not is_public(literal) and not _allowed(endpoint, private_targets):
        raise Refused(f"{host} is not a public address")
    return endpoint


def is_public(ip: IpAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def resolve_public(
    endpoint: EndpointUrl, *, private_targets: Collection[str], resolver: Resolver = system_resolver
) -> IpAddress:
    """The address to connect to: the first one the host resolves to, once every one is checked."""
    try:
        found = await resolver(endpoint.host, endpoint.port)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"{endpoint.host} does not resolve ({exc})") from None
    addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
    if not addresses:
        raise Refused(f"{endpoint.host} does not resolve")
    if not _allowed(endpoint, private_targets):
        for address in addresses:
            if not is_public(address):
                raise Refused(f"{endpoint.host} resolves to {address}, which is not a public address")
    return addresses[0]


def _allowed(endpoint: EndpointUrl, private_targets: Collection[str]) -> bool:
    return endpoint.target.lower() in {t.strip().lower() for t in private_targets}


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
