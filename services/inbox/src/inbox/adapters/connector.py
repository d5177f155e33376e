"""Outbound connector port: hands an approved reply or offer to whatever delivers it to OnlyFans.

OnlyFans has no public API; the creator's connector (browser extension or agency tool) delivers.
``WebhookConnector`` POSTs the reply to the connector's URL; ``LoggingConnector`` only logs it (the
default when no URL is configured). A real OnlyFans connector replaces them behind the same port.

Delivery is at-least-once: a reply may be POSTed again after a crash, always with the same
``Idempotency-Key`` (one per approval), so the connector can drop the repeat. A 4xx answer (but 408
and 429) is a refusal, never retried; 429 is retried after its ``Retry-After``; 5xx, timeouts and
unreachable peers are retried.

Every request is signed (like Stripe's webhooks), so the connector can tell it came from us, intact
and recently: ``Huntaze-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>``
over the exact bytes of the body sent. A retry is signed anew (a fresh ``t``). The receiver's side,
with the tolerance it should apply, is :func:`huntaze_testkit.connector.verify_signature`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import httpx

log = logging.getLogger("inbox.connector")

SIGNATURE_HEADER = "Huntaze-Signature"


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """``t=<timestamp>,v1=<hex HMAC-SHA256 of b"<timestamp>." + body>``: the value of
    ``Huntaze-Signature`` for these exact body bytes."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


@dataclass(frozen=True)
class PaidTerms:
    """What makes an outbound message a paid one (PPV): locked until the fan pays ``price_cents``."""

    offer_id: uuid.UUID
    price_cents: int
    currency: str
    media_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class OutboundReply:
    draft_id: uuid.UUID | None
    creator_id: uuid.UUID
    conversation_id: uuid.UUID | None
    """None for a mass message's copy to a fan the creator never talked with."""
    fan_id: uuid.UUID
    fan_external_id: str
    text: str
    paid: PaidTerms | None = None
    """Set for an offer: the connector sends it locked, and reports its unlock with ``ref`` = offer id."""
    mass_message_id: uuid.UUID | None = None


class ConnectorError(Exception):
    """The connector did not accept the reply: retried, unless ``permanent`` (it refused it)."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after_s = retry_after_s


class OutboundConnector(Protocol):
    name: str

    async def send(self, reply: OutboundReply, *, idempotency_key: str) -> None: ...

    async def close(self) -> None: ...


class LoggingConnector:
    name = "log"

    async def send(self, reply: OutboundReply, *, idempotency_key: str) -> None:
        log.info(
            "no connector webhook configured: %s %s to fan %s not delivered anywhere",
            "offer" if reply.paid else "reply",
            reply.paid.offer_id if reply.paid else reply.draft_id,
            reply.fan_external_id,
            extra={"draft_id": str(reply.draft_id), "text": reply.text},
        )

    async def close(self) -> None:
        return None


class WebhookConnector:
    name = "webhook"

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float,
        signing_secret: str,
        secret: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not signing_secret:
            raise ValueError("the connector webhook needs a signing secret")
        headers = {"User-Agent": "huntaze-inbox/1", "Content-Type": "application/json"}
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
        self._url = url
        self._signing_secret = signing_secret
        self._clock = clock
        self._client = httpx.AsyncClient(timeout=timeout_s, headers=headers)

    async def send(self, reply: OutboundReply, *, idempotency_key: str) -> None:
        body: dict[str, object] = {
            "draft_id": None if reply.draft_id is None else str(reply.draft_id),
            "creator_id": str(reply.creator_id),
            "conversation_id": None if reply.conversation_id is None else str(reply.conversation_id),
            "fan": {"fan_id": str(reply.fan_id), "external_id": reply.fan_external_id},
            "text": reply.text,
        }
        if reply.mass_message_id is not None:
            body["mass_message_id"] = str(reply.mass_message_id)
        if reply.paid is not None:
            body["offer"] = {
                "offer_id": str(reply.paid.offer_id),
                "price_cents": reply.paid.price_cents,
                "currency": reply.paid.currency,
                "media_ids": [str(m) for m in reply.paid.media_ids],
            }
        raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "Idempotency-Key": idempotency_key,
            SIGNATURE_HEADER: signature_header(self._signing_secret, raw, int(self._clock())),
        }
        try:
            response = await self._client.post(self._url, content=raw, headers=headers)
        except httpx.HTTPError as exc:
            raise ConnectorError(f"connector unreachable: {exc!r}") from exc
        status = response.status_code
        if status < 300:
            return
        message = f"connector answered {status}: {response.text[:200]}"
        if status == 429:
            raise ConnectorError(message, retry_after_s=_seconds(response.headers.get("retry-after")))
        raise ConnectorError(message, permanent=400 <= status < 500 and status != 408)

    async def close(self) -> None:
        await self._client.aclose()


def _seconds(value: str | None) -> float | None:
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None
