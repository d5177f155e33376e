"""The local broker's SASL_SSL listener material (tools/infra.py uses it): a CA and the broker's
certificate for 127.0.0.1 made with openssl, and SCRAM passwords for its users — all in one folder
of the profile's data (`.data/<profile>/kafka-auth`), private files mode 600."""

from __future__ import annotations

import json
import secrets
import subprocess
from pathlib import Path


def new_users(folder: Path, users: list[str]) -> dict[str, str]:
    """Fresh SCRAM passwords for every user, kept in ``users.json`` for the tests."""
    passwords = {user: secrets.token_urlsafe(18) for user in users}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "users.json"
    path.write_text(json.dumps(passwords, indent=1))
    path.chmod(0o600)
    return passwords


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def broker_keystore(folder: Path) -> Path:
    """The broker's PEM key store (private key + certificate signed by a local CA), made once per
    data folder; ``ca.crt`` beside it is what clients trust."""
    keystore = folder / "broker.pem"
    if keystore.exists():
        return keystore
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca_crt = str(folder / "ca.key"), str(folder / "ca.crt")
    key, csr, crt, san = (str(folder / n) for n in ("broker.key", "broker.csr", "broker.crt", "san.ext"))
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=huntaze-local-kafka-ca",
             "-keyout", ca_key, "-out", ca_crt)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", csr)
    Path(san).write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial", "-days", "3650",
             "-extfile", san, "-out", crt)  # fmt: skip
    keystore.write_text(Path(key).read_text() + Path(crt).read_text())
    for secret in ("ca.key", "broker.key", "broker.pem"):
        (folder / secret).chmod(0o600)
    return keystore
