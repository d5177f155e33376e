"""Every service's routes under /v1/<service>/...: checked, then forwarded with an internal token.

The request is checked against the permission table (a route not in it answers 404), its path is
made safe (no dot segments or encoded tricks: :func:`gateway.routing.upstream_path`), and it goes to
the owning service with a short-lived internal token signed by the gateway (caller, creator,
organisation, role, request id) in ``X-Internal-Token``: the services trust nothing else. The
service's answer (status, body) is returned as is.
"""

from __future__ import annotations

import uuid

import aiohttp
import yarl
from fastapi import APIRouter, Request, Response

from huntaze_service import INTERNAL_TOKEN_HEADER, ApiError, Caller, InternalTokenSigner, context

from ..domain import Access
from ..permissions import rule_for
from ..routing import STREAMED_BODY_BYTES, UnsafePath, upstream_path
from .access import authorize, runtime_of, shift_on_duty
from .audit import finish_audit, start_audit

router = APIRouter(tags=["services"])

_FORWARDED_REQUEST_HEADERS = ("content-type", "accept", "idempotency-key", "tracestate")
_FORWARDED_RESPONSE_HEADERS = ("content-type", "retry-after", "location")
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def internal_headers(request: Request, access: Access, shift_id: uuid.UUID | None = None) -> dict[str, str]:
    """The headers a service needs: the internal token (and the correlation id).

    An organisation-scoped request that names no creator account (billing's routes) is signed with
    the organisation's id as the token's creator: the tenant of platform-level routes is the
    organisation (``OrgId`` in the service), and no creator account's data is reachable with it."""
    assert access.org_id is not None
    ctx = context.current()
    signer: InternalTokenSigner = runtime_of(request).state["internal_tokens"]
    caller = Caller(
        user_id=access.user_id,
        creator_id=access.creator_id if access.creator_id is not None else access.org_id,
        org_id=access.org_id,
        role=access.role,
        request_id=None if ctx is None else ctx.correlation_id,
        shift_id=shift_id,
    )
    headers = {INTERNAL_TOKEN_HEADER: signer.sign(caller)}
    if ctx is not None:
        headers["x-correlation-id"] = str(ctx.correlation_id)
    return headers


@router.api_route("/v1/{service}", methods=_METHODS, include_in_schema=False)
@router.api_route("/v1/{service}/{path:path}", methods=_METHODS, include_in_schema=False)
async def forward(service: str, request: Request, path: str = "") -> Response:
    runtime = runtime_of(request)
    base = runtime.settings.upstreams().get(service)
    if base is None:
        raise ApiError(404, f"no API under /v1/{service}")
    try:
        target = upstream_path(service, path, request.scope.get("raw_path") or request.url.path.encode())
    except UnsafePath as exc:
        raise ApiError(400, str(exc)) from None
    rule = rule_for(request.method, target)
    if rule is None:  # deny by default: a route nobody gave a permission is not public
        raise ApiError(404, f"no route {request.method} {target}")
    access = await authorize(request, rule)
    assert access is not None
    if rule.audited:
        await start_audit(request, access, rule)
    try:
        answer_status, body, answer_headers = await _send(request, service, base, target, access)
    except ApiError as exc:
        await finish_audit(request, exc.status_code)
        raise
    await finish_audit(request, answer_status)
    return Response(content=body, status_code=answer_status, headers=answer_headers)


async def _send(
    request: Request, service: str, base: str, target: str, access: Access
) -> tuple[int, bytes, dict[str, str]]:
    upstream: aiohttp.ClientSession = runtime_of(request).state["upstream"]
    headers = {k: v for k in _FORWARDED_REQUEST_HEADERS if (v := request.headers.get(k)) is not None}
    headers.update(internal_headers(request, access, await shift_on_duty(request, access)))
    # traceparent: added by the aiohttp client instrumentation, naming the gateway's client span
    # already encoded segment by segment: yarl must neither re-encode nor normalise it
    url = yarl.URL(f"{base.rstrip('/')}{target}", encoded=True)
    length = request.headers.get("content-length")
    streamed = length is None or not length.isdigit() or int(length) > STREAMED_BODY_BYTES
    try:
        async with upstream.request(
            request.method,
            url,
            params=request.query_params.multi_items(),
            # uploads go through in chunks as they arrive (bounded memory); small bodies in one piece
            data=request.stream() if streamed and request.method != "GET" else await request.body(),
            headers=headers,
            allow_redirects=False,
        ) as answer:
            body = await answer.read()
    except TimeoutError:
        raise ApiError(504, f"the {service} service did not answer in time") from None
    except aiohttp.ClientError:
        raise ApiError(503, f"the {service} service is unavailable", headers={"Retry-After": "2"}) from None
    kept = {k: v for k in _FORWARDED_RESPONSE_HEADERS if (v := answer.headers.get(k)) is not None}
    return answer.status, body, kept
