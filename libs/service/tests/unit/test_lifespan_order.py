"""The app's lifespan: the shutdown hooks (which close the clients a service's workers use — the
inbox's connector, the ai's provider) run after the runtime stopped its consumers and timer worker,
so no call in flight meets a closed client ("client has been closed" retried after a restart)."""

from __future__ import annotations

from typing import Any

from pydantic_settings import SettingsConfigDict

from huntaze_service import Environment, Service, ServiceSettings


class OrderSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERTEST_", extra="ignore", frozen=True)

    service_name: str = "ordertest"


class RecordingRuntime:
    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.state: dict[str, Any] = {}

    async def start(self) -> None:
        self.events.append("runtime started")

    async def stop(self) -> None:
        self.events.append("workers stopped")

    async def readiness(self) -> dict[str, str]:
        return {}


async def test_shutdown_hooks_run_after_the_workers_stopped() -> None:
    events: list[str] = []

    async def close_client(runtime: Any) -> None:
        events.append("client closed")

    class Recording(Service):
        def runtime(self, provider: Any = None) -> Any:
            return RecordingRuntime(events)

    service = Recording(
        OrderSettings(environment=Environment.TEST),
        title="order",
        uses_kafka=False,
        internal_wall=False,
        on_shutdown=[close_client],
    )
    app = service.build_app()
    async with app.router.lifespan_context(app):
        events.append("serving")
    assert events == ["runtime started", "serving", "workers stopped", "client closed"]
