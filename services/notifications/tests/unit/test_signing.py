"""The delivery signature and the receiver's documented check."""

from __future__ import annotations

import hashlib
import hmac

from notifications import signing


def test_the_documented_recipe_verifies_and_anything_else_fails() -> None:
    secret, body, t = signing.new_secret(), b'{"id":"1"}', 1_800_000_000
    header = signing.signature_header(secret, t, body)
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert header == f"t={t},v1={expected}"
    assert signing.verify(secret, header, body, now=t + 10)
    assert not signing.verify(secret, header, body + b" ", now=t)  # body changed
    assert not signing.verify("whsec_other", header, body, now=t)  # another endpoint's secret
    assert not signing.verify(secret, header, body, now=t + 301)  # an old capture replayed
    assert not signing.verify(secret, "v1=" + expected, body, now=t)  # no timestamp
    assert not signing.verify(secret, "garbage", body, now=t)


def test_secrets_are_fresh_and_prefixed() -> None:
    a, b = signing.new_secret(), signing.new_secret()
    assert a != b and a.startswith("whsec_") and len(a) > 40
