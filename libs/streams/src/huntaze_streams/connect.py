"""Kafka clients of the tool: the address, TLS/SASL from the KAFKA_* environment like every other
Huntaze client (:mod:`huntaze_service.kafka`), and a start that says which address it tried."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError

from huntaze_service.kafka import KafkaSecurityError, load_kafka_security

from .errors import BrokerUnreachable, StreamsError

BOOTSTRAP_ENV = "KAFKA_BOOTSTRAP_SERVERS"
DEFAULT_BOOTSTRAP = "127.0.0.1:9092"
CONNECT_TIMEOUT_S = 15.0


def bootstrap_servers(explicit: str | None = None) -> str:
    return explicit or os.environ.get(BOOTSTRAP_ENV) or DEFAULT_BOOTSTRAP


def security_options() -> dict[str, Any]:
    try:
        return load_kafka_security().options()
    except KafkaSecurityError as exc:
        raise StreamsError(f"Kafka security settings: {exc}") from None


def consumer(bootstrap: str, **kwargs: Any) -> AIOKafkaConsumer:
    """A consumer that joins no group unless told to, commits nothing, and reads committed data only
    (a re-drive transaction that was aborted is never shown)."""
    options: dict[str, Any] = {
        "group_id": None,
        "enable_auto_commit": False,
        "isolation_level": "read_committed",
        "auto_offset_reset": "earliest",
        "client_id": "huntaze-streams",
    }
    options.update(kwargs)
    return AIOKafkaConsumer(bootstrap_servers=bootstrap, **security_options(), **options)


def producer(bootstrap: str, **kwargs: Any) -> AIOKafkaProducer:
    options: dict[str, Any] = {"acks": "all", "client_id": "huntaze-streams"}
    options.update(kwargs)
    return AIOKafkaProducer(bootstrap_servers=bootstrap, **security_options(), **options)


def unreachable(bootstrap: str, detail: str) -> BrokerUnreachable:
    where = "from $KAFKA_BOOTSTRAP_SERVERS" if os.environ.get(BOOTSTRAP_ENV) else "the default"
    return BrokerUnreachable(
        f"cannot reach Kafka at {bootstrap} ({where}): {detail}",
        hint=f"set {BOOTSTRAP_ENV} to the broker's address (default {DEFAULT_BOOTSTRAP}, the `make run` broker; "
        "`make run` or `python tools/infra.py up` starts it)",
    )


async def stop(client: AIOKafkaConsumer | AIOKafkaProducer, timeout_s: float = 5.0) -> None:
    """Stops a client, but never hangs the user's Ctrl-C on it: past the timeout it is abandoned
    (it committed nothing and holds no group, so nothing is left behind)."""
    with contextlib.suppress(TimeoutError, KafkaError):
        await asyncio.wait_for(client.stop(), timeout_s)


async def start(client: AIOKafkaConsumer | AIOKafkaProducer, bootstrap: str) -> None:
    try:
        await asyncio.wait_for(client.start(), CONNECT_TIMEOUT_S)
    except TimeoutError:
        await _close(client)
        raise unreachable(bootstrap, f"no answer within {CONNECT_TIMEOUT_S:.0f}s") from None
    except KafkaConnectionError as exc:
        await _close(client)
        raise unreachable(
            bootstrap, "connection refused or no broker there" if "bootstrap" in str(exc) else str(exc)
        ) from None
    except KafkaError as exc:
        await _close(client)
        raise StreamsError(f"Kafka at {bootstrap} refused the client: {exc}") from None


async def _close(client: AIOKafkaConsumer | AIOKafkaProducer) -> None:
    try:
        await client.stop()
    except Exception:  # noqa: BLE001 - closing a client that never started
        pass
