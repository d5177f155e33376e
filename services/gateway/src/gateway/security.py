"""Passwords (argon2id), access tokens (JWT, HS256, with a key id) and opaque secrets.

Access tokens are short-lived (15 min by default) and name the session (``sid``: the refresh-token
family) so that log-out and a password change end them at once. The signing key is the first of
``GATEWAY_JWT_SECRET`` (a comma-separated list): the others still verify, so a key rotates by
prepending the new one and dropping the old one a token lifetime later. Each key's id (``kid``) is
derived from the key itself, so no second setting can disagree with it.

Refresh tokens, invitation tokens and connector keys are random 256-bit secrets: stored as their
SHA-256 (they carry all their entropy; a slow hash would only cost time), compared in constant time.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cachetools import TTLCache

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-constant-time")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


@dataclass(frozen=True)
class Principal:
    """The person behind an access token: who, and which session."""

    user_id: uuid.UUID
    session_id: uuid.UUID


class InvalidToken(Exception):
    pass


def key_id(secret: str) -> str:
    return hashlib.sha256(b"huntaze-jwt-kid:" + secret.encode()).hexdigest()[:16]


ALGORITHM = "HS256"


class TokenCodec:
    def __init__(self, secrets_: list[str], *, issuer: str, audience: str, ttl_s: int) -> None:
        if not secrets_:
            raise ValueError("at least one signing key")
        self._keys = {key_id(s): s for s in secrets_}
        self._signing = secrets_[0]
        self._issuer = issuer
        self._audience = audience
        self.ttl_s = ttl_s
        # a client sends the same access token for up to 15 minutes: its signature and claims are
        # checked once, then its expiry on every use (PyJWT's decode costs ~175 µs here)
        self._verified: TTLCache[str, tuple[Principal, int]] = TTLCache(maxsize=100_000, ttl=60)

    def issue(self, principal: Principal, now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "sub": str(principal.user_id),
            "sid": str(principal.session_id),
            "iss": self._issuer,
            "aud": self._audience,
            "iat": issued,
            "exp": issued + self.ttl_s,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._signing, algorithm=ALGORITHM, headers={"kid": key_id(self._signing)})

    def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            principal, expires = known
            if time.time() < expires:
                return principal
            raise InvalidToken("token expired")
        principal, expires = self._decode(token)
        self._verified[token] = (principal, expires)
        return principal

    def _decode(self, token: str) -> tuple[Principal, int]:
        try:
            header = jwt.get_unverified_header(token)
            secret = self._keys.get(str(header.get("kid")))
            if secret is None or header.get("alg") != ALGORITHM:
                raise InvalidToken("invalid token")
            claims = jwt.decode(
                token,
                secret,
                algorithms=[ALGORITHM],  # pinned: "none" and every other algorithm are refused
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["sub", "sid", "exp", "iat", "iss", "aud"]},
            )
            return Principal(uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"])), int(claims["exp"])
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token expired") from None
        except (jwt.InvalidTokenError, ValueError, KeyError, TypeError):
            raise InvalidToken("invalid token") from None


# Opaque secrets: refresh tokens, invitations, connector keys ------------------------------------


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_digest(secret: str, stored: str) -> bool:
    return hmac.compare_digest(digest(secret), stored)


CONNECTOR_KEY_PREFIX = "hzk_"


def connector_key(key_id_: uuid.UUID, secret: str) -> str:
    """What the connector sends as its bearer: ``hzk_<key id>_<secret>`` (the id finds the row)."""
    return f"{CONNECTOR_KEY_PREFIX}{key_id_.hex}_{secret}"


def parse_connector_key(value: str) -> tuple[uuid.UUID, str] | None:
    if not value.startswith(CONNECTOR_KEY_PREFIX):
        return None
    ident, _, secret = value[len(CONNECTOR_KEY_PREFIX) :].partition("_")
    try:
        return uuid.UUID(hex=ident), secret
    except ValueError:
        return None
