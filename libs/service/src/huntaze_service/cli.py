"""``python -m <service> serve|migrate|revision|timers`` — the same commands for every service.

A misconfigured service refuses to start with a message naming the variables to fix (exit code 2).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

import uvicorn

from . import migrations
from .settings import Role, SettingsError, load_settings

if TYPE_CHECKING:
    from .definition import ServiceDefinition


def main(definition: ServiceDefinition, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {definition.name}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the service (HTTP API and/or workers)")
    serve.add_argument("--role", choices=[r.value for r in Role], help="overrides <PREFIX>_ROLE")
    serve.add_argument("--port", type=int, help="overrides <PREFIX>_HTTP_PORT")
    sub.add_parser("migrate", help="apply the service's database migrations (alembic upgrade head)")
    rev = sub.add_parser("revision", help="create an empty migration")
    rev.add_argument("-m", "--message", required=True)
    timers = sub.add_parser("timers", help="list timers and external calls; revive dead ones")
    timers.add_argument("action", choices=["list", "dead", "revive"])
    timers.add_argument("ids", nargs="*", type=int, help="with revive: only these ids (default: every dead one)")
    args = parser.parse_args(argv)

    overrides: dict[str, object] = {}
    if getattr(args, "role", None):
        overrides["role"] = Role(args.role)
    if getattr(args, "port", None):
        overrides["http_port"] = args.port
    try:
        settings = load_settings(definition.settings, **overrides)
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return 2

    if args.command == "migrate":
        migrations.upgrade(settings.database_url, definition.migrations)
        print(f"{settings.service_name}: database at head")
        return 0
    if args.command == "revision":
        migrations.revision(settings.database_url, definition.migrations, args.message)
        return 0
    if args.command == "timers":
        return asyncio.run(_timers(settings.database_url, args.action, args.ids))

    if settings.metrics_port is not None:
        from .metrics import serve_metrics

        try:
            serve_metrics(settings.service_name, settings.http_host, settings.metrics_port)
        except OSError as exc:
            print(f"{settings.service_name}: metrics port {settings.metrics_port}: {exc}", file=sys.stderr)
            return 1
    service = definition.build(settings)
    service.freeze_heap_after_start = True  # this process runs one service for its whole life
    app = service.build_app()
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=int(settings.shutdown_grace_s),
        timeout_keep_alive=settings.http_keep_alive_s,
        server_header=False,
    )
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1


async def _timers(database_url: str, action: str, ids: list[int]) -> int:
    import psycopg

    from .db import libpq_url
    from .timers import store

    async with await psycopg.AsyncConnection.connect(libpq_url(database_url), autocommit=True) as conn:
        if action == "revive":
            print(f"revived {await store.revive(conn, ids or None)} timer(s)")
            return 0
        for row in await store.listing(conn, dead_only=action == "dead"):
            print(json.dumps(row, default=_plain))
    return 0


def _plain(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
