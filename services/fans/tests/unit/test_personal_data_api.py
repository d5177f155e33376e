"""The erasure and personal-data routes on fakes: status codes, the same answer twice, 404 for
another creator's fan, 409 for notes of an erased fan, and the documented response shapes."""

from __future__ import annotations

import typing
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from fans import api
from fans.erasure import ERASED_NAME, erased_handle
from fans.handlers import crm
from fans.handlers.revenue import record_transactions
from huntaze_service import CreatorId, UserId
from huntaze_service.http import install_error_handlers
from huntaze_service.runtime import runtime_of

from .fakes import Fans
from .test_erasure import CREATOR, HANDLE, JAKE, NAME, OWNER, SALE_AT, sale


class FakeRuntime:
    def __init__(self, fans: Fans) -> None:
        self.fans = fans

    def uow(self) -> typing.Any:
        return self.fans.worker.uow()


def dependency(annotated: typing.Any) -> typing.Any:
    """The dependency behind an ``Annotated[..., Depends(f)]`` alias (CreatorId, UserId)."""
    return typing.get_args(annotated)[1].dependency


@pytest.fixture
async def client() -> AsyncIterator[tuple[httpx.AsyncClient, Fans, dict[str, uuid.UUID]]]:
    fans = Fans(CREATOR)
    await fans.run(record_transactions, [sale("t1", 2_500, SALE_AT), sale("t2", 1_000, SALE_AT + timedelta(hours=1))])
    await fans.run(crm.add_note, JAKE, "met at the Leeds convention", OWNER)
    caller = {"creator": CREATOR, "user": OWNER}
    app = FastAPI()
    install_error_handlers(app)
    for router in api.routers:
        app.include_router(router)
    app.dependency_overrides[runtime_of] = lambda: FakeRuntime(fans)
    app.dependency_overrides[dependency(CreatorId)] = lambda: caller["creator"]
    app.dependency_overrides[dependency(UserId)] = lambda: caller["user"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fans") as c:
        yield c, fans, caller


async def test_erase_answers_202_and_the_same_body_when_asked_again(client: typing.Any) -> None:
    http, fans, caller = client
    before = await http.get(f"/v1/fans/{JAKE}/personal-data")
    assert before.status_code == 200, before.text
    body = before.json()
    assert (body["external_id"], body["display_name"], body["erased_at"]) == (HANDLE, NAME, None)
    assert [n["text"] for n in body["notes"]] == ["met at the Leeds convention"]
    assert {t["external_id"] for t in body["transactions"]} == {"t1", "t2"}
    assert set(body) >= {"spend", "subscription", "segments", "tags", "preferences", "spend_by_type", "erased_by"}

    first = await http.post(f"/v1/fans/{JAKE}/erase")
    assert first.status_code == 202, first.text
    assert first.json()["fan_id"] == str(JAKE) and first.json()["requested_by"] == str(OWNER)
    caller["user"] = uuid.uuid4()  # another manager asks again later
    fans.clock.advance(minutes=3)
    second = await http.post(f"/v1/fans/{JAKE}/erase")
    assert (second.status_code, second.json()) == (202, first.json())
    assert len(fans.worker.emitted("fan.erased")) == 1

    after = (await http.get(f"/v1/fans/{JAKE}/personal-data")).json()
    assert (after["external_id"], after["display_name"]) == (erased_handle(JAKE), ERASED_NAME)
    assert after["erased_at"] == first.json()["erased_at"] and after["erased_by"] == str(OWNER)
    assert after["notes"] == [] and len(after["transactions"]) == 2
    profile = (await http.get(f"/v1/fans/{JAKE}")).json()
    assert profile["erased_at"] == first.json()["erased_at"] and profile["spend"]["net_cents"] == 2_800

    refused = await http.post(f"/v1/fans/{JAKE}/notes", json={"text": "it was Jake"})
    assert (refused.status_code, refused.json()["code"]) == (409, "fan_erased")
    assert (await http.put(f"/v1/fans/{JAKE}/tags", json={"tags": ["vip"]})).status_code == 409
    assert (await http.patch(f"/v1/fans/{JAKE}", json={"preferences": {"likes": "x"}})).status_code == 409


async def test_another_creators_fan_and_an_unknown_fan_answer_404(client: typing.Any) -> None:
    http, fans, caller = client
    caller["creator"] = uuid.uuid4()
    for path in (f"/v1/fans/{JAKE}/erase", f"/v1/fans/{uuid.uuid4()}/erase"):
        answer = await http.post(path)
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert (await http.get(f"/v1/fans/{JAKE}/personal-data")).status_code == 404
    assert fans.repo.fans[JAKE].erased_at is None and fans.worker.emitted("fan.erased") == []
    assert (await http.post("/v1/fans/not-a-uuid/erase")).status_code == 422
