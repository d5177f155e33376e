"""B9's raw baseline: the public redirect written bare — a Starlette app whose `GET /l/{code}` answers
302 to a fixed target with `Cache-Control: no-store`, as the gateway does — and nothing else: no
upstream call, no database, no middleware, no telemetry. Same uvicorn (uvloop, httptools) as the
services.

    python bench/bare_redirect.py PORT TARGET_URL
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


def app_for(target: str) -> Starlette:
    async def follow(request: Request) -> Response:
        return Response(status_code=302, headers={"location": target, "cache-control": "no-store"})

    async def ready(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/l/{code}", follow), Route("/ready", ready)])


if __name__ == "__main__":
    port, target = int(sys.argv[1]), sys.argv[2]
    uvicorn.run(
        app_for(target),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        loop="uvloop",
        http="httptools",
    )
