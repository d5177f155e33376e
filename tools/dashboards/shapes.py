"""What a service has, as its definition says (no connection is made)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceShape:
    name: str
    summary: str = ""
    routes: tuple[str, ...] = ()
    consumers: tuple[tuple[str, str], ...] = ()  # (consumer label "service.subscription", topic)
    timers: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()
    uses_kafka: bool = True

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(sorted({topic for _, topic in self.consumers}))


def discover_shapes() -> list[ServiceShape]:
    """Every service found through its entry point, built as the docs see it (offline adapters)."""
    from huntaze_service import discover

    shapes = []
    for name, definition in discover().items():
        service = definition.documented()
        subs = service.subscriptions
        routes = sorted({getattr(route, "path", "") for router in service.routers for route in router.routes} - {""})
        shapes.append(
            ServiceShape(
                name=name,
                summary=definition.summary,
                routes=tuple(routes),
                consumers=tuple((f"{name}.{s.name}", s.spec.topic) for s in subs),
                timers=tuple(sorted(subs.timers)),
                calls=tuple(sorted(subs.calls)),
                uses_kafka=service.uses_kafka,
            )
        )
    return shapes
