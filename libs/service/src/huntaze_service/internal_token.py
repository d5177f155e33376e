"""The internal token: who is calling, as the gateway verified it, signed for the services.

The gateway authenticates the user (its own JWTs, connector keys), checks the membership and the
role for the creator in scope, then forwards the request with a short-lived token in
``X-Internal-Token``: a JWT signed with the gateway's Ed25519 key (alg ``EdDSA``, header ``kid``)::

    iss  huntaze-gateway        aud  huntaze-services
    sub  user id                cid  creator id (the tenant)
    org  organisation id        role owner | manager | chatter | analyst | connector | visitor
    rid  request id (optional)  iat, exp = iat + ttl (60 s by default)

Every service verifies it (:mod:`.wall`) with the gateway's public keys and never trusts a bare
header. Keys are strings ``"<kid>:<base64url of 32 bytes>"``: the gateway holds one private seed
(``GATEWAY_INTERNAL_SIGNING_KEY``), the services a comma-separated list of public keys
(``HUNTAZE_INTERNAL_TOKEN_KEYS``), so a new key is rolled out by adding its public key to every
service first, then switching the gateway to it, then removing the old one.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

INTERNAL_TOKEN_HEADER = "x-internal-token"
ISSUER = "huntaze-gateway"
AUDIENCE = "huntaze-services"
ALGORITHM = "EdDSA"
VISITOR = "visitor"
ROLES = frozenset({"owner", "manager", "chatter", "analyst", "connector", VISITOR})
"""``visitor``: nobody signed in — the gateway's public routes (a tracking link's redirect). Its ids are
all zero; every route refuses it but those that ask for a visitor (:data:`.wall.VisitorCaller`)."""
NOBODY = uuid.UUID(int=0)
LEEWAY_S = 5
VERIFIED_CACHE = 1024
"""How many verified tokens a verifier remembers (each until it expires)."""
MAX_TTL_S = 300
"""A token living longer than this is refused whoever signed it: the token is meant to be short-lived."""


@dataclass(frozen=True)
class Caller:
    """Who is calling a service, as the gateway verified it."""

    user_id: uuid.UUID
    creator_id: uuid.UUID
    org_id: uuid.UUID
    role: str
    request_id: uuid.UUID | None = None
    shift_id: uuid.UUID | None = None
    """The caller's shift on this creator account at the time of the request, if any (chatter
    attribution: who did it, on which shift)."""


class InvalidInternalToken(Exception):
    """The token is missing, malformed, forged, expired or not meant for the services."""


class InvalidKey(ValueError):
    """A key string is not ``"<kid>:<base64url of 32 bytes>"``."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _parse_key(text: str) -> tuple[str, bytes]:
    kid, sep, encoded = text.strip().partition(":")
    if not sep or not kid or "," in kid:
        raise InvalidKey("a key is '<kid>:<base64url of 32 bytes>'")
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        raise InvalidKey(f"key {kid!r} is not base64url") from None
    if len(raw) != 32:
        raise InvalidKey(f"key {kid!r} is {len(raw)} bytes, not 32")
    return kid, raw


def parse_public_keys(keys: str) -> dict[str, Ed25519PublicKey]:
    """``"<kid>:<key>,<kid>:<key>"`` → public key by kid (raises :class:`InvalidKey`)."""
    found: dict[str, Ed25519PublicKey] = {}
    for part in keys.split(","):
        if not part.strip():
            continue
        kid, raw = _parse_key(part)
        if kid in found:
            raise InvalidKey(f"key id {kid!r} appears twice")
        found[kid] = Ed25519PublicKey.from_public_bytes(raw)
    if not found:
        raise InvalidKey("no key given")
    return found


def new_key_pair(kid: str | None = None) -> tuple[str, str]:
    """A fresh (signing key, public key) pair in the formats above; the kid defaults to the date and
    a random suffix, so keys sort by age."""
    kid = kid or f"{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"
    if ":" in kid or "," in kid:
        raise InvalidKey("a key id has no ':' or ','")
    signing = f"{kid}:{_b64(Ed25519PrivateKey.generate().private_bytes_raw())}"
    return signing, public_key_of(signing)


def public_key_of(signing_key: str) -> str:
    """The public key string (``"<kid>:<base64url>"``) matching a signing key string."""
    kid, seed = _parse_key(signing_key)
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return f"{kid}:{_b64(public.public_bytes(Encoding.Raw, PublicFormat.Raw))}"


