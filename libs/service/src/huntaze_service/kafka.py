"""How every Kafka client of Huntaze connects: the services' producers and consumers, the analysts'
stream tool, the operators' re-drive.

Shared by every process (unprefixed variables), read from the environment:

    KAFKA_SECURITY_PROTOCOL   PLAINTEXT (local default) | SSL | SASL_PLAINTEXT | SASL_SSL
    KAFKA_SASL_MECHANISM      SCRAM-SHA-512 (default; Strimzi's KafkaUser) | SCRAM-SHA-256 | PLAIN
    KAFKA_SASL_USERNAME       the client's Kafka user (on Kubernetes: the service's KafkaUser)
    KAFKA_SASL_PASSWORD       its password (from the KafkaUser's Secret)
    KAFKA_SSL_CAFILE          PEM file of the CA that signed the brokers' certificates
    KAFKA_SSL_CERTFILE        client certificate (mutual TLS), with KAFKA_SSL_KEYFILE

In ``production`` the traffic must be encrypted (SSL or SASL_SSL): a service refuses to start
otherwise. Locally (``make run``, ``make test``) Kafka listens on 127.0.0.1 in PLAINTEXT.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import FilePath, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Protocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]


class KafkaSecurity(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore", frozen=True)

    security_protocol: Protocol = "PLAINTEXT"
    sasl_mechanism: Mechanism = "SCRAM-SHA-512"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: FilePath | None = None
    ssl_certfile: FilePath | None = None
    ssl_keyfile: FilePath | None = None

    @model_validator(mode="after")
    def _complete(self) -> KafkaSecurity:
        if self.uses_sasl and not (self.sasl_username and self.sasl_password):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={self.security_protocol} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
            )
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise ValueError("KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE go together (mutual TLS)")
        return self

    @property
    def uses_sasl(self) -> bool:
        return self.security_protocol.startswith("SASL_")

    @property
    def encrypted(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

    def options(self) -> dict[str, Any]:
        """Keyword arguments for every aiokafka client (producer, consumer, admin)."""
        options: dict[str, Any] = {"security_protocol": self.security_protocol}
        if self.uses_sasl:
            assert self.sasl_password is not None
            options |= {
                "sasl_mechanism": self.sasl_mechanism,
                "sasl_plain_username": self.sasl_username,
                "sasl_plain_password": self.sasl_password.get_secret_value(),
            }
        if self.encrypted:
            from aiokafka.helpers import create_ssl_context

            options["ssl_context"] = create_ssl_context(
                cafile=str(self.ssl_cafile) if self.ssl_cafile else None,
                certfile=str(self.ssl_certfile) if self.ssl_certfile else None,
                keyfile=str(self.ssl_keyfile) if self.ssl_keyfile else None,
            )
        return options


class KafkaSecurityError(ValueError):
    """The KAFKA_* security variables are wrong; the message names them."""


def load_kafka_security(**overrides: Any) -> KafkaSecurity:
    """Reads KAFKA_* security settings; raises :class:`KafkaSecurityError` naming the variables."""
    try:
        return KafkaSecurity(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = [str(p) for p in error.get("loc", ())]
            message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
            problems.append(f"KAFKA_{loc[0].upper()}: {message}" if loc else message)
        raise KafkaSecurityError("; ".join(problems)) from None
