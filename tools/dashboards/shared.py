"""Sections shared by both kinds of dashboard (``sel`` = the label selector of the service(s) shown)."""

from __future__ import annotations

from typing import Any

from .grafana import timeseries


def of_service(expr: str, sel: str) -> str:
    """``expr`` (a process metric, which has no ``service`` label) on the processes of the selected
    service(s), labelled with it: every process serves /metrics, so its scrapes are in the chassis'
    HTTP histogram with the service label."""
    return (
        f"{expr} * on (instance, job) group_left (service) "
        f'group by (instance, job, service) (huntaze_http_request_duration_seconds_count{{{sel}, route="/metrics"}})'
    )


def process_panels(sel: str) -> list[dict[str, Any]]:
    return [
        timeseries(
            "Resident memory per process",
            (of_service("process_resident_memory_bytes", sel), "{{service}} {{instance}}"),
            unit="bytes",
        ),
        timeseries(
            "CPU per process",
            (of_service("rate(process_cpu_seconds_total[$__rate_interval])", sel), "{{service}} {{instance}}"),
            unit="percentunit",
        ),
        timeseries(
            "Open file descriptors per process", (of_service("process_open_fds", sel), "{{service}} {{instance}}")
        ),
    ]
