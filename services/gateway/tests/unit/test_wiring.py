"""The gateway as an outbox producer: it uses Kafka (a producer and the relay, in its api processes:
it has no worker), consumes nothing, produces exactly the shift events, clears its own outbox, and
its migrations create the chassis' outbox (no connection is made)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic.script import ScriptDirectory

from gateway.bootstrap import definition
from gateway.config import GatewaySettings
from huntaze_events import REGISTRY
from huntaze_service import Environment, Role
from huntaze_service.migrations import alembic_config

logging.getLogger("gateway.config").setLevel(logging.ERROR)  # "no JWT secret": expected here


def test_the_gateway_produces_the_shift_events_and_consumes_nothing() -> None:
    service = definition.documented()
    assert service.uses_kafka
    assert len(service.subscriptions) == 0 and not service.subscriptions.timers and not service.subscriptions.calls
    produced = {spec.topic: spec.key for spec in REGISTRY if spec.producer == "gateway"}
    assert produced == {"shift.scheduled.v1": "shift_id", "shift.cancelled.v1": "shift_id"}


def test_its_api_processes_run_the_relay_and_housekeeping() -> None:
    settings = GatewaySettings(environment=Environment.TEST, role=Role.API)
    runtime = definition.build(settings).runtime()
    assert runtime.uses_kafka and settings.relay_enabled
    assert runtime.housekeeps, "deployed without a worker: nobody else would clear its outbox"
    runtime.tracer_provider.shutdown()


def test_its_migrations_end_with_the_chassis_outbox() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("postgresql+psycopg://unused/unused", definition.migrations))
    head = scripts.get_revision(scripts.get_current_head())
    assert head is not None and head.revision == "0003" and head.down_revision == "0002"
    source = Path(head.path).read_text()
    assert "create_chassis_tables()" in source and "drop_chassis_tables()" in source
