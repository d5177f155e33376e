"""A post's media fetched from their public https URLs, for the networks that take uploads (X).

The URLs come from creators, so a fetch is guarded against being turned on our own network (SSRF):

- https only, no credentials in the URL; at most 3 redirects, each checked like the first;
- the host must resolve only to public addresses (not private, loopback, link-local, shared,
  reserved, multicast or unspecified, IPv4-mapped ones included); the connection goes to the
  address that was checked (the URL's host kept for the Host header, SNI and the certificate), so a
  second DNS answer cannot point it elsewhere; ``Connection: close``, so no pooled connection is shared;
- ``origins`` maps hosts to the origin really fetched, past these rules: the tests' media host only
  (``MARKETING_MEDIA_FETCH_ORIGINS``), refused in production by the settings.

A medium's type is read from its first bytes (JPEG, PNG, GIF, WEBP, MP4), never from its name or
``content-type``; its size is counted as it streams, and the fetch stops past its type's limit
(images 5 MB, GIFs 15 MB, videos 512 MB). It is kept in a spooled temporary file (memory up to 8 MB,
then disk). Failures name the URL's host: unreachable, 4xx, too big or not a medium → permanent; a
5xx or a timeout from the media host → retried.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from tempfile import SpooledTemporaryFile
from typing import IO
from urllib.parse import urljoin, urlsplit

import httpx

from huntaze_service import CallFailed

MB = 1024 * 1024
SPOOL_IN_MEMORY = 8 * MB
MAX_REDIRECTS = 3
_SNIFF = 12
_MP4_BRANDS = {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash"}

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


@dataclass(frozen=True)
class Kind:
    mime: str
    category: str
    """X's ``media_category``."""
    limit: int
    label: str

    @property
    def image(self) -> bool:
        return self.category == "tweet_image"


JPEG = Kind("image/jpeg", "tweet_image", 5 * MB, "JPEG")
PNG = Kind("image/png", "tweet_image", 5 * MB, "PNG")
WEBP = Kind("image/webp", "tweet_image", 5 * MB, "WEBP")
GIF = Kind("image/gif", "tweet_gif", 15 * MB, "GIF")
MP4 = Kind("video/mp4", "tweet_video", 512 * MB, "MP4")
MAX_BYTES = max(k.limit for k in (JPEG, PNG, WEBP, GIF, MP4))
BY_MIME = {k.mime: k for k in (JPEG, PNG, WEBP, GIF, MP4)}
"""The kinds X takes, by the MIME type the vault read from a file's bytes."""


def sniff(head: bytes) -> Kind | None:
    """The medium's type from its first 12 bytes (magic numbers), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in _MP4_BRANDS:
        return MP4
    return None


def public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
        or address.is_multicast or address.is_unspecified
    )  # fmt: skip


async def _system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]).split("%")[0] for info in infos]


@dataclass
class Medium:
    url: str
    host: str
    kind: Kind
    size: int
    body: IO[bytes] = field(repr=False)

    def chunks(self, size: int) -> Iterator[bytes]:
        self.body.seek(0)
        while chunk := self.body.read(size):
            yield chunk

    def close(self) -> None:
        self.body.close()


class MediaFetcher:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        origins: Mapping[str, str] | None = None,
        label: str = "media",
        resolve: Resolver = _system_resolve,
    ) -> None:
        self._client = client
        self._origins = {host.lower(): origin.rstrip("/") for host, origin in (origins or {}).items()}
        self._label = label
        self._resolve = resolve

    def _failed(self, host: str, reason: str, *, permanent: bool = True) -> CallFailed:
        return CallFailed(f"{self._label}: the medium at {host or 'an unnamed host'} {reason}", permanent=permanent)

    async def fetch(self, url: str) -> Medium:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            target, headers, extensions, host = await self._target(current)
            try:
                async with self._client.stream("GET", target, headers=headers, extensions=extensions) as answer:
                    if answer.is_redirect and "location" in answer.headers:
                        current = urljoin(current, answer.headers["location"])
                        continue
                    if answer.status_code >= 500 or answer.status_code == 429:
                        raise self._failed(host, f"answered {answer.status_code}", permanent=False)
                    if answer.status_code != 200:
                        raise self._failed(host, f"answered {answer.status_code}")
                    return await self._read(answer, url, host)
            except httpx.TimeoutException:
                raise self._failed(host, "took too long to answer", permanent=False) from None
            except (httpx.ConnectError, httpx.UnsupportedProtocol) as exc:
                raise self._failed(host, f"is unreachable ({type(exc).__name__})") from None
            except httpx.HTTPError as exc:
                raise self._failed(host, f"broke off ({type(exc).__name__})", permanent=False) from None
        raise self._failed(urlsplit(url).hostname or "", f"redirects more than {MAX_REDIRECTS} times")

    async def _target(self, url: str) -> tuple[str, dict[str, str], dict[str, str], str]:
        """Where to connect for ``url`` (its checked address), with its Host header and SNI."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if not host or parts.username is not None or parts.password is not None:
            raise self._failed(host, "has no plain https URL")
        if host in self._origins:
            return f"{self._origins[host]}{path}", {"connection": "close"}, {}, host
        if parts.scheme != "https":
            raise self._failed(host, "is not served over https")
        try:
            port = parts.port or 443
            found = [ipaddress.ip_address(a) for a in await self._resolve(host, port)]
        except (OSError, ValueError):
            raise self._failed(host, "is unreachable (its name does not resolve)") from None
        refused = [a for a in found if not public(a)]
        if not found or refused:
            raise self._failed(host, f"resolves to a non-public address ({refused[0] if refused else 'none'})")
        address = found[0]
        netloc = f"[{address}]" if address.version == 6 else str(address)
        netloc += f":{port}" if port != 443 else ""
        headers = {"host": host if port == 443 else f"{host}:{port}", "connection": "close"}
        return f"https://{netloc}{path}", headers, {"sni_hostname": host}, host

    async def _read(self, answer: httpx.Response, url: str, host: str) -> Medium:
        declared = int(answer.headers["content-length"]) if answer.headers.get("content-length", "").isdigit() else 0
        if declared > MAX_BYTES:
            raise self._failed(host, f"is larger than {MAX_BYTES // MB} MB ({declared} bytes)")
        spool: IO[bytes] = SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # the Medium closes it
        kind: Kind | None = None
        head, size = b"", 0
        try:
            async for chunk in answer.aiter_bytes():
                if kind is None:
                    head += chunk
                    if len(head) < _SNIFF:
                        continue
                    kind, chunk = self._kind(head, host), head
                    if declared > kind.limit:
                        raise self._too_big(host, kind)
                size += len(chunk)
                if size > kind.limit:
                    raise self._too_big(host, kind)
                spool.write(chunk)
            if kind is None:  # shorter than the sniffed bytes
                kind, size = self._kind(head, host), len(head)
                spool.write(head)
        except BaseException:
            spool.close()
            raise
        return Medium(url, host, kind, size, spool)

    def _kind(self, head: bytes, host: str) -> Kind:
        kind = sniff(head)
        if kind is None:
            raise self._failed(host, "is not a JPEG, PNG, GIF, WEBP or MP4 (by its first bytes)")
        return kind

    def _too_big(self, host: str, kind: Kind) -> CallFailed:
        return self._failed(host, f"is larger than {kind.limit // MB} MB, the limit for a {kind.label}")
