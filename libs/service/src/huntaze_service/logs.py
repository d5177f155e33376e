"""JSON logs, one object per line, carrying the service, event_id and correlation_id."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from . import context
from .telemetry import trace_ids


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.__dict__.pop("color_message", None)  # uvicorn's ANSI-coloured duplicate
        ctx = context.current()
        if ctx is not None:
            record.correlation_id = str(ctx.correlation_id)
            if ctx.event_id is not None and not hasattr(record, "event_id"):
                record.event_id = str(ctx.event_id)
            if ctx.creator_id is not None and not hasattr(record, "creator_id"):
                record.creator_id = str(ctx.creator_id)
        record.__dict__.update(trace_ids())
        return True


def configure_logging(service: str, level: str = "INFO", json_output: bool = True) -> None:
    """Replaces the root handlers; safe to call more than once (tests build several apps)."""
    handler = logging.StreamHandler(sys.stdout)
    if json_output:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(service)s %(name)s: %(message)s"))
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "kafka", "uvicorn.access", "faststream.access.kafka"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
