"""The notifications and webhooks routes on fakes: tenant scoping (another creator's ids answer 404),
bad input answered 4xx, the secret shown once, the delivery log and re-delivery, notices per role."""

from __future__ import annotations

import typing
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from huntaze_service import Caller, CurrentCaller
from huntaze_service.http import install_error_handlers
from huntaze_service.runtime import runtime_of
from huntaze_service.sealing import SealedBox, new_key
from huntaze_testkit.fakes import FakeUnitOfWork
from notifications import notices_api, webhooks_api
from notifications.domain import KINDS, Notice
from notifications.webhooks import UrlPolicy

from .fakes import FakeNotificationsRepository

CREATOR, OTHER = uuid.UUID(int=1), uuid.UUID(int=2)


class FakeRuntime:
    def __init__(self, repo: FakeNotificationsRepository) -> None:
        self.repo = repo
        self.state = {webhooks_api.BOX: SealedBox(new_key()), webhooks_api.POLICY: UrlPolicy(False, (), 3)}
        self.timers: dict = {}

    def uow(self) -> typing.Any:
        return FakeUnitOfWork(self.repo, producer="notifications", timers=self.timers)


class Client(typing.NamedTuple):
    http: httpx.AsyncClient
    repo: FakeNotificationsRepository
    caller: list[Caller]

    def act_as(self, role: str, creator: uuid.UUID = CREATOR, user: uuid.UUID | None = None) -> None:
        self.caller[0] = Caller(
            user_id=user or uuid.UUID(int=99), creator_id=creator, org_id=uuid.UUID(int=5), role=role
        )


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    repo = FakeNotificationsRepository()
    runtime = FakeRuntime(repo)
    caller = [Caller(user_id=uuid.UUID(int=99), creator_id=CREATOR, org_id=uuid.UUID(int=5), role="owner")]
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(notices_api.router)
    app.include_router(webhooks_api.router)
    app.dependency_overrides[runtime_of] = lambda: runtime
    app.dependency_overrides[typing.get_args(CurrentCaller)[1].dependency] = lambda: caller[0]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifications") as http:
        yield Client(http, repo, caller)


async def test_an_endpoint_is_created_with_its_secret_shown_once(client: Client) -> None:
    created = await client.http.post("/v1/webhooks", json={"url": "https://hooks.example.com/in",
                                                          "events": ["transaction.recorded", "post.failed"]})  # fmt: skip
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["status"] == "active"
    read = await client.http.get(f"/v1/webhooks/{body['endpoint_id']}")
    assert read.status_code == 200 and "secret" not in read.json()
    stored = client.repo.endpoints_by_id[uuid.UUID(body["endpoint_id"])]
    assert body["secret"].encode() not in stored.sealed_secret  # sealed at rest


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"url": "http://hooks.example.com/in", "events": ["post.failed"]}, 422),  # http
        ({"url": "https://127.0.0.1/in", "events": ["post.failed"]}, 422),  # loopback
        ({"url": "https://169.254.169.254/latest", "events": ["post.failed"]}, 422),  # link-local
        ({"url": "https://hooks.example.com/in", "events": ["nope.happened"]}, 422),
        ({"url": "https://hooks.example.com/in", "events": []}, 422),
        ({"url": "https://hooks.example.com/in", "events": "post.failed"}, 422),
        ({"url": 12, "events": ["post.failed"]}, 422),
        ({"url": "https://hooks.example.com/" + "a" * 3000, "events": ["post.failed"]}, 422),
        ({"url": "https://hooks.example.com/in", "events": ["post.failed"], "extra": 1}, 422),
    ],
)
async def test_bad_endpoints_are_refused_with_a_clear_4xx(client: Client, payload: dict, status: int) -> None:
    answer = await client.http.post("/v1/webhooks", json=payload)
    assert answer.status_code == status, answer.text
    assert client.repo.endpoints_by_id == {}


async def test_the_number_of_endpoints_is_bounded(client: Client) -> None:
    for _ in range(3):
        assert (
            await client.http.post("/v1/webhooks", json={"url": "https://a.example.com/", "events": ["post.failed"]})
        ).status_code == 201
    again = await client.http.post("/v1/webhooks", json={"url": "https://a.example.com/", "events": ["post.failed"]})
    assert again.status_code == 409


