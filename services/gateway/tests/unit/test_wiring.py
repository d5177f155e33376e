"""The gateway as an outbox producer and a consumer: it uses Kafka (a producer and the relay in every
process), consumes billing's entitlement.changed in its worker (which clears its outbox), produces
exactly the shift events and organization.updated, and its migrations end with billing's columns
(no connection is made)."""

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


def test_the_gateway_produces_shift_and_organisation_events_and_consumes_entitlements() -> None:
    service = definition.documented()
    assert service.uses_kafka
    assert [s.spec.topic for s in service.subscriptions] == ["entitlement.changed.v1"]
    assert not service.subscriptions.timers and not service.subscriptions.calls
    produced = {spec.topic: spec.key for spec in REGISTRY if spec.producer == "gateway"}
    assert produced == {
        "shift.scheduled.v1": "shift_id",
        "shift.cancelled.v1": "shift_id",
        "organization.updated.v1": "organization_id",
    }


def test_its_api_processes_run_the_relay_and_its_worker_the_housekeeping() -> None:
    api = GatewaySettings(environment=Environment.TEST, role=Role.API)
    runtime = definition.build(api).runtime()
    assert runtime.uses_kafka and api.relay_enabled and not runtime.housekeeps
    runtime.tracer_provider.shutdown()
    worker = definition.build(GatewaySettings(environment=Environment.TEST, role=Role.WORKER)).runtime()
    assert worker.housekeeps
    worker.tracer_provider.shutdown()


def test_its_migrations_keep_the_chassis_outbox_and_end_with_billing() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("postgresql+psycopg://unused/unused", definition.migrations))
    head = scripts.get_revision(scripts.get_current_head())
    assert head is not None and head.revision == "0004" and head.down_revision == "0003"
    assert "entitlements" in Path(head.path).read_text()
    outbox = scripts.get_revision("0003")
    assert outbox is not None and "create_chassis_tables()" in Path(outbox.path).read_text()
