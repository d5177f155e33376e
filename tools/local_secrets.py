"""The secrets of local runs (make run, make test), made once per infrastructure profile into its data
folder (files 0600), never in the repository: the gateway's access-token key, the internal token's
Ed25519 key pair the key that encrypts social-account credentials and the one that seals webhook secrets. A value already set in the environment wins (a signing key given alone brings its
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


def fernet_key(data: Path, variable: str, file_name: str) -> dict[str, str]:
    """A Fernet key in <data>/<file_name>, the same across restarts so that what it sealed stays
    readable: social-account credentials (marketing), webhook signing secrets (notifications)."""
    if os.environ.get(variable):
        return {}
    key_file = data / file_name
    if not key_file.exists():
        from cryptography.fernet import Fernet

        _private_file(key_file, Fernet.generate_key().decode())
    return {variable: key_file.read_text().strip()}


def local_secrets(data: Path) -> dict[str, str]:
    return (
        jwt_secret(data)
        | internal_token_keys(data)
        | fernet_key(data, "MARKETING_CREDENTIALS_KEYS", "marketing_credentials_key")
        | fernet_key(data, "NOTIFICATIONS_SECRETS_KEYS", "notifications_secrets_key")
    )
