"""Sessions, connector keys and attacks on them, on the running gateway; an agency's staff at work."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import jwt

from huntaze_testkit import Api, Platform
from huntaze_testkit.agency import PASSWORD, build_agency, invite


def _forge_none(claims: dict[str, Any], kid: str) -> str:
    def part(raw: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(raw).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{part(claims)}."


async def refused(client: Any, token: str, path: str = "/v1/fans") -> dict[str, Any]:
    answer = await client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401, (answer.status_code, answer.text)
    assert answer.headers["www-authenticate"] == "Bearer"
    return answer.json()  # type: ignore[no-any-return]


async def test_token_attacks_answer_401(gateway: Any, platform: Platform) -> None:
    api = await Api.sign_up(gateway, "Target")
    assert (await api.get("/v1/fans")).status_code == 200
    secret = platform.env["GATEWAY_JWT_SECRET"].split(",")[0]
    kid = jwt.get_unverified_header(api.token)["kid"]
    claims = jwt.decode(api.token, secret, algorithms=["HS256"], audience="huntaze")
    await refused(gateway, _forge_none(claims, kid))
    await refused(gateway, jwt.encode(claims, "x" * 64, algorithm="HS256", headers={"kid": kid}))  # wrong key
    await refused(gateway, jwt.encode(claims, secret, algorithm="HS512", headers={"kid": kid}))  # other algorithm
    expired = {**claims, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}
    assert (await refused(gateway, jwt.encode(expired, secret, headers={"kid": kid})))["code"] == "token_expired"
    await refused(gateway, jwt.encode({**claims, "aud": "another-app"}, secret, headers={"kid": kid}))
    await refused(
        gateway, jwt.encode({**claims, "sid": str(uuid.uuid4())}, secret, headers={"kid": kid})
    )  # no such session
    await refused(gateway, api.refresh_token)  # a refresh token is not an access token
    # the access token lives 15 minutes
    assert claims["exp"] - claims["iat"] == 900


async def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "Rotor")
    first = await gateway.post("/v1/auth/refresh", json={"refresh_token": api.refresh_token})
    assert first.status_code == 200, first.text
    pair = first.json()
    assert pair["refresh_token"] != api.refresh_token and pair["expires_in"] == 900
    assert (
        await gateway.get("/v1/fans", headers={"Authorization": f"Bearer {pair['access_token']}"})
    ).status_code == 200
    replay = await gateway.post("/v1/auth/refresh", json={"refresh_token": api.refresh_token})
    assert replay.status_code == 401 and replay.json()["code"] == "invalid_refresh_token"
    # the whole family is revoked: the newest refresh token and every access token of the session
    assert (await gateway.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).status_code == 401
    assert (await refused(gateway, pair["access_token"]))["code"] == "session_ended"
    await refused(gateway, api.token)
    # a new log-in is a new session
    again = await Api.log_in(gateway, api.email, api.password)
    assert (await again.get("/v1/fans")).status_code == 200


async def test_logout_and_password_change_end_sessions(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "Leaver")
    other = await Api.log_in(gateway, api.email, api.password)
    assert (await api.post("/v1/auth/logout")).status_code == 204
    await refused(gateway, api.token)
    assert (await gateway.post("/v1/auth/refresh", json={"refresh_token": api.refresh_token})).status_code == 401
    assert (await other.get("/v1/fans")).status_code == 200  # another session lives on
    third = await Api.log_in(gateway, api.email, api.password)
    wrong = await third.post(
        "/v1/auth/password", json={"current_password": "not it at all", "new_password": "a brand new one"}
    )
    assert wrong.status_code == 403
    changed = await third.post(
        "/v1/auth/password", json={"current_password": PASSWORD, "new_password": "a brand new one"}
    )
    assert changed.status_code == 204, changed.text
    await refused(gateway, other.token)  # every other session ended
    assert (await third.get("/v1/fans")).status_code == 200  # this one goes on
    assert (await gateway.post("/v1/auth/token", data={"username": api.email, "password": PASSWORD})).status_code == 401
    await Api.log_in(gateway, api.email, "a brand new one")


async def test_the_eleventh_wrong_password_in_a_minute_answers_429_whether_the_email_exists_or_not(
    gateway: Any,
) -> None:
    api = await Api.sign_up(gateway, "Guessed")
    for email in (api.email, f"nobody-{uuid.uuid4().hex[:8]}@example.com"):
        statuses = []
        for attempt in range(11):
            answer = await gateway.post("/v1/auth/token", data={"username": email, "password": f"guess {attempt}!"})
            statuses.append(answer.status_code)
        assert statuses == [401] * 10 + [429], (email, statuses)
        assert int(answer.headers["retry-after"]) > 0
        assert answer.json()["code"] == "too_many_attempts"
    # the right password is refused too while the window lasts: guessing is bounded
    blocked = await gateway.post("/v1/auth/token", data={"username": api.email, "password": api.password})
    assert blocked.status_code == 429


async def test_a_connector_key_ingests_for_its_creator_only_and_dies_when_revoked(gateway: Any) -> None:
    owner = await Api.sign_up(gateway, "Keyed")
    made = await owner.post(f"/v1/creators/{owner.creator_id}/connector-keys", json={"name": "chrome"})
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    as_key = {"Authorization": f"Bearer {key}"}
    message = {"fan": {"external_id": "of_key", "display_name": "Kai"}, "text": "hello"}
    assert (await gateway.post("/v1/inbox/messages", json=message, headers=as_key)).status_code in (200, 201, 202)
    sale = {
        "items": [
            {
                "external_id": "k-1",
                "fan": {"external_id": "of_key", "display_name": "Kai"},
                "type": "tip",
                "gross_cents": 1000,
                "currency": "USD",
                "occurred_at": "2026-11-20T10:00:00Z",
            }
        ]
    }
    ingested = await gateway.post("/v1/revenue/transactions", json=sale, headers=as_key)
    assert ingested.status_code == 200, ingested.text
    for method, path in (
        ("GET", "/v1/fans"),
        ("GET", "/v1/analytics/summary"),
        ("GET", "/v1/me"),
        ("GET", "/v1/org/members"),
    ):
        assert (await gateway.request(method, path, headers=as_key)).status_code == 403, path
    other = await Api.sign_up(gateway, "NotKeyed")
    foreign = await gateway.post(
        "/v1/inbox/messages", json=message, headers={**as_key, "X-Creator-Id": other.creator_id}
    )
    assert foreign.status_code == 404
    listed = (await owner.get(f"/v1/creators/{owner.creator_id}/connector-keys")).json()
    assert [k["id"] for k in listed] == [made.json()["id"]] and "key" not in listed[0]
    assert listed[0]["last_used_at"] is not None
    assert (
        await owner.delete(f"/v1/creators/{owner.creator_id}/connector-keys/{made.json()['id']}")
    ).status_code == 204
    assert (await gateway.post("/v1/inbox/messages", json=message, headers=as_key)).status_code == 401
    tampered = key[:-3] + ("aaa" if not key.endswith("aaa") else "bbb")
    assert (
        await gateway.post("/v1/inbox/messages", json=message, headers={"Authorization": f"Bearer {tampered}"})
    ).status_code == 401


async def test_an_agency_runs_creators_staff_shifts_and_reads_its_audit_log(gateway: Any) -> None:
    agency = await build_agency(gateway, "Studio")
    owner = agency.owner
    second = await owner.post("/v1/creators", json={"display_name": "Second creator"})
    assert second.status_code == 201, second.text
    second_id = second.json()["id"]
    # a chatter narrowed to the second creator sees that one only, and needs not name it
    narrow = await invite(owner, "chatter", "Narrow", [second_id])
    assert [c["id"] for c in (await narrow.get("/v1/creators")).json()] == [second_id]
    assert (await narrow.get("/v1/inbox/conversations")).status_code == 200
    first_only = await narrow.client.get(
        "/v1/inbox/conversations", headers={**narrow.auth, "X-Creator-Id": owner.creator_id}
    )
    assert first_only.status_code == 404
    # the owner now has two creators: naming one is required
    ambiguous = await owner.get("/v1/inbox/conversations")
    assert ambiguous.status_code == 400 and ambiguous.json()["code"] == "scope_required"
    # the chatter approves a draft; the owner sees who did it in the audit log
    chatter = agency.staff["chatter"]
    headers = {**chatter.auth, "X-Creator-Id": owner.creator_id}
    approved = await gateway.post(f"/v1/inbox/drafts/{agency.ids['draft_id']}/approve", json={}, headers=headers)
    assert approved.status_code == 202, approved.text
    audit = (await owner.client.get("/v1/org/audit", headers=owner.auth)).json()["items"]
    approval = next(e for e in audit if e["action"] == "POST /v1/inbox/drafts/{draft_id}/approve")
    assert (approval["actor_user_id"], approval["actor_role"], approval["status"]) == (chatter.user_id, "chatter", 202)
    assert agency.ids["draft_id"] in approval["target"] and approval["creator_id"] == owner.creator_id
    assert any(e["action"] == "POST /v1/org/invitations" for e in audit)
    assert (await chatter.get("/v1/org/audit")).status_code == 403
    # members: a role change, the last owner kept, a removal ends the member's access
    members = (await owner.get("/v1/org/members")).json()
    assert {m["role"] for m in members} == {"owner", "manager", "chatter", "analyst"}
    analyst = agency.staff["analyst"]
    patched = await owner.patch(f"/v1/org/members/{analyst.user_id}", json={"role": "manager"})
    assert patched.status_code == 200 and patched.json()["role"] == "manager"
    assert (await owner.patch(f"/v1/org/members/{owner.user_id}", json={"role": "manager"})).status_code == 409
    assert (await owner.delete(f"/v1/org/members/{narrow.user_id}")).status_code == 204
    assert (await narrow.get("/v1/inbox/conversations")).status_code == 404  # no creator left for them
    # shifts: listed for the window, a chatter sees their own
    shifts = (await chatter.get("/v1/org/shifts")).json()
    assert [s["id"] for s in shifts] == [agency.ids["shift_id"]]
    # an invitation is single use
    invited = await owner.post("/v1/org/invitations", json={"email": "once@example.com", "role": "analyst"})
    token = invited.json()["token"]
    body = {"token": token, "password": PASSWORD, "display_name": "Once"}
    assert (await gateway.post("/v1/auth/accept-invitation", json=body)).status_code == 201
    assert (await gateway.post("/v1/auth/accept-invitation", json=body)).status_code == 404


async def test_cors_answers_the_frontends_origin_only(gateway: Any) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,x-creator-id",
    }
    ok = await gateway.options("/v1/inbox/messages", headers={"Origin": "https://app.huntaze.test", **preflight})
    assert ok.status_code == 200, ok.text
    assert ok.headers["access-control-allow-origin"] == "https://app.huntaze.test"
    assert "access-control-allow-credentials" not in ok.headers  # bearer tokens, no cookies
    evil = await gateway.options("/v1/inbox/messages", headers={"Origin": "https://evil.example", **preflight})
    assert evil.status_code == 400 and "access-control-allow-origin" not in evil.headers
