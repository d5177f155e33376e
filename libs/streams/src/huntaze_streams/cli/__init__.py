"""huntaze-streams: Huntaze's event streams for analysts and operators.

Reads Kafka without joining any consumer group (assign + seek) and never commits offsets; every
record is validated against its contract in ``libs/events``; an invalid one is shown as such.
Only ``dlq redrive`` writes (a transaction of its own, see :mod:`huntaze_streams.dlq`).

The broker: KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:9092, `make run`), TLS/SASL from the other
KAFKA_* variables like every Huntaze client. Exit codes: 0 done, 1 invalid records met by
replay/export when --strict, 2 a usage or connection error (said in words), 130 interrupted.
"""

from __future__ import annotations

from . import dlq, read, topics  # noqa: F401 - each module adds its commands to the app
from .base import app


def main() -> None:
    app()


if __name__ == "__main__":
    main()
