"""Social-account credentials, encrypted at rest with a key from settings (never returned by the API).

Fernet (the ``cryptography`` package: AES-128-CBC with HMAC-SHA256, authenticated, with a timestamp)
through ``MultiFernet``: ``MARKETING_CREDENTIALS_KEYS`` lists keys, the first encrypts, all decrypt,
so a key is rotated by putting a new one first and re-encrypting (:func:`rotate`). A token that does
not decrypt with any key raises :class:`CredentialsUnreadable`, never returns garbage.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class CredentialsUnreadable(Exception):
    """Stored credentials no configured key decrypts (a key was dropped before re-encryption)."""


class Vault:
    def __init__(self, keys: str) -> None:
        parts = [k.strip() for k in keys.split(",") if k.strip()]
        if not parts:
            raise ValueError("at least one credentials key is needed (Fernet.generate_key())")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in parts])
        except ValueError as exc:
            raise ValueError(f"a credentials key is not a Fernet key: {exc}") from None

    def seal(self, credentials: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(credentials, sort_keys=True).encode())

    def open(self, token: bytes) -> dict[str, Any]:
        try:
            return dict(json.loads(self._fernet.decrypt(token)))
        except InvalidToken:
            raise CredentialsUnreadable("no configured key decrypts these credentials") from None

    def rotate(self, token: bytes) -> bytes:
        """The same credentials under the first key."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken:
            raise CredentialsUnreadable("no configured key decrypts these credentials") from None
