"""Feed tokens: random, URL-safe, stored as a digest only; a new one replaces the old, a revoked one
is gone, and the feed window holds what is near."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta

from content.feed import (
    TOKEN_PATTERN,
    feed_url,
    looks_like_token,
    new_token,
    token_digest,
    window,
)
from content.feed_ports import Entry

from .fake_feed import FakeFeed

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
CREATOR, USER = uuid.uuid4(), uuid.uuid4()


def test_tokens_are_random_url_safe_and_only_their_digest_is_kept() -> None:
    tokens = {new_token() for _ in range(500)}
    assert len(tokens) == 500 and all(re.match(TOKEN_PATTERN, t) and looks_like_token(t) for t in tokens)
    token = next(iter(tokens))
    assert token_digest(token) == hashlib.sha256(token.encode()).digest() and len(token_digest(token)) == 32
    assert feed_url("https://api.huntaze.com/", token) == f"https://api.huntaze.com/v1/calendar.ics?token={token}"
    for bad in (None, "", "short", token + "x", token[:-1] + "!", token[:-1] + "="):
        assert not looks_like_token(bad)


async def test_a_new_token_replaces_the_old_and_a_revoked_one_is_gone() -> None:
    repo = FakeFeed()
    old, new = new_token(), new_token()
    await repo.put_feed(CREATOR, USER, token_digest(old), NOW)
    await repo.put_feed(CREATOR, USER, token_digest(new), NOW + timedelta(minutes=1))
    assert await repo.feed_by_digest(token_digest(old)) is None
    found = await repo.feed_by_digest(token_digest(new))
    assert found is not None and (found.creator_id, found.user_id, found.created_at) == (
        CREATOR,
        USER,
        NOW + timedelta(minutes=1),
    )
    await repo.feed_used(CREATOR, USER, NOW + timedelta(minutes=2), 60)
    await repo.feed_used(CREATOR, USER, NOW + timedelta(minutes=2, seconds=30), 60)  # within the minute: not written
    assert (await repo.feed(CREATOR, USER)).last_used_at == NOW + timedelta(minutes=2)  # type: ignore[union-attr]
    assert await repo.delete_feed(CREATOR, USER) and await repo.feed_by_digest(token_digest(new)) is None
    assert not await repo.delete_feed(CREATOR, USER)


async def test_the_window_is_thirty_days_back_and_half_a_year_ahead() -> None:
    start, end = window(NOW)
    assert (NOW - start, end - NOW) == (timedelta(days=30), timedelta(days=180))
    repo = FakeFeed()
    for days in (-31, -29, 0, 179, 181):
        entry = Entry(uuid.uuid4(), "note", "content", f"day {days}", NOW + timedelta(days=days), "planned")
        repo.entries[(CREATOR, entry.entry_id)] = entry
    span = Entry(uuid.uuid4(), "campaign", "marketing", "long", NOW - timedelta(days=40), "active", ends_at=NOW)
    repo.entries[(CREATOR, span.entry_id)] = span
    found = await repo.entries_between(CREATOR, start, end, None, 100)
    assert [e.title for e in found] == ["long", "day -29", "day 0", "day 179"]
