"""The HTTP side every service shares: health, readiness, metrics, error shape, limits, context.
(Who may call a route at all: :mod:`.wall`.)

Error bodies are always JSON ``{"detail": <message>, "code": <machine code>}`` (plus ``errors`` on
422), so the frontend can show the message and branch on the code.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import context
from .conflicts import is_conflict
from .context import EventContext
from .db import is_infrastructure_error
from .metrics import metrics

log = logging.getLogger("huntaze.http")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    502: "bad_gateway",
    503: "unavailable",
    504: "gateway_timeout",
}


def error_body(status: int, detail: Any, code: str | None = None) -> dict[str, Any]:
    return {"detail": detail, "code": code or _CODES.get(status, "error")}


class ApiError(HTTPException):
    """An HTTPException with a machine-readable code."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status_code, detail=detail, headers=headers)
        self.code = code or _CODES.get(status_code, "error")


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found", "not_found")


def _validation_message(errors: list[dict[str, Any]]) -> str:
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        ctx = first.get("ctx") or {}
        return f"request body is not valid JSON ({ctx.get('error', 'decode error')})"
    loc = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
    return f"{loc}: {first.get('msg', 'invalid value')}"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = getattr(exc, "code", None)
        return JSONResponse(
            error_body(exc.status_code, exc.detail, code),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
        body = error_body(422, _validation_message(list(exc.errors())))
        body["errors"] = errors
        return JSONResponse(body, status_code=422)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if is_conflict(exc):
            raise exc  # replayed by .conflicts.ConflictRetryMiddleware
        if is_infrastructure_error(exc):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
            return JSONResponse(
                error_body(503, "database unavailable; retry shortly", "unavailable"),
                status_code=503,
                headers={"Retry-After": "1"},
            )
        log.exception("database error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body(500, "internal error", "internal"), status_code=500)

    @app.exception_handler(ClientDisconnect)
    async def _client_gone(request: Request, exc: ClientDisconnect) -> Response:
        """The client closed the connection before its request was read: nothing was done and
        nobody is left to answer (499, nginx's "client closed request", for logs and metrics)."""
        log.info("client disconnected during %s %s", request.method, request.url.path)
        return Response(status_code=499)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body(500, "internal error", "internal"), status_code=500)


class BodyLimitMiddleware:
    """Answers 413 before reading more than ``max_bytes`` of a request body (``limits`` raises or
    lowers it for the paths starting with one of its prefixes: batch and upload routes)."""

    def __init__(self, app: ASGIApp, max_bytes: int, limits: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.default_max_bytes = max_bytes
        # longest prefix first, so /v1/x/imports can differ from /v1/x
        self.limits = sorted((limits or {}).items(), key=lambda item: -len(item[0]))

    def limit_for(self, path: str) -> int:
        for prefix, max_bytes in self.limits:
            if path.startswith(prefix):
                return max_bytes
        return self.default_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope.get("path", ""))
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await self._reject(send, max_bytes)
                    return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    # Raised inside the route: FastAPI's HTTPException handler answers 413.
                    raise _TooLarge(max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not response_started:
                await self._reject(send, max_bytes)

    async def _reject(self, send: Send, max_bytes: int) -> None:
        response = JSONResponse(error_body(413, f"request body larger than {max_bytes} bytes"), status_code=413)
        await response({"type": "http"}, _empty_receive, send)


class _TooLarge(ApiError):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body larger than {max_bytes} bytes")


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class RequestContextMiddleware:
    """Binds the correlation id of the request; times it for Prometheus.

    (The trace context is OpenTelemetry's: the FastAPI instrumentation opens the server span.)"""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = _parse_uuid(_header(scope, b"x-correlation-id")) or uuid.uuid4()
        ctx = EventContext(correlation_id=correlation_id)  # the tenant: bound by the wall (.wall)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(b"x-correlation-id", str(correlation_id).encode())]
            await send(message)

        with context.bind(ctx):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                route = scope.get("route")
                path = getattr(route, "path", None) or "unmatched"
                metrics().http_request_seconds.labels(self.service, scope.get("method", ""), path, str(status)).observe(
                    time.perf_counter() - started
                )


def _parse_uuid(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def install_probes(
    app: FastAPI, readiness: Callable[[], Awaitable[dict[str, Any]]], *, metrics_route: bool = True
) -> None:
    """/health, /ready and (unless the metrics have a port of their own) /metrics."""

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        checks = await readiness()
        ok = all(v == "ok" or v.startswith("degraded") for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    if not metrics_route:
        return

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
