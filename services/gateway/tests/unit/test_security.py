"""Passwords, access tokens (pinned algorithm, issuer, audience, expiry, key id), opaque secrets."""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest

from gateway.security import (
    InvalidToken,
    Principal,
    TokenCodec,
    connector_key,
    digest,
    hash_password,
    key_id,
    parse_connector_key,
    same_digest,
    verify_password,
)

KEY = "k" * 48


async def test_passwords_are_hashed_with_argon2id_and_verified() -> None:
    hashed = await hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$") and "correct horse" not in hashed
    assert await verify_password(hashed, "correct horse battery staple")
    assert not await verify_password(hashed, "wrong password!")
    assert not await verify_password(None, "anything at all")  # unknown user: same work, same answer


def codec(*keys: str, ttl: int = 60, issuer: str = "huntaze-gateway", audience: str = "huntaze") -> TokenCodec:
    return TokenCodec(list(keys) or [KEY], issuer=issuer, audience=audience, ttl_s=ttl)


def test_tokens_name_the_user_and_the_session_carry_a_key_id_and_expire() -> None:
    who = Principal(uuid.uuid4(), uuid.uuid4())
    token = codec().issue(who)
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "kid": key_id(KEY), "typ": "JWT"}
    assert codec().verify(token) == who
    with pytest.raises(InvalidToken, match="expired"):
        codec().verify(codec().issue(who, now=time.time() - 3600))


def test_keys_rotate_the_first_signs_and_every_listed_one_verifies() -> None:
    who = Principal(uuid.uuid4(), uuid.uuid4())
    old = codec("old-" + KEY).issue(who)
    rotated = codec("new-" + KEY, "old-" + KEY)
    assert rotated.verify(old) == who
    assert jwt.get_unverified_header(rotated.issue(who))["kid"] == key_id("new-" + KEY)
    with pytest.raises(InvalidToken):  # the old key dropped: its tokens end
        codec("new-" + KEY).verify(old)


def _forge(header: dict[str, str], claims: dict[str, object], signature: bytes = b"") -> str:
    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return ".".join([part(json.dumps(header).encode()), part(json.dumps(claims).encode()), part(signature)])


def test_attacks_on_the_token_are_refused() -> None:
    who = Principal(uuid.uuid4(), uuid.uuid4())
    token = codec().issue(who)
    claims = jwt.decode(token, KEY, algorithms=["HS256"], audience="huntaze")
    attacks = {
        "tampered": token[:-2] + ("xx" if not token.endswith("xx") else "yy"),
        "alg none": _forge({"alg": "none", "kid": key_id(KEY)}, claims),
        "alg none without kid": _forge({"alg": "none"}, claims),
        "another algorithm, same key": jwt.encode(claims, KEY, algorithm="HS512", headers={"kid": key_id(KEY)}),
        "another key": jwt.encode(claims, "z" * 48, algorithm="HS256", headers={"kid": key_id(KEY)}),
        "unknown kid": jwt.encode(claims, KEY, algorithm="HS256", headers={"kid": "nope"}),
        "no kid": jwt.encode(claims, KEY, algorithm="HS256"),
        "wrong audience": codec(audience="elsewhere").issue(who),
        "wrong issuer": codec(issuer="someone-else").issue(who),
        "no session": jwt.encode({k: v for k, v in claims.items() if k != "sid"}, KEY, headers={"kid": key_id(KEY)}),
        "not a jwt": "nonsense",
    }
    for name, forged in attacks.items():
        with pytest.raises(InvalidToken):
            codec().verify(forged)
            pytest.fail(name)


def test_opaque_secrets_are_stored_as_digests_and_connector_keys_name_their_row() -> None:
    ident = uuid.uuid4()
    value = connector_key(ident, "se_cr_et")
    assert value.startswith("hzk_") and parse_connector_key(value) == (ident, "se_cr_et")
    assert parse_connector_key("hzk_not-a-uuid_x") is None and parse_connector_key("eyJ...") is None
    assert same_digest("se_cr_et", digest("se_cr_et")) and not same_digest("other", digest("se_cr_et"))
    assert "se_cr_et" not in digest("se_cr_et")


def test_a_verified_token_is_remembered_but_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = codec(ttl=60)
    who = Principal(uuid.uuid4(), uuid.uuid4())
    token = tokens.issue(who)
    assert tokens.verify(token) == who
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: pytest.fail("decoded twice"))
    assert tokens.verify(token) == who  # the second use costs no signature check
    later = time.time() + 61
    monkeypatch.setattr("gateway.security.time.time", lambda: later)
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(token)
