from __future__ import annotations

import time
import uuid

import pytest

from gateway.security import InvalidToken, Principal, TokenCodec, hash_password, verify_password


async def test_passwords_are_hashed_with_argon2id_and_verified() -> None:
    hashed = await hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$") and "correct horse" not in hashed
    assert await verify_password(hashed, "correct horse battery staple")
    assert not await verify_password(hashed, "wrong password!")
    assert not await verify_password(None, "anything at all")  # unknown user: same work, same answer


def codec(secret: str = "k" * 48, ttl: int = 60) -> TokenCodec:
    return TokenCodec(secret, issuer="huntaze-gateway", audience="huntaze", ttl_s=ttl)


def test_tokens_carry_user_creator_and_role_and_expire() -> None:
    who = Principal(uuid.uuid4(), uuid.uuid4(), "owner")
    assert codec().verify(codec().issue(who)) == who
    old = codec().issue(who, now=time.time() - 3600)
    with pytest.raises(InvalidToken, match="expired"):
        codec().verify(old)


def test_tampered_or_foreign_tokens_are_refused() -> None:
    token = codec().issue(Principal(uuid.uuid4(), uuid.uuid4(), "owner"))
    with pytest.raises(InvalidToken):
        codec().verify(token[:-2] + ("xx" if not token.endswith("xx") else "yy"))
    with pytest.raises(InvalidToken):
        codec(secret="z" * 48).verify(token)
    with pytest.raises(InvalidToken):
        TokenCodec("k" * 48, issuer="someone-else", audience="huntaze", ttl_s=60).verify(token)
