"""Errors the tool reports in the user's words: a message, an exit code, never a traceback."""

from __future__ import annotations


class StreamsError(Exception):
    """Something the user can fix (a name, a range, the broker's address); exit code 2."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UnknownEvent(StreamsError):
    """No registered event (or topic) has that name."""


class BadRange(StreamsError):
    """A --from/--to/--since value the tool cannot read."""


class BrokerUnreachable(StreamsError):
    """No Kafka broker answered at the bootstrap address."""
