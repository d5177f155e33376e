"""Credentials are sealed with the first key, opened with any, rotated to the first; a token no key
opens is an error, never garbage; nothing readable is stored."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from marketing.credentials import CredentialsUnreadable, Vault

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_sealed_credentials_are_unreadable_and_open_again() -> None:
    vault = Vault(OLD)
    token = vault.seal({"access_token": "EAAG-secret-123", "ig_user_id": "1784"})
    assert b"EAAG-secret-123" not in token and b"access_token" not in token
    assert vault.open(token) == {"access_token": "EAAG-secret-123", "ig_user_id": "1784"}


def test_rotation_keeps_old_tokens_readable_and_moves_them_to_the_new_key() -> None:
    token = Vault(OLD).seal({"access_token": "a"})
    both = Vault(f"{NEW},{OLD}")
    assert both.open(token) == {"access_token": "a"}
    rotated = both.rotate(token)
    assert Vault(NEW).open(rotated) == {"access_token": "a"}
    with pytest.raises(CredentialsUnreadable):
        Vault(NEW).open(token)


def test_bad_keys_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Vault(" , ")
    with pytest.raises(ValueError, match="not a Fernet key"):
        Vault("not-a-key")
