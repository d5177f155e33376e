from __future__ import annotations

import uuid
from typing import Any

import pytest

from huntaze_testkit import LocalHTTPServer
from inbox.adapters.connector import ConnectorError, OutboundReply, WebhookConnector
from inbox.domain import DraftNotApprovable, DraftStatus, check_approvable, clean_text


def test_only_a_drafted_reply_can_be_approved() -> None:
    check_approvable(DraftStatus.DRAFTED)
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


async def test_webhook_connector_posts_the_reply_with_an_idempotency_key() -> None:
    with LocalHTTPServer(lambda *_: (202, {"ok": True})) as peer:
        connector = WebhookConnector(peer.url + "/hook", timeout_s=5, secret="s3cret")
        r = reply()
        await connector.send(r)
        await connector.close()
    (request,) = peer.requests
    assert request["method"] == "POST" and request["path"] == "/hook"
    assert request["headers"]["idempotency-key"] == str(r.draft_id)
    assert request["headers"]["authorization"] == "Bearer s3cret"
    assert request["body"]["text"] == "Hey Jake!" and request["body"]["fan"]["external_id"] == "of_1"


async def test_webhook_connector_raises_on_refusal_and_on_an_unreachable_peer() -> None:
    def refuse(*_: Any) -> tuple[int, Any]:
        return 503, {"error": "busy"}

    with LocalHTTPServer(refuse) as peer:
        connector = WebhookConnector(peer.url, timeout_s=5)
        with pytest.raises(ConnectorError, match="503"):
            await connector.send(reply())
        await connector.close()
    connector = WebhookConnector("http://127.0.0.1:9", timeout_s=1)
    with pytest.raises(ConnectorError, match="unreachable"):
        await connector.send(reply())
    await connector.close()
