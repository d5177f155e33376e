"""/ready: a service is not ready without its database or (by default) Kafka; a service whose
requests only write to the outbox (the gateway) stays ready with Kafka down, and says "degraded"."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from huntaze_service.http import install_probes
from huntaze_service.runtime import Runtime
from huntaze_service.settings import ServiceSettings


class _Unreachable:
    async def fetch_all_metadata(self) -> None:
        raise ConnectionError("no broker")


class _Producer:
    client = _Unreachable()


def _ready(gates: bool) -> tuple[int, dict[str, Any]]:
    runtime: Runtime[Any] = Runtime(ServiceSettings(service_name="probe"), kafka_gates_readiness=gates)

    async def database_ok() -> None:
        return None

    runtime._ping_database = database_ok  # type: ignore[method-assign]
    runtime.producer = _Producer()  # type: ignore[assignment]
    app = FastAPI()
    install_probes(app, runtime.readiness)
    answer = TestClient(app).get("/ready")
    runtime.tracer_provider.shutdown()
    return answer.status_code, answer.json()


def test_kafka_down_makes_a_service_not_ready_by_default() -> None:
    status, body = _ready(gates=True)
    assert status == 503 and body["checks"] == {"database": "ok", "kafka": "error: ConnectionError"}


def test_kafka_down_leaves_an_outbox_only_service_ready_but_degraded() -> None:
    status, body = _ready(gates=False)
    assert status == 200 and body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "kafka": "degraded: ConnectionError"}
