"""The connector webhook for B8, as its own process (so neither side of the comparison shares its
CPU time with it in one interpreter): verifies each request's signature as a real connector must,
answers 202, counts requests and distinct Idempotency-Keys. ``GET /count`` reads them, ``POST /reset``
clears them.

    python bench/connector_stub.py PORT SECRET
"""

from __future__ import annotations

import sys

from aiohttp import web

from huntaze_testkit.connector import SIGNATURE_HEADER, verify_signature


def app(secret: str) -> web.Application:
    seen: set[str] = set()
    counts = {"requests": 0, "refused": 0}

    async def reply(request: web.Request) -> web.Response:
        raw = await request.read()
        if not verify_signature(secret, request.headers.get(SIGNATURE_HEADER), raw, 300):
            counts["refused"] += 1
            return web.json_response({"error": "bad signature"}, status=401)
        counts["requests"] += 1
        seen.add(request.headers.get("Idempotency-Key", ""))
        return web.json_response({"accepted": True}, status=202)

    async def count(_: web.Request) -> web.Response:
        return web.json_response({**counts, "keys": len(seen)})

    async def reset(_: web.Request) -> web.Response:
        seen.clear()
        counts.update(requests=0, refused=0)
        return web.json_response({})

    application = web.Application()
    application.add_routes([web.post("/connector/replies", reply), web.get("/count", count), web.post("/reset", reset)])
    return application


if __name__ == "__main__":
    web.run_app(app(sys.argv[2]), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
