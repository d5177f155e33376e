"""The fault lab: real processes on the real broker and database of the `faults` profile.

`make test-faults` (tools/faults.sh) starts a fresh Kafka and PostgreSQL for it; these fixtures
start services as processes, inject faults (SIGKILL, SIGTERM, a broker or database restart), and
count effects afterwards.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy.ext.asyncio import create_async_engine

from huntaze_testkit import faultbox as fb
from huntaze_testkit.lab import Lab

ROOT = Path(__file__).resolve().parents[2]
FAULT_PROFILES = ("faults", "faults2")
LOGDIR = ROOT / ".data" / os.environ.get("HUNTAZE_PROFILE", "faults") / "logs"


@pytest.fixture(scope="session")
def faults_env() -> dict[str, str]:
    required = ["KAFKA_BOOTSTRAP_SERVERS", "SANDBOX_DATABASE_URL", "AI_DATABASE_URL", "FANS_DATABASE_URL"]
    missing = [name for name in required if not os.environ.get(name)]
    if missing:
        pytest.fail(f"the fault suite runs under `make test-faults` (missing {', '.join(missing)})", pytrace=False)
    if os.environ.get("HUNTAZE_PROFILE") not in FAULT_PROFILES:
        pytest.fail(
            "the fault suite kills its broker and database: it only runs on the `faults` (or `faults2`) profile",
            pytrace=False,
        )
    return dict(os.environ)


@pytest.fixture(scope="session")
async def lab(faults_env: dict[str, str]) -> AsyncIterator[Lab]:
    LOGDIR.mkdir(parents=True, exist_ok=True)
    await fb.create_schema(faults_env["SANDBOX_DATABASE_URL"])
    admin = AIOKafkaAdminClient(bootstrap_servers=faults_env["KAFKA_BOOTSTRAP_SERVERS"])
    await admin.start()
    existing = set(await admin.list_topics())
    await admin.create_topics([NewTopic(t, 6, 1) for t in fb.TOPICS if t not in existing])
    await admin.close()
    engine = create_async_engine(faults_env["SANDBOX_DATABASE_URL"], pool_pre_ping=True)
    lab = Lab(faults_env, engine, ROOT, LOGDIR)
    yield lab
    lab.stop_all()
    await engine.dispose()


@pytest.fixture
async def fresh_lab(lab: Lab) -> AsyncIterator[Lab]:
    """The lab, with every process of the previous scenario stopped."""
    yield lab
    lab.stop_all()