async def test_another_creators_endpoint_and_deliveries_answer_404(client: Client) -> None:
    created = (
        await client.http.post("/v1/webhooks", json={"url": "https://a.example.com/", "events": ["post.failed"]})
    ).json()
    eid = created["endpoint_id"]
    client.act_as("owner", creator=OTHER)
    for method, path in [("GET", f"/v1/webhooks/{eid}"), ("PATCH", f"/v1/webhooks/{eid}"), ("DELETE", f"/v1/webhooks/{eid}"),
                         ("GET", f"/v1/webhooks/{eid}/deliveries"), ("POST", f"/v1/webhooks/{eid}/test"),
                         ("POST", f"/v1/webhooks/{eid}/rotate-secret"),
                         ("POST", f"/v1/webhooks/{eid}/deliveries/{uuid.uuid4()}/redeliver")]:  # fmt: skip
        answer = await client.http.request(method, path, json={} if method == "PATCH" else None)
        assert answer.status_code == 404, (method, path, answer.text)
    assert (await client.http.get("/v1/webhooks")).json()["items"] == []
    assert (await client.http.get("/v1/webhooks/not-a-uuid")).status_code == 422


async def test_test_delivery_the_log_and_pausing(client: Client) -> None:
    eid = (
        await client.http.post("/v1/webhooks", json={"url": "https://a.example.com/", "events": ["post.failed"]})
    ).json()["endpoint_id"]
    sent = await client.http.post(f"/v1/webhooks/{eid}/test")
    assert sent.status_code == 202
    log = (await client.http.get(f"/v1/webhooks/{eid}/deliveries")).json()
    assert [(d["event_type"], d["status"]) for d in log["items"]] == [("webhook.test", "pending")]
    detail = await client.http.get(f"/v1/webhooks/{eid}/deliveries/{sent.json()['delivery_id']}")
    assert detail.status_code == 200 and '"type":"webhook.test"' in detail.json()["body"]
    assert (await client.http.get(f"/v1/webhooks/{eid}/deliveries?status=bogus")).status_code == 422
    assert (await client.http.get(f"/v1/webhooks/{eid}/deliveries?cursor=%%%")).status_code == 422
    paused = await client.http.patch(f"/v1/webhooks/{eid}", json={"enabled": False})
    assert paused.json()["status"] == "disabled"
    redo = await client.http.post(f"/v1/webhooks/{eid}/deliveries/{sent.json()['delivery_id']}/redeliver")
    assert redo.status_code == 409
    assert (await client.http.patch(f"/v1/webhooks/{eid}", json={"enabled": True})).json()["status"] == "active"
    assert (
        await client.http.post(f"/v1/webhooks/{eid}/deliveries/{sent.json()['delivery_id']}/redeliver")
    ).status_code == 202
    assert (await client.http.delete(f"/v1/webhooks/{eid}")).status_code == 204
    assert (await client.http.get(f"/v1/webhooks/{eid}")).status_code == 404


def _notice(kind: str, user: uuid.UUID | None = None, creator: uuid.UUID = CREATOR, minute: int = 0) -> Notice:
    return Notice(id=uuid.uuid4(), creator_id=creator, kind=kind, title=kind, body="…", user_id=user,
                  created_at=datetime(2026, 11, 2, 9, minute, tzinfo=UTC))  # fmt: skip


async def test_notices_follow_roles_recipients_mutes_and_read_marks(client: Client) -> None:
    me, colleague = uuid.UUID(int=99), uuid.UUID(int=98)
    team = _notice("post_failed", minute=1)
    mine = _notice("webhook_disabled", user=me, minute=2)
    theirs = _notice("webhook_disabled", user=colleague, minute=3)
    foreign = _notice("post_failed", creator=OTHER, minute=4)
    for n in (team, mine, theirs, foreign):
        client.repo.notice_rows[n.id] = n
    page = (await client.http.get("/v1/notifications")).json()
    assert [i["notification_id"] for i in page["items"]] == [str(mine.id), str(team.id)] and page["unread"] == 2
    assert (await client.http.post(f"/v1/notifications/{theirs.id}/read")).status_code == 404
    assert (await client.http.post(f"/v1/notifications/{foreign.id}/read")).status_code == 404
    assert (await client.http.post(f"/v1/notifications/{team.id}/read")).status_code == 204
    page = (await client.http.get("/v1/notifications?unread_only=true")).json()
    assert [i["notification_id"] for i in page["items"]] == [str(mine.id)] and page["unread"] == 1
    prefs = await client.http.put("/v1/notifications/preferences", json={"kinds": {"post_failed": False}})
    assert prefs.json()["kinds"] == {kind: kind != "post_failed" for kind in KINDS}
    assert [i["kind"] for i in (await client.http.get("/v1/notifications")).json()["items"]] == ["webhook_disabled"]
    assert (await client.http.put("/v1/notifications/preferences", json={"kinds": {"nope": True}})).status_code == 422
    assert (
        await client.http.put("/v1/notifications/preferences", json={"kinds": {"post_failed": "x"}})
    ).status_code == 422
    assert (await client.http.post("/v1/notifications/read-all")).json() == {"marked": 1}
    client.act_as("chatter", user=uuid.UUID(int=97))  # team notices of these kinds are not a chatter's
    assert (await client.http.get("/v1/notifications")).json()["items"] == []
