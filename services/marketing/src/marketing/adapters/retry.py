"""What the networks' answers say about retrying: ``Retry-After`` in seconds."""

from __future__ import annotations

import httpx


def retry_after(response: httpx.Response) -> float | None:
    """The seconds a ``Retry-After`` header asks for (None: absent or not a number)."""
    try:
        return max(float(response.headers["retry-after"]), 0.0)
    except (KeyError, ValueError):
        return None
