"""The connector webhook is signed (``Huntaze-Signature``), and the settings refuse an unsigned or
clear-text webhook where it matters."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid

import pytest

from huntaze_service import SettingsError, load_settings
from huntaze_testkit.connector import ConnectorPeer, verify_signature
from inbox.adapters.connector import ConnectorError, OutboundReply, PaidTerms, WebhookConnector, signature_header
from inbox.bootstrap import connector_from_settings
from inbox.config import InboxSettings

SECRET = "whsec_0123456789"
BODY = b'{"text":"Hey Jake!"}'


def reply(text: str = "Hey Jake!") -> OutboundReply:
    ids = [uuid.uuid4() for _ in range(4)]
    return OutboundReply(*ids, fan_external_id="of_1", text=text)


def test_the_header_is_t_then_v1_the_hex_hmac_sha256_of_t_dot_body() -> None:
    header = signature_header(SECRET, BODY, 1_700_000_000)
    assert re.fullmatch(r"t=1700000000,v1=[0-9a-f]{64}", header), header
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify_signature(SECRET, header, BODY, now=1_700_000_000)


def test_a_tampered_body_a_wrong_secret_or_a_malformed_header_is_refused() -> None:
    now = int(time.time())
    header = signature_header(SECRET, BODY, now)
    assert verify_signature(SECRET, header, BODY)
    assert not verify_signature(SECRET, header, BODY.replace(b"Jake", b"Jack"))
    assert not verify_signature(SECRET, header, BODY + b" ")
    assert not verify_signature("another secret", header, BODY)
    for bad in (None, "", "v1=abc", f"t={now}", f"t=x,v1={header.split('v1=')[1]}", header.replace("v1=", "v0=")):
        assert not verify_signature(SECRET, bad, BODY), bad


def test_a_stale_or_future_timestamp_is_refused_a_rotated_secret_accepted() -> None:
    now = 1_700_000_000
    assert verify_signature(SECRET, signature_header(SECRET, BODY, now - 300), BODY, now=now)
    assert not verify_signature(SECRET, signature_header(SECRET, BODY, now - 301), BODY, now=now)
    assert not verify_signature(SECRET, signature_header(SECRET, BODY, now + 301), BODY, now=now)
    assert not verify_signature(SECRET, signature_header(SECRET, BODY, now - 60), BODY, tolerance_s=30, now=now)
    old = signature_header("old secret", BODY, now)
    both = f"{signature_header(SECRET, BODY, now)},v1={old.split('v1=')[1]}"
    assert verify_signature("old secret", both, BODY, now=now) and verify_signature(SECRET, both, BODY, now=now)


async def test_the_bytes_signed_are_the_bytes_sent() -> None:
    with ConnectorPeer(SECRET) as peer:
        connector = WebhookConnector(peer.url, timeout_s=5, signing_secret=SECRET)
        await connector.send(reply('Ça va? 😘 "quotes" and\nlines'), idempotency_key="k")
        await connector.close()
    (request,) = peer.server.requests
    assert verify_signature(SECRET, request["headers"]["huntaze-signature"], request["raw"])
    assert peer.replies[0]["text"] == 'Ça va? 😘 "quotes" and\nlines' and not peer.refused


async def test_an_offer_reaches_the_connector_signed_with_its_paid_terms_and_no_draft() -> None:
    offer_id, media = uuid.uuid4(), [uuid.uuid4(), uuid.uuid4()]
    ids = [uuid.uuid4() for _ in range(3)]
    offer = OutboundReply(None, *ids, "of_1", "the full set", PaidTerms(offer_id, 1500, "USD", tuple(media)))
    with ConnectorPeer(SECRET) as peer:
        connector = WebhookConnector(peer.url, timeout_s=5, signing_secret=SECRET)
        await connector.send(offer, idempotency_key=str(offer_id))
        await connector.close()
    (request,) = peer.server.requests
    assert request["headers"]["idempotency-key"] == str(offer_id)
    (body,) = peer.replies
    assert body["draft_id"] is None and body["text"] == "the full set"
    assert body["offer"] == {
        "offer_id": str(offer_id),
        "price_cents": 1500,
        "currency": "USD",
        "media_ids": [str(m) for m in media],
    }


async def test_a_peer_refuses_a_wrong_secret_or_a_stale_signature_with_401_a_refusal_for_the_inbox() -> None:
    with ConnectorPeer(SECRET) as peer:
        wrong = WebhookConnector(peer.url, timeout_s=5, signing_secret="not the connector's")
        stale = WebhookConnector(peer.url, timeout_s=5, signing_secret=SECRET, clock=lambda: time.time() - 600)
        for connector in (wrong, stale):
            with pytest.raises(ConnectorError, match="401") as raised:
                await connector.send(reply(), idempotency_key="k")
            await connector.close()
            assert raised.value.permanent
    assert len(peer.refused) == 2 and not peer.replies


async def test_the_settings_secret_signs_what_the_inbox_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    with ConnectorPeer(SECRET) as peer:
        monkeypatch.setenv("INBOX_CONNECTOR_WEBHOOK_URL", peer.url)
        monkeypatch.setenv("INBOX_CONNECTOR_SIGNING_SECRET", SECRET)
        connector = connector_from_settings(load_settings(InboxSettings, environment="test"))
        await connector.send(reply(), idempotency_key="k")
        await connector.close()
    assert len(peer.replies) == 1 and not peer.refused


PRODUCTION = {
    "environment": "production",
    "database_url": "postgresql+psycopg://inbox@db/inbox",
    "kafka_bootstrap_servers": "kafka:9093",
    "internal_token_keys": "",
}


def production(monkeypatch: pytest.MonkeyPatch, **values: str) -> InboxSettings:
    from huntaze_service import new_key_pair

    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SSL")
    _, public = new_key_pair("k1")
    return load_settings(InboxSettings, **{**PRODUCTION, "internal_token_keys": public, **values})


def test_production_requires_the_signing_secret_and_an_https_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SettingsError, match="INBOX_CONNECTOR_SIGNING_SECRET"):
        production(monkeypatch)
    with pytest.raises(SettingsError, match="INBOX_CONNECTOR_WEBHOOK_URL must be https://"):
        production(monkeypatch, connector_signing_secret=SECRET, connector_webhook_url="http://connector.example/hook")
    settings = production(
        monkeypatch, connector_signing_secret=SECRET, connector_webhook_url="https://connector.example/hook"
    )
    assert settings.connector_webhook_url == "https://connector.example/hook"


def test_local_runs_accept_http_but_never_an_unsigned_webhook() -> None:
    for environment in ("local", "test"):
        settings = load_settings(
            InboxSettings,
            environment=environment,
            connector_webhook_url="http://127.0.0.1:9999/hook",
            connector_signing_secret=SECRET,
        )
        assert settings.connector_webhook_url == "http://127.0.0.1:9999/hook"
        with pytest.raises(SettingsError, match="INBOX_CONNECTOR_SIGNING_SECRET is required"):
            load_settings(InboxSettings, environment=environment, connector_webhook_url="http://127.0.0.1:9999/hook")
        with pytest.raises(SettingsError, match="https://"):
            load_settings(
                InboxSettings,
                environment=environment,
                connector_webhook_url="ftp://127.0.0.1/hook",
                connector_signing_secret=SECRET,
            )
    assert load_settings(InboxSettings, environment="local").connector_signing_secret is None  # no webhook: logged
