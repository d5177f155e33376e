"""``python -m <service> serve|migrate|revision`` — the same commands for every service."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import uvicorn

from . import migrations
from .runtime import Service
from .settings import Role, ServiceSettings


def main(
    *,
    settings_factory: Callable[..., ServiceSettings],
    build: Callable[[ServiceSettings], Service],
    migrations_dir: Path,
    argv: list[str] | None = None,
) -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the service (HTTP API and/or event workers)")
    serve.add_argument("--role", choices=[r.value for r in Role], help="overrides <PREFIX>_ROLE")
    serve.add_argument("--port", type=int, help="overrides <PREFIX>_HTTP_PORT")
    sub.add_parser("migrate", help="apply the service's database migrations (alembic upgrade head)")
    rev = sub.add_parser("revision", help="create an empty migration")
    rev.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)

    overrides: dict[str, object] = {}
    if getattr(args, "role", None):
        overrides["role"] = Role(args.role)
    if getattr(args, "port", None):
        overrides["http_port"] = args.port
    settings = settings_factory(**overrides)

    if args.command == "migrate":
        migrations.upgrade(settings.database_url, migrations_dir)
        print(f"{settings.service_name}: database at head")
        return 0
    if args.command == "revision":
        migrations.revision(settings.database_url, migrations_dir, args.message)
        return 0

    service = build(settings)
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
