"""Secrets a service must read back (social-network credentials, webhook signing secrets), encrypted
at rest with keys from settings and never returned by an API after their creation.

Fernet (the ``cryptography`` package: AES-128-CBC with HMAC-SHA256, authenticated, with a timestamp)
through ``MultiFernet``: a setting lists keys, the first encrypts, all decrypt, so a key is rotated by
putting a new one first and re-sealing (:meth:`SealedBox.rotate`). A token that no key opens raises
:class:`Unreadable`, never returns garbage.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class Unreadable(Exception):
    """A sealed value no configured key opens (a key was dropped before re-sealing)."""


def new_key() -> str:
    """A fresh key for a ``…_KEYS`` setting (local runs make theirs with it)."""
    return Fernet.generate_key().decode()


class SealedBox:
    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise ValueError("at least one key is needed (Fernet.generate_key())")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in parts])
        except ValueError as exc:
            raise ValueError(f"a key is not a Fernet key: {exc}") from None

    def seal(self, secret: bytes) -> bytes:
        return self._fernet.encrypt(secret)

    def open(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise Unreadable("no configured key opens this sealed value") from None

    def rotate(self, token: bytes) -> bytes:
        """The same secret under the first key."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken:
            raise Unreadable("no configured key opens this sealed value") from None
