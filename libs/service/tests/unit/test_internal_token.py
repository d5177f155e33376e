"""The internal token: what the gateway signs and every service verifies, and what it refuses."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import jwt
import pytest

from huntaze_service import Caller, InternalTokenSigner, InternalTokenVerifier, InvalidInternalToken, new_key_pair
from huntaze_service.internal_token import InvalidKey, parse_public_keys

SIGNING, PUBLIC = new_key_pair("k1")
CALLER = Caller(
    user_id=uuid.uuid4(), creator_id=uuid.uuid4(), org_id=uuid.uuid4(), role="chatter", request_id=uuid.uuid4()
)


def claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_signed_caller_verifies_as_the_same_caller() -> None:
    token = InternalTokenSigner(SIGNING).sign(CALLER)
    assert InternalTokenVerifier(PUBLIC).verify(token) == CALLER
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA" and jwt.get_unverified_header(token)["kid"] == "k1"
    body = claims(token)
    assert (body["iss"], body["aud"], body["role"]) == ("huntaze-gateway", "huntaze-services", "chatter")
    assert (body["sub"], body["cid"], body["org"], body["rid"]) == tuple(
        str(v) for v in (CALLER.user_id, CALLER.creator_id, CALLER.org_id, CALLER.request_id)
    )
    assert body["exp"] - body["iat"] == 60


def test_the_callers_shift_travels_in_the_token_and_is_absent_off_shift() -> None:
    on_shift = Caller(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "chatter", shift_id=uuid.uuid4())
    token = InternalTokenSigner(SIGNING).sign(on_shift)
    assert claims(token)["sft"] == str(on_shift.shift_id)
    assert InternalTokenVerifier(PUBLIC).verify(token).shift_id == on_shift.shift_id
    off = InternalTokenSigner(SIGNING).sign(CALLER)
    assert "sft" not in claims(off) and InternalTokenVerifier(PUBLIC).verify(off).shift_id is None


def test_the_request_id_is_optional_and_the_lifetime_configurable() -> None:
    caller = Caller(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "owner")
    token = InternalTokenSigner(SIGNING, ttl_s=30).sign(caller, now=time.time())
    assert "rid" not in claims(token) and claims(token)["exp"] - claims(token)["iat"] == 30
    assert InternalTokenVerifier(PUBLIC).verify(token) == caller


def test_several_keys_verify_during_a_rotation() -> None:
    new_signing, new_public = new_key_pair("k2")
    verifier = InternalTokenVerifier(f"{PUBLIC}, {new_public}")
    assert verifier.verify(InternalTokenSigner(SIGNING).sign(CALLER)) == CALLER
    assert verifier.verify(InternalTokenSigner(new_signing).sign(CALLER)) == CALLER


def refused(token: str, reason: str) -> None:
    with pytest.raises(InvalidInternalToken, match=reason):
        InternalTokenVerifier(PUBLIC).verify(token)


def test_an_unsigned_token_is_refused() -> None:
    body = claims(InternalTokenSigner(SIGNING).sign(CALLER))
    refused(f"{b64({'alg': 'none', 'kid': 'k1', 'typ': 'JWT'})}.{b64(body)}.", "algorithm not allowed")
    refused(jwt.encode(body, None, algorithm="none", headers={"kid": "k1"}), "algorithm not allowed")


def test_an_hmac_token_made_with_the_public_key_as_secret_is_refused() -> None:
    body = claims(InternalTokenSigner(SIGNING).sign(CALLER))
    raw_public = PUBLIC.split(":", 1)[1]
    for secret in (raw_public, PUBLIC, base64.urlsafe_b64decode(raw_public + "=")):
        forged = jwt.encode(body, secret, algorithm="HS256", headers={"kid": "k1"})
        refused(forged, "algorithm not allowed")


def test_a_token_signed_by_another_key_with_a_known_kid_is_refused() -> None:
    other, _ = new_key_pair("k1")  # same kid, another key
    refused(InternalTokenSigner(other).sign(CALLER), "bad signature")


def test_an_unknown_kid_is_refused() -> None:
    other, _ = new_key_pair("elsewhere")
    refused(InternalTokenSigner(other).sign(CALLER), "unknown key id")
    body = claims(InternalTokenSigner(SIGNING).sign(CALLER))
    no_kid = jwt.encode(body, jwt.algorithms.OKPAlgorithm.from_jwk(_jwk(SIGNING)), algorithm="EdDSA")
    refused(no_kid, "unknown key id")


def _jwk(signing: str) -> str:
    _, seed = signing.split(":", 1)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(seed + "="))
    return jwt.algorithms.OKPAlgorithm.to_jwk(key)


def test_an_expired_token_is_refused_after_a_small_leeway() -> None:
    signer = InternalTokenSigner(SIGNING, ttl_s=60)
    refused(signer.sign(CALLER, now=time.time() - 120), "expired")
    assert InternalTokenVerifier(PUBLIC).verify(signer.sign(CALLER, now=time.time() - 62)) == CALLER  # leeway 5 s
    refused(signer.sign(CALLER, now=time.time() + 60), "issued in the future")


def forged(**changes: Any) -> str:
    """A token signed with the right key whose claims were changed."""
    body = claims(InternalTokenSigner(SIGNING).sign(CALLER)) | changes
    body = {k: v for k, v in body.items() if v is not None}
    key = jwt.algorithms.OKPAlgorithm.from_jwk(_jwk(SIGNING))
    return jwt.encode(body, key, algorithm="EdDSA", headers={"kid": "k1"})


def test_the_wrong_audience_or_issuer_is_refused() -> None:
    refused(forged(aud="huntaze"), "wrong audience")  # the gateway's own access tokens' audience
    refused(forged(iss="someone-else"), "wrong issuer")
    refused(forged(aud=None), "missing claim aud")
    refused(forged(iss=None), "missing claim iss")


def test_required_claims_and_a_short_life() -> None:
    refused(forged(exp=None), "missing claim exp")
    refused(forged(iat=None), "missing claim iat")
    refused(forged(cid=None), "missing claim cid")
    refused(forged(role="admin"), "unknown role")
    refused(forged(cid="not-a-uuid"), "malformed")
    now = int(time.time())
    refused(forged(iat=now, exp=now + 24 * 3600), "lives too long")


def test_garbage_is_refused() -> None:
    for token in ("", "abc", "a.b.c", "!!!.x.y", InternalTokenSigner(SIGNING).sign(CALLER) + "x"):
        with pytest.raises(InvalidInternalToken):
            InternalTokenVerifier(PUBLIC).verify(token)


def test_key_strings() -> None:
    signing, public = new_key_pair()
    kid = public.split(":")[0]
    assert signing.startswith(kid + ":") and len(parse_public_keys(public)) == 1
    for bad in ("", "nokid", "k:", "k:!!!", "k:" + "A" * 10, f"{PUBLIC},{PUBLIC}"):
        with pytest.raises(InvalidKey):
            parse_public_keys(bad)
    with pytest.raises(ValueError):
        InternalTokenSigner(SIGNING, ttl_s=3600)
    with pytest.raises(ValueError, match="role"):
        InternalTokenSigner(SIGNING).sign(Caller(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), "admin"))


def test_a_token_verified_once_is_remembered_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    import time as clock

    from huntaze_service.internal_token import VISITOR

    signing, public = new_key_pair("k1")
    nobody = uuid.UUID(int=0)
    visitor = Caller(user_id=nobody, creator_id=nobody, org_id=nobody, role=VISITOR)
    token = InternalTokenSigner(signing, ttl_s=60).sign(visitor)
    verifier = InternalTokenVerifier(public)
    assert verifier.verify(token) == visitor
    assert verifier.verify(token) == visitor and len(verifier._verified) == 1
    real = clock.time
    monkeypatch.setattr(clock, "time", lambda: real() + 120)  # past exp + leeway: refused, cached or not
    with pytest.raises(InvalidInternalToken):
        verifier.verify(token)
    with pytest.raises(InvalidInternalToken):
        verifier.verify(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])  # never cached: refused
