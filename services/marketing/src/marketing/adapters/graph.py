"""The Instagram Graph API's answers, read the same way by every call of the Instagram adapter:
errors as CallFailed (refused, or retried — after ``Retry-After`` when given), captions compared
and media timestamps (``2026-11-02T20:00:05+0000``) read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from huntaze_service import CallFailed

from .retry import retry_after

TOKEN_REFUSED = {102, 190}
"""Session key invalid, access token expired or revoked."""
RATE_LIMITS = {4, 9, 17, 32, 613}
"""Application, publishing (posts per 24 h), user, page and custom rate limits."""
RETRYABLE_SUBCODES = {2207001, 2207003, 2207020, 2207027, 2207032, 2207053}
"""Server error, download timeout, container expired, media not ready, create failed, upload failed."""
REFUSED_SUBCODES = {2207051}
"""Activity restricted as spam (under code 4, which is otherwise a rate limit)."""


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def graph_failure(network: str, response: httpx.Response, body: Any) -> CallFailed:
    status = response.status_code
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        text = f"{network}: {status}: {response.text[:300]}"
        if status == 429 or status >= 500:
            return CallFailed(text, retry_after_s=retry_after(response))
        return CallFailed(text, permanent=True)
    code, sub = _int(error.get("code")), _int(error.get("error_subcode"))
    reason = str(error.get("error_user_msg") or error.get("message") or "")[:300]
    described = f"{network}: {reason} (code {code}{f', subcode {sub}' if sub else ''})"
    if code in TOKEN_REFUSED:
        return CallFailed(f"{network}: the account's token was refused (expired or revoked): {reason}", permanent=True)
    if sub in REFUSED_SUBCODES:
        return CallFailed(described, permanent=True)
    if code in RATE_LIMITS or status == 429:
        return CallFailed(f"{network}: rate limited: {reason}", retry_after_s=retry_after(response))
    if error.get("is_transient") is True or code in (1, 2) or sub in RETRYABLE_SUBCODES or status >= 500:
        return CallFailed(described, retry_after_s=retry_after(response))
    return CallFailed(described, permanent=True)


def same_caption(ours: str, theirs: Any) -> bool:
    return isinstance(theirs, str) and " ".join(ours.split()) == " ".join(theirs.split())


def timestamp(value: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return None
