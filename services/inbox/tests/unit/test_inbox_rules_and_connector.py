from __future__ import annotations

import uuid
from typing import Any

import pytest

from huntaze_testkit.connector import ConnectorPeer
from inbox.adapters.connector import ConnectorError, OutboundReply, WebhookConnector
from inbox.domain import DraftNotApprovable, DraftStatus, check_approvable, clean_text


def test_only_a_drafted_reply_can_be_approved() -> None:
    check_approvable(DraftStatus.DRAFTED)
    check_approvable(DraftStatus.FAILED)
    for status in (DraftStatus.APPROVED, DraftStatus.SENT):
        with pytest.raises(DraftNotApprovable, match=status.value):
            check_approvable(status)


def test_text_is_trimmed_and_must_be_non_empty_and_bounded() -> None:
    assert clean_text("  hi  ") == "hi"
    with pytest.raises(ValueError, match="empty"):
        clean_text(" \n ")
    with pytest.raises(ValueError, match="4000"):
        clean_text("x" * 4001)


def reply() -> OutboundReply:
    return OutboundReply(
        draft_id=uuid.uuid4(),
        creator_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        fan_id=uuid.uuid4(),
        fan_external_id="of_1",
        text="Hey Jake!",
    )


SIGNING = "whsec_test"


async def test_webhook_connector_posts_the_reply_signed_with_an_idempotency_key() -> None:
    with ConnectorPeer(SIGNING) as peer:
        connector = WebhookConnector(peer.url, timeout_s=5, signing_secret=SIGNING, secret="s3cret")
        await connector.send(reply(), idempotency_key="approval-1")
        await connector.close()
    (request,) = peer.server.requests
    assert request["method"] == "POST" and request["path"] == "/connector/replies"
    assert request["headers"]["idempotency-key"] == "approval-1"
    assert request["headers"]["authorization"] == "Bearer s3cret"
    assert request["headers"]["content-type"] == "application/json"
    assert request["headers"]["huntaze-signature"].startswith("t=")
    (body,) = peer.replies  # the peer verified the signature before taking it
    assert body["text"] == "Hey Jake!" and body["fan"]["external_id"] == "of_1"


@pytest.mark.parametrize("status,permanent", [(503, False), (500, False), (408, False), (400, True), (403, True)])
async def test_webhook_connector_tells_a_refusal_from_a_failure_worth_retrying(status: int, permanent: bool) -> None:
    with ConnectorPeer(SIGNING, status=status) as peer:
        connector = WebhookConnector(peer.url, timeout_s=5, signing_secret=SIGNING)
        with pytest.raises(ConnectorError, match=str(status)) as raised:
            await connector.send(reply(), idempotency_key="k")
        await connector.close()
    assert raised.value.permanent is permanent and not peer.refused


async def test_webhook_connector_honours_retry_after_and_reports_an_unreachable_peer() -> None:
    with ConnectorPeer(SIGNING, status=429, headers={"Retry-After": "7"}) as peer:
        connector = WebhookConnector(peer.url, timeout_s=5, signing_secret=SIGNING)
        with pytest.raises(ConnectorError) as raised:
            await connector.send(reply(), idempotency_key="k")
        await connector.close()
    assert raised.value.retry_after_s == 7 and not raised.value.permanent
    connector = WebhookConnector("http://127.0.0.1:9", timeout_s=1, signing_secret=SIGNING)
    with pytest.raises(ConnectorError, match="unreachable") as raised:
        await connector.send(reply(), idempotency_key="k")
    await connector.close()
    assert not raised.value.permanent


@pytest.mark.parametrize(
    "body",
    [
        {"fan": {"external_id": "of_1", "display_name": "Jake"}, "text": "\x00x"},
        {"fan": {"external_id": "of\x001", "display_name": "Jake"}, "text": "hi"},
        {"fan": {"external_id": "of_1", "display_name": "Ja\x00ke"}, "text": "hi"},
        {"fan": {"external_id": "of_1", "display_name": "Jake"}, "text": "hi", "external_id": "m\x00"},
    ],
)
def test_a_nul_character_is_refused_before_the_insert_it_would_fail(body: dict[str, Any]) -> None:
    """Found by schemathesis: a NUL in a message reached PostgreSQL, which refused it (a 500)."""
    from pydantic import ValidationError

    from inbox.api.models import ApproveIn, MessageIn

    with pytest.raises(ValidationError, match="NUL"):
        MessageIn.model_validate(body)
    with pytest.raises(ValidationError, match="NUL"):
        ApproveIn.model_validate({"text": "ok\x00"})


def test_a_message_without_an_external_id_is_taken() -> None:
    """Found by schemathesis: the NUL check of ``external_id`` failed on ``null`` (a 500)."""
    from inbox.api.models import MessageIn

    body = {"fan": {"external_id": "of_1", "display_name": "Jake"}, "text": "hi", "external_id": None}
    assert MessageIn.model_validate(body).external_id is None
