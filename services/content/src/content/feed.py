"""The calendar's private iCalendar feed: one secret token per (creator account, user).

The token is the credential of a URL that calendar apps poll without signing in
(``<gateway>/v1/calendar.ics?token=...``): 32 random bytes (``secrets.token_urlsafe(32)``, 43
characters), shown once when made; only its SHA-256 is stored, so a copy of the database does not
open anyone's feed. Making a new one replaces the old (which stops working at once); revoking deletes
it. An unknown token and a revoked one are the same: not found.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

TOKEN_BYTES = 32
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{43}$"
"""What ``secrets.token_urlsafe(32)`` gives; anything else is not a token (404 without a look-up)."""
_TOKEN = re.compile(TOKEN_PATTERN)
FEED_TOKEN_HEADER = "x-feed-token"
"""How the gateway hands the token to the content service: a header, not the URL (kept out of traces)."""

WINDOW_BACK = timedelta(days=30)
WINDOW_AHEAD = timedelta(days=180)
MAX_FEED_EVENTS = 2000
"""The feed holds what is between 30 days ago and 180 days ahead, at most this many entries (the
earliest first): calendar apps poll it often, it stays small."""
LAST_USED_EVERY = timedelta(minutes=1)
"""``last_used_at`` is written at most once a minute per feed (a poll is not a write each time)."""


@dataclass(frozen=True)
class Feed:
    creator_id: uuid.UUID
    user_id: uuid.UUID
    created_at: datetime
    last_used_at: datetime | None


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii")).digest()


def looks_like_token(token: str | None) -> bool:
    return bool(token) and _TOKEN.match(token or "") is not None


def feed_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/v1/calendar.ics?token={token}"


def window(now: datetime) -> tuple[datetime, datetime]:
    return now - WINDOW_BACK, now + WINDOW_AHEAD
