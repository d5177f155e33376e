"""Which processes clear the outbox's published rows and the old idempotency records: the workers;
and, for a service with no worker duties (it only produces, like the gateway, deployed without a
worker), its api processes — otherwise nobody would and its outbox would grow forever."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic_settings import SettingsConfigDict

from huntaze_events import MessageReceived
from huntaze_service import Environment, Role, Runtime, ServiceSettings, Subscriptions


class RuleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HOUSEKEEPTEST_", extra="ignore", frozen=True)

    service_name: str = "housekeeptest"


def runtime(role: Role, subscriptions: Subscriptions, *, uses_kafka: bool = True) -> Runtime[Any]:
    return Runtime(RuleSettings(environment=Environment.TEST, role=role), subscriptions, uses_kafka=uses_kafka)


def consuming() -> Subscriptions:
    subs = Subscriptions()

    @subs.on(MessageReceived, name="sample")
    async def sample(uow: Any, event: Any) -> None:
        return None

    return subs


def timing() -> Subscriptions:
    subs = Subscriptions()

    @subs.timer("sample")
    async def sample(uow: Any, timer: Any) -> None:
        return None

    return subs


@pytest.mark.parametrize("subscriptions", [consuming, timing])
def test_a_service_with_worker_duties_housekeeps_in_its_workers_only(subscriptions: Any) -> None:
    assert runtime(Role.WORKER, subscriptions()).housekeeps
    assert runtime(Role.ALL, subscriptions()).housekeeps
    assert not runtime(Role.API, subscriptions()).housekeeps


def test_a_producer_without_worker_duties_housekeeps_where_it_runs() -> None:
    assert runtime(Role.API, Subscriptions()).housekeeps
    assert runtime(Role.ALL, Subscriptions()).housekeeps


def test_a_service_without_kafka_has_no_outbox_to_keep() -> None:
    assert not runtime(Role.ALL, Subscriptions(), uses_kafka=False).housekeeps
    assert not runtime(Role.API, Subscriptions(), uses_kafka=False).housekeeps
