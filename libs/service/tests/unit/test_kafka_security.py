"""Kafka TLS and SASL settings: read from the shared KAFKA_* variables, refused when incomplete,
turned into the options every aiokafka client of the chassis is built with."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

import pytest
from pydantic_settings import SettingsConfigDict

from huntaze_service import ServiceSettings, SettingsError, load_settings
from huntaze_service.kafka import KafkaSecurityError, load_kafka_security
from huntaze_service.outbox import new_producer


class ProbeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PROBE_", extra="ignore", frozen=True)
    service_name: str = "probe"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("PROTOCOL", "MECHANISM", "USERNAME", "PASSWORD", "CAFILE", "CERTFILE", "KEYFILE"):
        for var in (f"KAFKA_SECURITY_{name}", f"KAFKA_SASL_{name}", f"KAFKA_SSL_{name}"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("HUNTAZE_ENVIRONMENT", raising=False)
    return monkeypatch


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ca")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=huntaze-test-ca",
         "-keyout", str(folder / "ca.key"), "-out", str(folder / "ca.crt")],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder / "ca.crt"


def test_locally_kafka_is_plaintext_and_the_clients_get_no_credentials(clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings(ProbeSettings)
    assert settings.kafka_security.options() == {"security_protocol": "PLAINTEXT"}


async def test_sasl_ssl_gives_every_client_scram_credentials_and_a_context_trusting_the_ca(
    clean_env: pytest.MonkeyPatch, ca_file: Path
) -> None:
    clean_env.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    clean_env.setenv("KAFKA_SASL_USERNAME", "fans")
    clean_env.setenv("KAFKA_SASL_PASSWORD", "s3cret")
    clean_env.setenv("KAFKA_SSL_CAFILE", str(ca_file))
    settings = load_settings(ProbeSettings)
    options = settings.kafka_security.options()
    assert options["security_protocol"] == "SASL_SSL"
    assert (options["sasl_mechanism"], options["sasl_plain_username"], options["sasl_plain_password"]) == (
        "SCRAM-SHA-512",
        "fans",
        "s3cret",
    )
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext) and context.verify_mode is ssl.CERT_REQUIRED
    assert any(c["subject"] == ((("commonName", "huntaze-test-ca"),),) for c in context.get_ca_certs())
    assert "s3cret" not in repr(settings)  # the password never shows in logs or tracebacks
    producer = new_producer("127.0.0.1:1", "probe", **options)  # the options are ones aiokafka accepts
    assert producer.client._security_protocol == "SASL_SSL"
    assert producer.client._sasl_plain_username == "fans"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"),
        ({"KAFKA_SECURITY_PROTOCOL": "TLS"}, "KAFKA_SECURITY_PROTOCOL"),
        ({"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CAFILE": "/nowhere/ca.crt"}, "KAFKA_SSL_CAFILE"),
        ({"KAFKA_SASL_MECHANISM": "GSSAPI"}, "KAFKA_SASL_MECHANISM"),
    ],
)
def test_incomplete_or_wrong_kafka_security_refuses_to_start_naming_the_variable(
    clean_env: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for key, value in env.items():
        clean_env.setenv(key, value)
    with pytest.raises(KafkaSecurityError, match=named):
        load_kafka_security()
    with pytest.raises(SettingsError, match=f"probe refuses to start: .*{named}"):
        load_settings(ProbeSettings)
