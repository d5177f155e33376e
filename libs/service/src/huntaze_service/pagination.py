"""Opaque keyset cursors for list endpoints (stable under inserts, unlike offsets)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Query

from .http import ApiError

Limit = Annotated[int, Query(ge=1, le=200, description="Page size (1-200).")]
Cursor = Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page.")]


def encode_cursor(*values: Any) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else str(v) for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "cursor is not valid; use next_cursor from a previous page") from None
    if not isinstance(values, list) or len(values) != arity or not all(isinstance(v, str) for v in values):
        raise ApiError(422, "cursor is not valid; use next_cursor from a previous page")
    return values


def decode_time_id_cursor(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The (timestamp, id) position of a keyset over ``ORDER BY ts DESC, id DESC``."""
    if not cursor:
        return None
    at, ident = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(at), uuid.UUID(ident)
    except ValueError:
        raise ApiError(422, "cursor is not valid; use next_cursor from a previous page") from None
