"""The public redirect of tracking links: ``GET /l/{code}`` (no authentication).

The marketing service owns links and clicks: the gateway passes the visit on (the code, the
visitor's user agent, referrer and country headers, the query string) with a *visitor* internal
token — nobody signed in, refused by every service route but the redirect — and returns the answer:
302 to the link's target with ``Cache-Control: no-store`` (each click reaches us), or 404. The click
and its ``link.clicked`` are written by marketing in one transaction before it answers; the event
goes out through its outbox, so the visitor never waits for Kafka.
"""

from __future__ import annotations

import re
import time

import aiohttp
import yarl
from fastapi import APIRouter, Path, Request, Response
from opentelemetry.instrumentation.utils import suppress_instrumentation

from huntaze_service import INTERNAL_TOKEN_HEADER, ApiError, Caller, InternalTokenSigner
from huntaze_service.internal_token import NOBODY, VISITOR

from .access import runtime_of

router = APIRouter(tags=["links"])

CODE = r"^[23456789abcdefghjkmnpqrstuvwxyz]{8}$"
"""marketing.links.CODE_PATTERN (the gateway does not import the services)."""
_CODE = re.compile(CODE)
_VISIT_HEADERS = ("user-agent", "referer", "cf-ipcountry", "cloudfront-viewer-country", "x-country-code")
_VISITOR = Caller(user_id=NOBODY, creator_id=NOBODY, org_id=NOBODY, role=VISITOR)


def visitor_token(request: Request) -> str:
    """The visitor token, signed again when half its life is gone (not once per click)."""
    state = runtime_of(request).state
    signer: InternalTokenSigner = state["internal_tokens"]
    token, signed_at = state.get("visitor_token", ("", 0.0))
    now = time.monotonic()
    if not token or now - signed_at > signer.ttl_s / 2:
        token = signer.sign(_VISITOR)
        state["visitor_token"] = (token, now)
    return token


@router.get(
    "/l/{code}",
    status_code=302,
    response_class=Response,
    responses={
        302: {"description": "To the link's target (`Location`); the click is recorded."},
        404: {"description": "No tracking link has this code."},
        503: {"description": "The marketing service is unavailable: retry."},
    },
    summary="Follow a tracking link (public)",
)
async def follow_link(request: Request, code: str = Path(max_length=16)) -> Response:
    """Where a shared tracking link leads: a 302 to its target, the click counted (time, network from the
    referrer or `utm_source`, country from a CDN header, robot or person from the user agent)."""
    if not _CODE.match(code):
        raise ApiError(404, "no such link")
    runtime = runtime_of(request)
    base = runtime.settings.upstreams()["marketing"]
    headers = {k: v for k in _VISIT_HEADERS if (v := request.headers.get(k)) is not None}
    headers[INTERNAL_TOKEN_HEADER] = visitor_token(request)
    upstream: aiohttp.ClientSession = runtime.state["upstream"]
    url = yarl.URL(f"{base.rstrip('/')}/v1/marketing/redirect/{code}", encoded=True)
    try:
        # untraced like the route itself (the gateway's untraced_paths): a span per click cost a third of it
        with suppress_instrumentation():
            status, location = await _visit(upstream, url, request, headers)
    except TimeoutError:
        raise ApiError(504, "the marketing service did not answer in time") from None
    except aiohttp.ClientError:
        raise ApiError(503, "the marketing service is unavailable", headers={"Retry-After": "2"}) from None
    if status == 302 and location:
        return Response(status_code=302, headers={"location": location, "cache-control": "no-store"})
    if status == 404:
        raise ApiError(404, "no such link")
    raise ApiError(502, "the marketing service could not follow this link")


async def _visit(
    upstream: aiohttp.ClientSession, url: yarl.URL, request: Request, headers: dict[str, str]
) -> tuple[int, str | None]:
    params = request.query_params.multi_items()
    async with upstream.get(url, params=params, headers=headers, allow_redirects=False) as answer:
        await answer.read()
        return answer.status, answer.headers.get("location")
