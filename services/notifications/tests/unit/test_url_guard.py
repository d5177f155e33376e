"""The SSRF guard: only public addresses are called, however the URL spells them."""

from __future__ import annotations

import pytest

from notifications.url_guard import Refused, is_public, parse_endpoint, resolve_public


def resolving_to(*addresses: str):  # type: ignore[no-untyped-def]
    async def resolver(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolver


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",  # http outside local runs
        "ftp://hooks.example.com/x",
        "https://user:pw@hooks.example.com/x",
        "https://hooks.example.com/x#frag",
        "https:///nohost",
        "https://127.0.0.1/x",
        "https://10.1.2.3/x",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://100.64.0.1/x",
        "https://0.0.0.0/x",
        "https://hooks.example.com:99999/x",
        "https://hooks.example.com/a b",
        "https://" + "a" * 2100 + ".com/",
    ],
)
def test_urls_refused_when_saved(url: str) -> None:
    with pytest.raises(Refused):
        parse_endpoint(url, allow_http=False)


def test_a_public_https_url_is_accepted() -> None:
    endpoint = parse_endpoint("https://Hooks.Example.com/huntaze?x=1", allow_http=False)
    assert (endpoint.scheme, endpoint.host, endpoint.port) == ("https", "hooks.example.com", 443)


def test_local_runs_may_allow_http_and_their_own_receiver_only() -> None:
    assert (
        parse_endpoint("http://127.0.0.1:18999/in", allow_http=True, private_targets=["127.0.0.1:18999"]).port == 18999
    )
    with pytest.raises(Refused):
        parse_endpoint("http://127.0.0.1:8000/in", allow_http=True, private_targets=["127.0.0.1:18999"])


@pytest.mark.parametrize(
    "addresses",
    [("127.0.0.1",), ("10.0.0.7",), ("192.168.1.1",), ("172.16.5.5",), ("169.254.169.254",), ("::1",),
     ("fe80::1%eth0",), ("fc00::1",), ("::ffff:10.0.0.1",), ("93.184.216.34", "127.0.0.1"), ("224.0.0.1",)],
)  # fmt: skip
async def test_a_name_resolving_to_a_private_address_is_refused_at_each_attempt(addresses: tuple[str, ...]) -> None:
    endpoint = parse_endpoint("https://rebind.example.com/x", allow_http=False)
    with pytest.raises(Refused, match="not a public address"):
        await resolve_public(endpoint, private_targets=(), resolver=resolving_to(*addresses))


async def test_the_checked_public_address_is_the_one_returned() -> None:
    endpoint = parse_endpoint("https://hooks.example.com/x", allow_http=False)
    address = await resolve_public(endpoint, private_targets=(), resolver=resolving_to("93.184.216.34", "2606:2800::1"))
    assert str(address) == "93.184.216.34"


async def test_the_real_resolver_judges_localhost_and_numeric_spellings_by_their_address() -> None:
    for url in ("https://localhost/x", "https://2130706433/x", "https://0x7f.1/x", "https://127.1/x"):
        with pytest.raises(Refused):
            await resolve_public(parse_endpoint(url, allow_http=False), private_targets=())


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    async def nowhere(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(Refused, match="does not resolve"):
        await resolve_public(
            parse_endpoint("https://nx.example/x", allow_http=False), private_targets=(), resolver=nowhere
        )


def test_public_means_global_unicast() -> None:
    import ipaddress

    assert is_public(ipaddress.ip_address("8.8.8.8"))
    assert not is_public(ipaddress.ip_address("::ffff:192.168.0.1"))
    assert not is_public(ipaddress.ip_address("239.1.1.1"))
