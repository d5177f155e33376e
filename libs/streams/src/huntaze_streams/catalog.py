"""The event catalog as the tool sees it: names → registry specs, and who consumes what.

Names are accepted the way people write them: ``message.received`` (the type; its only major
version), ``message.received.v1`` (type and version, which is also the topic) and, for the
dead-letter commands, ``message.received.v1.dlq``. A name that matches nothing lists the close ones.

Events defined outside ``libs/events`` (a service's contract in development, the test kit's
``faultbox`` events) are found by importing the modules named in ``HUNTAZE_STREAMS_EVENT_MODULES``
(comma-separated); importing them registers their events in the registry, as it does in the service.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

from huntaze_events import REGISTRY, EventSpec
from huntaze_events.registry import DLQ_SUFFIX

from .errors import StreamsError, UnknownEvent

EVENT_MODULES_ENV = "HUNTAZE_STREAMS_EVENT_MODULES"


def load_event_modules() -> None:
    for name in filter(None, (m.strip() for m in os.environ.get(EVENT_MODULES_ENV, "").split(","))):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise StreamsError(f"{EVENT_MODULES_ENV} names {name!r}, which cannot be imported: {exc}") from None


def specs() -> list[EventSpec]:
    return list(REGISTRY)


@dataclass(frozen=True)
class Target:
    """What a name resolved to: an event's topic, or its dead-letter topic."""

    spec: EventSpec
    dlq: bool = False

    @property
    def topic(self) -> str:
        return self.spec.dlq_topic if self.dlq else self.spec.topic


def resolve(name: str, *, dlq: bool | None = False) -> Target:
    """``dlq=False``: the event topic (a ``.dlq`` name is refused); ``True``: its dead-letter topic
    whichever way it was named; ``None``: whichever the name says."""
    wanted = name.strip()
    is_dlq = wanted.endswith(DLQ_SUFFIX)
    base = wanted.removesuffix(DLQ_SUFFIX)
    if is_dlq and dlq is False:
        raise StreamsError(
            f"{wanted} is a dead-letter topic: read it with `huntaze-streams dlq list {wanted}` "
            f"(or tail the event itself: {base})"
        )
    by_type: dict[str, list[EventSpec]] = {}
    for spec in REGISTRY:
        by_type.setdefault(spec.type, []).append(spec)
        if base == spec.name:
            return Target(spec, dlq=bool(dlq) or (dlq is None and is_dlq))
    if base in by_type:
        versions = by_type[base]
        if len(versions) == 1:
            return Target(versions[0], dlq=bool(dlq) or (dlq is None and is_dlq))
        names = ", ".join(s.name for s in versions)
        raise UnknownEvent(f"{base} has {len(versions)} major versions ({names}): say which one")
    raise UnknownEvent(f"unknown event {wanted!r}", hint=_suggestion(base))


def suggestions(name: str, limit: int = 5) -> list[str]:
    """Registered names close to ``name``: spelling first, then names sharing a word with it.

    A type with one major version is offered as the type (``reply.sent``), one with several as
    each of its names (``x.v1``, ``x.v2``)."""
    versions: dict[str, list[str]] = {}
    for spec in REGISTRY:
        versions.setdefault(spec.type, []).append(spec.name)
    names = sorted(n for t, vs in versions.items() for n in ([t] if len(vs) == 1 else vs))
    base = name.lower()
    close = difflib.get_close_matches(base, names, n=limit, cutoff=0.6)
    words = {w for w in base.replace("_", ".").split(".") if len(w) >= 4}
    for candidate in names:
        if len(close) >= limit:
            break
        theirs = {w for w in candidate.replace("_", ".").split(".") if len(w) >= 4}
        if candidate not in close and any(a in b or b in a for a in words for b in theirs):
            close.append(candidate)
    return close[:limit]


def _suggestion(name: str) -> str:
    close = suggestions(name)
    if close:
        return "did you mean: " + ", ".join(close) + "?  (`huntaze-streams topics` lists every event)"
    return "`huntaze-streams topics` lists every event"


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Building the services' subscriptions logs their local-profile warnings: not the user's concern."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def consumers_by_topic() -> dict[str, list[str]]:
    """Topic → the consumer subscriptions (``service.subscription``) of every installed service.

    Like ``tools/catalog.py``: each service found through its "huntaze.services" entry point,
    subscriptions as its bootstrap builds them with local settings and offline adapters. Importing
    every service costs about a second of CPU; ``topics --no-consumers`` skips it."""
    from huntaze_service import discover

    found: dict[str, list[str]] = {}
    with _quiet():
        for name, definition in discover().items():
            for sub in definition.documented().subscriptions:
                found.setdefault(sub.spec.topic, []).append(f"{name}.{sub.name}")
    return {topic: sorted(names) for topic, names in found.items()}
