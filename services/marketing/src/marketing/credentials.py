"""Social-account credentials, encrypted at rest with ``MARKETING_CREDENTIALS_KEYS`` (never returned
by the API): a JSON object sealed by the chassis' :class:`~huntaze_service.sealing.SealedBox` (Fernet,
key rotation by listing a new key first and re-sealing with :meth:`Vault.rotate`). A token that no key
opens raises :class:`CredentialsUnreadable`, never returns garbage.
"""

from __future__ import annotations

import json
from typing import Any

from huntaze_service.sealing import SealedBox, Unreadable


class CredentialsUnreadable(Exception):
    """Stored credentials no configured key decrypts (a key was dropped before re-encryption)."""


class Vault:
    def __init__(self, keys: str) -> None:
        try:
            self._box = SealedBox(keys)
        except ValueError as exc:
            raise ValueError(f"credentials keys: {exc}") from None

    def seal(self, credentials: dict[str, Any]) -> bytes:
        return self._box.seal(json.dumps(credentials, sort_keys=True).encode())

    def open(self, token: bytes) -> dict[str, Any]:
        try:
            return dict(json.loads(self._box.open(token)))
        except Unreadable:
            raise CredentialsUnreadable("no configured key decrypts these credentials") from None

    def rotate(self, token: bytes) -> bytes:
        """The same credentials under the first key."""
        try:
            return self._box.rotate(token)
        except Unreadable:
            raise CredentialsUnreadable("no configured key decrypts these credentials") from None
