"""Every public route × every role, and every id-taking route with another organisation's ids.

Both walk the one OpenAPI document (docs/openapi.json, `make docs`), so a new route is covered
without being listed here: one without a permission in gateway/permissions.py fails the matrix, one
taking an id this test cannot fill fails the walk until an id (and, for a body, an example) is added.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from gateway.permissions import PUBLIC, SIGNED_IN, Role, allowed, rule_for
from huntaze_testkit.agency import build_agency

ROOT = Path(__file__).resolve().parents[2]
DOC = json.loads((ROOT / "docs" / "openapi.json").read_text())
ROLES = ["owner", "manager", "chatter", "analyst", "connector"]
LAST = {("POST", "/v1/auth/logout")}  # ends the caller's session: run after everything else

BODIES: dict[tuple[str, str], Any] = {
    # a valid body for every id-taking route that needs one: the walk must reach the tenant check
    ("POST", "/v1/inbox/drafts/{draft_id}/approve"): {},
    ("POST", "/v1/ai/pricing/experiments/{experiment_id}/stop"): {},
    ("POST", "/v1/inbox/drafts/{draft_id}/regenerate"): {"instruction": "shorter"},
    ("POST", "/v1/inbox/conversations/{conversation_id}/offers"): {
        "text": "just for you",
        "price_cents": 1500,
        "media_ids": [str(uuid.uuid4())],
    },
    ("PATCH", "/v1/fans/{fan_id}"): {"preferences": {"likes": "x"}},
    ("POST", "/v1/fans/{fan_id}/notes"): {"text": "a note"},
    ("PUT", "/v1/fans/{fan_id}/tags"): {"tags": ["x"]},
    ("POST", "/v1/fans/{fan_id}/erase"): None,
    ("POST", "/v1/inbox/mass-messages/{mass_message_id}/cancel"): None,
    ("POST", "/v1/creators/{creator_id}/connector-keys"): {"name": "stolen"},
    ("PATCH", "/v1/org/members/{user_id}"): {"role": "analyst"},
    ("PATCH", "/v1/marketing/posts/{post_id}"): {"content": {"caption": "taken over"}},
    ("POST", "/v1/marketing/posts/{post_id}/cancel"): None,
    ("PUT", "/v1/marketing/accounts/{account_id}/slots"): {
        "timezone": "UTC",
        "slots": [{"weekday": 0, "time": "09:00"}],
    },
    ("PATCH", "/v1/content/media/{media_id}"): {"title": "taken over"},
    ("POST", "/v1/content/media/uploads/{upload_id}/complete"): {},
    ("PATCH", "/v1/content/ideas/{idea_id}"): {"status": "dismissed"},
    ("POST", "/v1/content/ideas/{idea_id}/accept"): {"starts_at": "2030-01-01T20:00:00+00:00"},
    ("PATCH", "/v1/calendar/items/{item_id}"): {"title": "taken over"},
    ("POST", "/v1/calendar/entries/{entry_id}/move"): {"starts_at": "2030-01-01T20:00:00+00:00"},
    ("POST", "/v1/notifications/{notification_id}/read"): None,
    ("PATCH", "/v1/webhooks/{endpoint_id}"): {"url": "https://attacker.example.com/hook", "enabled": True},
    ("POST", "/v1/webhooks/{endpoint_id}/rotate-secret"): None,
    ("POST", "/v1/webhooks/{endpoint_id}/test"): None,
    ("POST", "/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver"): None,
}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), path, op) for path, item in DOC["paths"].items() for m, op in item.items()]


def fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: ids.get(m.group(1), str(uuid.uuid4())), path)


async def call(client: Any, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
    if method in ("POST", "PUT", "PATCH"):
        return await client.request(method, path, headers=headers, json={} if body is None else body)
    return await client.request(method, path, headers=headers)


def test_every_documented_route_has_a_permission() -> None:
    assert [(m, p) for m, p, _ in operations() if rule_for(m, p) is None] == []


async def test_every_route_answers_each_role_as_the_permission_table_says(gateway: Any) -> None:
    agency = await build_agency(gateway, "Matrix", with_inbox=False)
    # random ids in paths (a permitted role then gets 404, never an effect), the path's creator real
    ids = {"creator_id": agency.owner.creator_id}
    seen: list[tuple[str, str, str, int]] = []
    ordered = sorted(operations(), key=lambda o: (o[0], o[1]) in LAST)
    for method, path, _ in ordered:
        rule = rule_for(method, path)
        assert rule is not None, (method, path)
        url = fill(path, ids)
        if rule.permission == PUBLIC:
            answer = await call(gateway, method, url, {})
            assert answer.status_code not in (401, 403) and answer.status_code < 500, (method, path, answer.text)
            continue
        anonymous = await call(gateway, method, url, {})
        assert anonymous.status_code == 401, (method, path, anonymous.status_code)
        for role in ROLES:
            answer = await call(gateway, method, url, agency.headers(role))
            seen.append((method, path, role, answer.status_code))
            may = allowed(role, rule.permission) and not (role == "connector" and rule.scope != "creator")
            if role == "connector" and rule.permission == SIGNED_IN:
                may = False
            if may:
                assert answer.status_code not in (401, 403) and answer.status_code < 500, (
                    method,
                    path,
                    role,
                    answer.text,
                )
            else:
                assert answer.status_code == 403, (method, path, role, answer.status_code, answer.text)
                assert answer.json()["code"] == "forbidden"
    roles_seen = {r for _, _, r, _ in seen}
    assert roles_seen == set(ROLES) and len(seen) >= 5 * 40, len(seen)
    assert {Role(r) for r in ROLES} == set(Role)


async def test_another_organisations_ids_answer_404_on_every_route(gateway: Any) -> None:
    mine = await build_agency(gateway, "Mine", with_inbox=False)
    theirs = await build_agency(gateway, "Theirs")
    owner = mine.owner
    walked = []
    for method, path, _ in operations():
        params = re.findall(r"\{([^}]+)\}", path)
        if not params or (method, path) in LAST or rule_for(method, path).permission == PUBLIC:  # type: ignore[union-attr]
            continue  # a tracking link's public redirect: its code is the whole address, whoever follows it
        missing = [p for p in params if p not in theirs.ids]
        assert not missing, f"{method} {path}: no id of another organisation for {missing}: add one to build_agency"
        body = BODIES.get((method, path))
        if method in ("POST", "PUT", "PATCH"):
            assert (method, path) in BODIES, f"{method} {path}: add a valid example body to BODIES"
        headers = {**owner.auth}
        answer = await call(gateway, method, fill(path, theirs.ids), headers, body)
        assert answer.status_code == 404, (method, path, answer.status_code, answer.text)
        walked.append((method, path))
    # naming their creator account in X-Creator-Id (or X-Organization-Id) is "not found" too
    for method, path, _ in operations():
        rule = rule_for(method, path)
        assert rule is not None
        if method != "GET" or rule.scope not in ("creator", "org"):
            continue
        headers = {**owner.auth, "X-Creator-Id": theirs.owner.creator_id}
        answer = await gateway.get(fill(path, mine.ids), headers=headers)
        assert answer.status_code == 404, (path, answer.status_code, answer.text)
        answer = await gateway.get(
            fill(path, mine.ids), headers={**owner.auth, "X-Organization-Id": theirs.owner.organization_id}
        )
        assert answer.status_code == 404, (path, answer.status_code, answer.text)
        walked.append(("GET", path))
    assert len(walked) >= 30, walked
    # nothing of theirs changed: their draft is still a draft, their member still a chatter, key alive
    draft = await theirs.owner.get(f"/v1/inbox/drafts/{theirs.ids['draft_id']}")
    assert draft.json()["status"] == "drafted", draft.text
    member = await theirs.owner.get(f"/v1/org/members/{theirs.ids['user_id']}")
    assert member.json()["role"] == "chatter", member.text
    still = await gateway.get("/v1/fans", headers=theirs.headers("connector"))
    assert still.status_code == 403  # the key still authenticates (403, not 401: a connector may not read fans)
