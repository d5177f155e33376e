"""The gateway refuses to start in production without its keys or its Kafka (it publishes its outbox),
and with unsafe CORS."""

from __future__ import annotations

import pytest

from gateway.config import GatewaySettings
from gateway.routing import ROUTES
from huntaze_service import SettingsError, load_settings, new_key_pair

PRODUCTION = {
    "HUNTAZE_ENVIRONMENT": "production",
    "GATEWAY_DATABASE_URL": "postgresql+psycopg://gateway@db/gateway",
    "KAFKA_BOOTSTRAP_SERVERS": "kafka.internal:9093",
    "KAFKA_SECURITY_PROTOCOL": "SSL",
    **{f"GATEWAY_ROUTES__{n.upper()}": f"https://{n}.internal" for n in ROUTES},
}


def production(monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    for name in ("GATEWAY_JWT_SECRET", "GATEWAY_INTERNAL_SIGNING_KEY", "GATEWAY_KAFKA_BOOTSTRAP_SERVERS"):
        monkeypatch.delenv(name, raising=False)  # a sourced local env file sets some of them
    for name, value in {**PRODUCTION, **extra}.items():
        monkeypatch.setenv(name, value)


def test_production_needs_the_token_secret_and_the_internal_signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch, HUNTAZE_INTERNAL_TOKEN_KEYS=new_key_pair()[1])
    with pytest.raises(SettingsError) as refused:
        load_settings(GatewaySettings)
    assert "GATEWAY_JWT_SECRET" in str(refused.value) and "GATEWAY_INTERNAL_SIGNING_KEY" in str(refused.value)
    signing, public = new_key_pair()
    monkeypatch.setenv("GATEWAY_JWT_SECRET", "new-" + "k" * 60 + ",old-" + "k" * 60)
    monkeypatch.setenv("GATEWAY_INTERNAL_SIGNING_KEY", signing)
    settings = load_settings(GatewaySettings)
    assert settings.jwt_keys() == ["new-" + "k" * 60, "old-" + "k" * 60] and settings.jwt_ttl_s == 900


def test_production_needs_kafka_now_that_the_gateway_publishes_events(monkeypatch: pytest.MonkeyPatch) -> None:
    signing, _ = new_key_pair()
    production(monkeypatch, GATEWAY_JWT_SECRET="k" * 64, GATEWAY_INTERNAL_SIGNING_KEY=signing)
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS")
    with pytest.raises(SettingsError, match="KAFKA_BOOTSTRAP_SERVERS"):
        load_settings(GatewaySettings)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka.internal:9093")
    assert load_settings(GatewaySettings).kafka_bootstrap_servers == "kafka.internal:9093"


def test_cors_wildcard_with_credentials_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_CORS_ORIGINS", '["*"]')
    monkeypatch.setenv("GATEWAY_CORS_ALLOW_CREDENTIALS", "true")
    with pytest.raises(SettingsError, match="CORS"):
        load_settings(GatewaySettings)
    monkeypatch.setenv("GATEWAY_CORS_ALLOW_CREDENTIALS", "false")
    assert load_settings(GatewaySettings).cors_origins == ["*"]
