"""A service in one folder: how the platform finds it.

Each service declares itself in its own ``pyproject.toml``::

    [project.entry-points."huntaze.services"]
    inbox = "inbox.bootstrap:definition"

and ``definition`` is a :class:`ServiceDefinition`. The supervisor (``make run``), the test harness,
the event catalog and the contract tests discover services through that entry point (Python's
standard plugin mechanism), so adding a service is adding its folder; only the gateway's routing
table names it (one line). ``python -m <service>`` is ``definition.main()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from .app import Service
from .settings import ServiceSettings

GROUP = "huntaze.services"


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    settings: type[ServiceSettings]
    build: Callable[..., Service]
    """``build(settings) -> Service``; adapters default from the settings."""
    migrations: Path
    summary: str = ""

    @property
    def default_port(self) -> int:
        return int(self.settings.model_fields["http_port"].default)

    def main(self, argv: list[str] | None = None) -> int:
        from .cli import main

        return main(self, argv)

    def documented(self) -> Service:
        """The service as documentation and contract tests see it: built with local settings and
        default (offline) adapters; nothing connects."""
        from .settings import Environment

        return self.build(self.settings(environment=Environment.LOCAL))


def discover() -> dict[str, ServiceDefinition]:
    """Every installed service, by name (sorted)."""
    found: dict[str, ServiceDefinition] = {}
    for point in entry_points(group=GROUP):
        definition: Any = point.load()
        if not isinstance(definition, ServiceDefinition):
            raise TypeError(f"entry point {point.value} is not a ServiceDefinition")
        if definition.name != point.name:
            raise ValueError(f"entry point {point.name} names service {definition.name}")
        found[definition.name] = definition
    return dict(sorted(found.items()))
