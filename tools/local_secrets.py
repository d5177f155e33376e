"""The secrets of local runs (make run, make test), made once per infrastructure profile into its data
folder (files 0600), never in the repository: the gateway's access-token key, the internal token's
Ed25519 key pair and the key that encrypts social-account credentials. A value already set in the environment wins (a signing key given alone brings its
own public key). Production sets them from its secret store; the services refuse to start without."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path


def _private_file(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(content)
    path.chmod(0o600)


def jwt_secret(data: Path) -> dict[str, str]:
    if os.environ.get("GATEWAY_JWT_SECRET"):
        return {}
    secret_file = data / "gateway_jwt_secret"
    if not secret_file.exists():
        _private_file(secret_file, secrets.token_urlsafe(48))
    return {"GATEWAY_JWT_SECRET": secret_file.read_text().strip()}


def internal_token_keys(data: Path) -> dict[str, str]:
    """The gateway's internal token key pair (huntaze_service.internal_token), in
    <data>/internal_token_key.json."""
    from huntaze_service.internal_token import new_key_pair, public_key_of

    signing = os.environ.get("GATEWAY_INTERNAL_SIGNING_KEY")
    if not signing:
        key_file = data / "internal_token_key.json"
        if not key_file.exists():
            _private_file(key_file, json.dumps(dict(zip(("signing", "public"), new_key_pair(), strict=True))) + "\n")
        signing = json.loads(key_file.read_text())["signing"]
    public = os.environ.get("HUNTAZE_INTERNAL_TOKEN_KEYS") or public_key_of(signing)
    return {"GATEWAY_INTERNAL_SIGNING_KEY": signing, "HUNTAZE_INTERNAL_TOKEN_KEYS": public}


def marketing_credentials_keys(data: Path) -> dict[str, str]:
    """The key that encrypts social-account credentials at rest (a Fernet key), in
    <data>/marketing_credentials_key: the same across restarts, so stored credentials stay readable."""
    if os.environ.get("MARKETING_CREDENTIALS_KEYS"):
        return {}
    key_file = data / "marketing_credentials_key"
    if not key_file.exists():
        from cryptography.fernet import Fernet

        _private_file(key_file, Fernet.generate_key().decode())
    return {"MARKETING_CREDENTIALS_KEYS": key_file.read_text().strip()}


def local_secrets(data: Path) -> dict[str, str]:
    return jwt_secret(data) | internal_token_keys(data) | marketing_credentials_keys(data)
