"""Recurring timers in a creator's time zone, the rules of scheduling, and settings that fail fast."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime

import pytest
from pydantic_settings import SettingsConfigDict

from huntaze_service import (
    Environment,
    Recurrence,
    ServiceSettings,
    SettingsError,
    Subscriptions,
    load_settings,
    new_key_pair,
)
from huntaze_service.uow import UnitOfWork


def test_every_monday_at_nine_in_paris_holds_across_the_daylight_saving_change() -> None:
    weekly = Recurrence.weekly("MO", 9, timezone="Europe/Paris")
    anchor = datetime(2027, 3, 15, 8, 0, tzinfo=UTC)  # Monday 15 March 2027, 9:00 in Paris (UTC+1)
    after_first = weekly.next_after(anchor, anchor)
    after_change = weekly.next_after(after_first, anchor)  # clocks go forward on Sunday 28 March
    assert after_first == datetime(2027, 3, 22, 8, 0, tzinfo=UTC)
    assert after_change == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)  # still 9:00 in Paris, now UTC+2


def test_missed_occurrences_are_not_replayed_one_by_one() -> None:
    daily = Recurrence("FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0", "America/New_York")
    anchor = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    a_week_later = datetime(2026, 11, 9, 20, 0, tzinfo=UTC)
    assert daily.next_after(a_week_later, anchor) == datetime(2026, 11, 10, 14, 0, tzinfo=UTC)


def test_a_finished_rule_has_no_next_occurrence_and_bad_rules_are_refused() -> None:
    twice = Recurrence("FREQ=DAILY;COUNT=2", "UTC")
    anchor = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert twice.next_after(anchor, anchor) == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    assert twice.next_after(datetime(2026, 11, 3, 9, 0, tzinfo=UTC), anchor) is None
    with pytest.raises(ValueError, match="time zone"):
        Recurrence("FREQ=DAILY", "Mars/Olympus_Mons")
    with pytest.raises(ValueError):
        Recurrence("FREQ=SOMETIMES", "UTC")
    with pytest.raises(ValueError, match="DTSTART"):
        Recurrence("DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY", "UTC")


def test_scheduling_needs_a_registered_kind_an_aware_time_and_a_tenant() -> None:
    subs = Subscriptions()

    @subs.timer("remind")
    async def remind(uow: object, timer: object) -> None:
        return None

    uow: UnitOfWork[None] = UnitOfWork(producer_name="sandbox", kinds=subs.kinds())
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="unknown timer"):
        uow.schedule("remnid", key="k", at=at, tenant=uuid.uuid4())
    with pytest.raises(ValueError, match="unknown external call"):
        uow.call("remind", key="k", tenant=uuid.uuid4())
    with pytest.raises(ValueError, match="aware"):
        uow.schedule("remind", key="k", at=datetime(2026, 11, 2, 9, 0), tenant=uuid.uuid4())
    with pytest.raises(ValueError, match="tenant"):
        uow.schedule("remind", key="k", at=at)
    uow.schedule("remind", key="k", at=at, tenant=uuid.uuid4(), payload={"n": 1})
    assert [(t.kind, t.key, t.payload) for t in uow.scheduled] == [("remind", "k", {"n": 1})]


class ProbeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PROBE_", extra="ignore", frozen=True)
    service_name: str = "probe"


def test_local_defaults_apply_only_in_local_and_test(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("HUNTAZE_ENVIRONMENT", raising=False)
    monkeypatch.delenv("HUNTAZE_INTERNAL_TOKEN_KEYS", raising=False)
    local = load_settings(ProbeSettings)
    assert local.environment is Environment.LOCAL
    assert local.database_url == "postgresql+psycopg://probe@127.0.0.1:54320/probe"
    assert local.kafka_bootstrap_servers == "127.0.0.1:9092"
    monkeypatch.setenv("HUNTAZE_ENVIRONMENT", "production")
    with pytest.raises(SettingsError) as refused:
        load_settings(ProbeSettings)
    assert "PROBE_DATABASE_URL" in str(refused.value) and "KAFKA_BOOTSTRAP_SERVERS" in str(refused.value)
    assert "HUNTAZE_INTERNAL_TOKEN_KEYS (or PROBE_INTERNAL_TOKEN_KEYS)" in str(refused.value)
    monkeypatch.setenv("PROBE_DATABASE_URL", "postgresql+psycopg://probe@db:5432/probe")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("HUNTAZE_INTERNAL_TOKEN_KEYS", new_key_pair()[1])
    with pytest.raises(SettingsError, match="KAFKA_SECURITY_PROTOCOL: PLAINTEXT is refused in production"):
        load_settings(ProbeSettings)
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SSL")
    assert load_settings(ProbeSettings).database_url.endswith("@db:5432/probe")


def test_internal_token_keys_are_checked_when_the_service_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUNTAZE_ENVIRONMENT", raising=False)
    monkeypatch.setenv("HUNTAZE_INTERNAL_TOKEN_KEYS", "k1:not-32-bytes")
    with pytest.raises(SettingsError, match=r"HUNTAZE_INTERNAL_TOKEN_KEYS \(or PROBE_INTERNAL_TOKEN_KEYS\): key 'k1'"):
        load_settings(ProbeSettings)
    _, old = new_key_pair("old")
    _, new = new_key_pair("new")
    monkeypatch.setenv("HUNTAZE_INTERNAL_TOKEN_KEYS", f"{old},{new}")
    assert load_settings(ProbeSettings).internal_token_keys == f"{old},{new}"
    monkeypatch.setenv("PROBE_INTERNAL_TOKEN_KEYS", new)  # the service's own variable wins
    assert load_settings(ProbeSettings).internal_token_keys == new


@pytest.mark.parametrize("value", ["prod", "Production ", "staging"])
def test_an_unknown_environment_refuses_to_start(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("HUNTAZE_ENVIRONMENT", value)
    with pytest.raises(SettingsError, match="HUNTAZE_ENVIRONMENT"):
        load_settings(ProbeSettings)


def test_a_misconfigured_service_process_exits_with_a_message_naming_the_variable() -> None:
    env = {"HUNTAZE_ENVIRONMENT": "production", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "inbox", "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "inbox refuses to start" in done.stderr and "INBOX_DATABASE_URL" in done.stderr
