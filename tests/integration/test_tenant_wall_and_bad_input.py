"""One creator never sees another's data; bad input gets a clear 4xx, never a 500."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import jwt

from huntaze_testkit import Api, Platform, eventually


async def conversation_with_draft(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    posted = (
        await api.post(
            "/v1/inbox/messages",
            json={"fan": {"external_id": "of_7", "display_name": "Alex"}, "text": "hi, how are you?"},
        )
    ).json()

    async def draft() -> dict[str, Any] | None:
        body = (await api.get(f"/v1/inbox/conversations/{posted['conversation_id']}")).json()
        return body["drafts"][0] if body["drafts"] else None

    return posted, await eventually(draft, timeout=30)


async def test_a_creator_gets_404_on_everything_of_another_creator(gateway: Any) -> None:
    alice = await Api.sign_up(gateway, "Alice")
    bob = await Api.sign_up(gateway, "Bob")
    posted, draft = await conversation_with_draft(alice)
    await eventually(lambda: _status(alice, f"/v1/fans/{posted['fan_id']}", 200), timeout=30)

    for path in (
        f"/v1/inbox/conversations/{posted['conversation_id']}",
        f"/v1/inbox/drafts/{draft['draft_id']}",
        f"/v1/fans/{posted['fan_id']}",
    ):
        answer = await bob.get(path)
        assert answer.status_code == 404, (path, answer.text)
        assert answer.json()["code"] == "not_found"
    approve = await bob.post(f"/v1/inbox/drafts/{draft['draft_id']}/approve", json={})
    assert approve.status_code == 404
    assert (await bob.get("/v1/inbox/conversations")).json()["items"] == []
    assert (await bob.get("/v1/fans")).json()["items"] == []
    # Alice's draft is untouched by Bob's attempt
    assert (await alice.get(f"/v1/inbox/drafts/{draft['draft_id']}")).json()["status"] == "drafted"
    # A client cannot pick its tenant: a forged X-Creator-Id header is replaced by the token's.
    forged = await bob.client.get(
        f"/v1/inbox/conversations/{posted['conversation_id']}",
        headers={**bob.auth, "X-Creator-Id": alice.creator_id},
    )
    assert forged.status_code == 404
    # The same fan talking to two creators is two fans.
    bob_msg = (
        await bob.post(
            "/v1/inbox/messages",
            json={"fan": {"external_id": "of_7", "display_name": "Alex"}, "text": "hello Bob"},
        )
    ).json()
    assert bob_msg["fan_id"] != posted["fan_id"]
    assert bob_msg["conversation_id"] != posted["conversation_id"]


async def _status(api: Api, path: str, status: int) -> bool:
    return (await api.get(path)).status_code == status


def expect(answer: Any, status: int, *words: str) -> dict[str, Any]:
    assert answer.status_code == status, (answer.status_code, answer.text)
    body = answer.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    for word in words:
        assert word.lower() in body["detail"].lower(), (word, body)
    return body


async def test_bad_input_gets_a_clear_4xx(gateway: Any, platform: Platform) -> None:
    api = await Api.sign_up(gateway, "Nora")
    posted, draft = await conversation_with_draft(api)
    json_headers = {"content-type": "application/json"}

    # malformed JSON, wrong types, missing or oversize fields
    expect(await api.post("/v1/inbox/messages", content=b'{"fan": {', headers=json_headers), 422, "not valid JSON")
    expect(await api.post("/v1/inbox/messages", json={"fan": {"external_id": "x", "display_name": "y"}}), 422, "text")
    expect(await api.post("/v1/inbox/messages", json={"fan": "nope", "text": "hi"}), 422, "fan")
    expect(
        await api.post("/v1/inbox/messages", json={"fan": {"external_id": "x", "display_name": "y"}, "text": 12}),
        422,
        "text",
    )
    expect(
        await api.post("/v1/inbox/messages", json={"fan": {"external_id": "x", "display_name": "y"}, "text": "   "}),
        422,
        "empty",
    )
    expect(
        await api.post(
            "/v1/inbox/messages", json={"fan": {"external_id": "x", "display_name": "y"}, "text": "a" * 4001}
        ),
        422,
        "4000",
    )
    expect(
        await api.post(
            "/v1/inbox/messages",
            json={"fan": {"external_id": "x", "display_name": "y"}, "text": "hi", "sent_at": "2026-01-01T00:00:00"},
        ),
        422,
        "sent_at",
    )
    big = b'{"fan": {"external_id": "x", "display_name": "y"}, "text": "' + b"a" * 70_000 + b'"}'
    expect(await api.post("/v1/inbox/messages", content=big, headers=json_headers), 413, "larger than")

    # unknown ids and ids that are not ids
    expect(await api.get(f"/v1/inbox/conversations/{uuid.uuid4()}"), 404, "conversation")
    expect(await api.get(f"/v1/inbox/drafts/{uuid.uuid4()}"), 404, "draft")
    expect(await api.post(f"/v1/inbox/drafts/{uuid.uuid4()}/approve", json={}), 404, "draft")
    expect(await api.get(f"/v1/fans/{uuid.uuid4()}"), 404, "fan")
    expect(await api.get("/v1/inbox/conversations/not-a-uuid"), 422, "conversation_id")
    expect(await api.get("/v1/inbox/conversations?cursor=garbage"), 422, "cursor")
    expect(await api.get("/v1/fans?limit=100000"), 422, "limit")
    expect(await api.get("/v1/nowhere/at-all"), 404, "/v1/nowhere")

    # approving: an empty edit, then twice
    expect(await api.post(f"/v1/inbox/drafts/{draft['draft_id']}/approve", json={"text": ""}), 422, "text")
    expect(await api.post(f"/v1/inbox/drafts/{draft['draft_id']}/approve", json={"txt": "typo"}), 422, "txt")
    assert (await api.post(f"/v1/inbox/drafts/{draft['draft_id']}/approve")).status_code == 202
    conflict = expect(await api.post(f"/v1/inbox/drafts/{draft['draft_id']}/approve", json={}), 409, "already")
    assert conflict["code"] == "draft_not_approvable"

    # a NUL character (PostgreSQL text cannot hold it) is a 422 naming the field, never a 500
    nul = {"email": "nul@example.com", "password": "x" * 12, "display_name": "N\u0000"}
    expect(await gateway.post("/v1/auth/signup", json=nul), 422, "NUL")
    expect(await gateway.post("/v1/auth/token", data={"username": "a\x00@example.com", "password": "x" * 12}), 422, "NUL")
    expect(await api.post("/v1/creators", json={"display_name": "\u0000"}), 422, "NUL")

    # persona validation
    expect(await api.put("/v1/ai/persona", json={"tone": "angry"}), 422, "tone")
    expect(await api.put("/v1/ai/persona", json={"boundaries": [""]}), 422, "boundar")

    # tokens: none, garbage, tampered, expired, and a valid token for a creator that does not exist
    anonymous = await gateway.get("/v1/inbox/conversations")
    expect(anonymous, 401, "bearer")
    assert anonymous.headers["www-authenticate"] == "Bearer"
    expect(await gateway.get("/v1/fans", headers={"Authorization": "Bearer nonsense"}), 401, "invalid")
    tampered = api.token[:-4] + ("AAAA" if not api.token.endswith("AAAA") else "BBBB")
    expect(await gateway.get("/v1/fans", headers={"Authorization": f"Bearer {tampered}"}), 401, "invalid")
    secret = platform.env["GATEWAY_JWT_SECRET"]
    claims = jwt.decode(api.token, secret, algorithms=["HS256"], audience="huntaze")
    claims.update(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    expired = jwt.encode(claims, secret, algorithm="HS256", headers={"kid": jwt.get_unverified_header(api.token)["kid"]})
    body = expect(await gateway.get("/v1/fans", headers={"Authorization": f"Bearer {expired}"}), 401, "expired")
    assert body["code"] == "token_expired"
    other_key = jwt.encode(
        {**claims, "exp": int(time.time()) + 600},
        "another-key-that-is-long-enough-for-hs256-0123456789",
        algorithm="HS256",
        headers={"kid": jwt.get_unverified_header(api.token)["kid"]},
    )
    expect(await gateway.get("/v1/fans", headers={"Authorization": f"Bearer {other_key}"}), 401, "invalid")

    # identity endpoints
    expect(
        await gateway.post("/v1/auth/token", data={"username": "nobody@example.com", "password": "x" * 12}),
        401,
        "incorrect",
    )
    expect(await gateway.post("/v1/auth/token", data={"username": "nobody@example.com"}), 422, "password")
    expect(
        await gateway.post(
            "/v1/auth/signup", json={"email": "not-an-email", "password": "x" * 12, "display_name": "X"}
        ),
        422,
        "email",
    )
    expect(
        await gateway.post(
            "/v1/auth/signup", json={"email": "a@example.com", "password": "short", "display_name": "X"}
        ),
        422,
        "password",
    )
    me = (await api.get("/v1/me")).json()
    dup = await gateway.post(
        "/v1/auth/signup", json={"email": me["email"].upper(), "password": "y" * 12, "display_name": "Dup"}
    )
    assert expect(dup, 409, "exists")["code"] == "email_taken"

    # Nothing was lost by all of this: the conversation still has its single message and draft.
    conversation = (await api.get(f"/v1/inbox/conversations/{posted['conversation_id']}")).json()
    assert len([m for m in conversation["messages"] if m["direction"] == "in"]) == 1
    assert len(conversation["drafts"]) == 1


async def raw_get(url: str, path: str, token: str) -> tuple[int, bytes]:
    """A GET sent byte for byte (no client normalises its path), as an attacker would send it."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 30)
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


async def test_no_forwarded_path_reaches_a_services_internal_routes(gateway: Any, platform: Platform) -> None:
    """Dot segments and their encoded forms once reached the inbox's /metrics and /openapi.json
    through the gateway (the upstream URL was normalised after routing): now a 400."""
    api = await Api.sign_up(gateway, "Traversal")
    attempts = [
        "/v1/inbox/../../metrics",
        "/v1/inbox/..%2f..%2fmetrics",
        "/v1/inbox/%2e%2e/%2e%2e/metrics",
        "/v1/inbox/x/../../../openapi.json",
        "/v1/fans/..%5c..%5cdocs",
        "/v1/inbox/conversations/%2e%2e%2f%2e%2e%2f%2e%2e%2fmetrics",
    ]
    for path in attempts:
        status, body = await raw_get(platform.gateway, path, api.token)
        assert status == 400, (path, status, body[:200])
        assert b"# HELP" not in body and b'"openapi"' not in body, path
    status, body = await raw_get(platform.gateway, "/v1/inbox/conversations", api.token)
    assert status == 200, body[:200]  # an ordinary path still goes through
