"""Sends one webhook attempt over HTTP(S) to the address :mod:`..url_guard` checked, and nowhere else.

The request goes to the checked IP itself (the URL's host replaced by it), with the endpoint's name in
``Host`` and, for https, as the TLS server name (httpx's ``sni_hostname`` extension), so the
certificate is still verified against the name. Redirects are not followed; proxies from the
environment are ignored (``trust_env=False``); the answer's body is read up to 1 KiB for the log."""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping

import httpx

from ..ports import Sent
from ..url_guard import Refused, Resolver, parse_endpoint, resolve_public, system_resolver

EXCERPT_BYTES = 1024


class HttpSender:
    def __init__(
        self,
        *,
        timeout_s: float,
        allow_http: bool,
        private_targets: Collection[str],
        resolver: Resolver = system_resolver,
    ) -> None:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=0),
        )
        self._allow_http = allow_http
        self._private = tuple(private_targets)
        self._resolver = resolver

    async def send(self, url: str, headers: Mapping[str, str], body: bytes) -> Sent:
        started = time.perf_counter()

        def took() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            endpoint = parse_endpoint(url, allow_http=self._allow_http, private_targets=self._private)
            address = await resolve_public(endpoint, private_targets=self._private, resolver=self._resolver)
        except Refused as exc:
            return Sent(None, f"refused: {exc}", took())
        pinned = httpx.URL(url).copy_with(host=str(address))
        default_port = 443 if endpoint.scheme == "https" else 80
        host_header = endpoint.host if endpoint.port == default_port else f"{endpoint.host}:{endpoint.port}"
        if ":" in endpoint.host and endpoint.port != default_port:
            host_header = f"[{endpoint.host}]:{endpoint.port}"
        extensions = {"sni_hostname": endpoint.host} if endpoint.scheme == "https" else {}
        request = self._client.build_request(
            "POST", pinned, headers={**headers, "Host": host_header}, content=body, extensions=extensions
        )
        try:
            response = await self._client.send(request, stream=True)
        except httpx.TimeoutException:
            return Sent(None, "no answer in time", took())
        except httpx.HTTPError as exc:
            return Sent(None, f"{type(exc).__name__}: {exc}"[:300], took())
        try:
            excerpt = b""
            async for chunk in response.aiter_raw():
                excerpt += chunk
                if len(excerpt) >= EXCERPT_BYTES:
                    break
        except httpx.HTTPError:
            excerpt = b""
        finally:
            await response.aclose()
        error = None
        if 300 <= response.status_code < 400:
            error = f"redirect not followed (Location: {response.headers.get('location', '')[:200]})"
        elif response.status_code >= 400:
            error = excerpt[:EXCERPT_BYTES].decode("utf-8", "replace")[:300] or None
        return Sent(response.status_code, error, took())

    async def aclose(self) -> None:
        await self._client.aclose()