class InternalTokenSigner:
    """Signs callers (the gateway holds it): ``key`` is ``"<kid>:<base64url private seed>"``."""

    def __init__(self, key: str, ttl_s: int = 60) -> None:
        self.kid, seed = _parse_key(key)
        if not 0 < ttl_s <= MAX_TTL_S:
            raise ValueError(f"ttl_s must be within 1..{MAX_TTL_S}")
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.ttl_s = ttl_s

    def sign(self, caller: Caller, now: float | None = None) -> str:
        if caller.role not in ROLES:
            raise ValueError(f"unknown role {caller.role!r}")
        iat = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(caller.user_id),
            "cid": str(caller.creator_id),
            "org": str(caller.org_id),
            "role": caller.role,
            "iat": iat,
            "exp": iat + self.ttl_s,
        }
        if caller.request_id is not None:
            claims["rid"] = str(caller.request_id)
        if caller.shift_id is not None:
            claims["sft"] = str(caller.shift_id)
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})


def _header(token: str) -> dict[str, Any]:
    """The header, only to pick the key (PyJWT then parses the whole token strictly; its own
    header parser, run twice per token, cost more than the signature check)."""
    encoded = token.partition(".")[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (binascii.Error, ValueError):
        raise InvalidInternalToken("malformed token") from None
    if not isinstance(header, dict):
        raise InvalidInternalToken("malformed token")
    return header


_REASONS: list[tuple[type[Exception], str]] = [
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token issued in the future"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt.DecodeError, "malformed token"),
]
_REQUIRED = ["iss", "aud", "exp", "iat", "sub", "cid", "org", "role"]


class InternalTokenVerifier:
    """Verifies tokens (every service holds one): ``keys`` is ``"<kid>:<base64url public key>,..."``,
    several during a rotation."""

    def __init__(self, keys: str, *, leeway_s: int = LEEWAY_S) -> None:
        self.keys = parse_public_keys(keys)
        self.leeway_s = leeway_s
        self._verified: OrderedDict[str, tuple[Caller, float]] = OrderedDict()
        """Tokens already verified → (caller, expiry): a token the gateway reuses (its visitor token,
        signed every half-life) is checked once, not per request. Bounded, oldest dropped first."""

    def verify(self, token: str, now: float | None = None) -> Caller:
        if now is None:
            known = self._verified.get(token)
            if known is not None and time.time() <= known[1] + self.leeway_s:
                return known[0]
        caller, exp = self._verify(token, now)
        if now is None:
            self._verified[token] = (caller, exp)
            if len(self._verified) > VERIFIED_CACHE:
                self._verified.popitem(last=False)
        return caller

    def _verify(self, token: str, now: float | None) -> tuple[Caller, float]:
        header = _header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidInternalToken("algorithm not allowed")
        key = self.keys.get(header.get("kid")) if isinstance(header.get("kid"), str) else None
        if key is None:
            raise InvalidInternalToken("unknown key id")
        options: dict[str, Any] = {"require": _REQUIRED}
        if now is not None:  # tests: verify as of another time (PyJWT reads the clock itself)
            options["verify_exp"] = options["verify_iat"] = False
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=self.leeway_s,
                options=options,
            )
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidInternalToken(f"missing claim {exc.claim}") from None
        except jwt.PyJWTError as exc:
            reason = next((text for kind, text in _REASONS if isinstance(exc, kind)), "invalid token")
            raise InvalidInternalToken(reason) from None
        return self._caller(claims, time.time() if now is None else now), float(claims["exp"])

    def _caller(self, claims: dict[str, Any], now: float) -> Caller:
        iat, exp = claims["iat"], claims["exp"]
        if not isinstance(iat, int | float) or not isinstance(exp, int | float):
            raise InvalidInternalToken("malformed token")
        if exp - iat > MAX_TTL_S:
            raise InvalidInternalToken("token lives too long")
        if now > exp + self.leeway_s:
            raise InvalidInternalToken("token expired")
        if iat > now + self.leeway_s:
            raise InvalidInternalToken("token issued in the future")
        if claims["role"] not in ROLES:
            raise InvalidInternalToken("unknown role")
        try:
            return Caller(
                user_id=uuid.UUID(str(claims["sub"])),
                creator_id=uuid.UUID(str(claims["cid"])),
                org_id=uuid.UUID(str(claims["org"])),
                role=claims["role"],
                request_id=uuid.UUID(str(claims["rid"])) if claims.get("rid") is not None else None,
                shift_id=uuid.UUID(str(claims["sft"])) if claims.get("sft") is not None else None,
            )
        except ValueError:
            raise InvalidInternalToken("malformed token") from None
