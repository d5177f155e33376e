"""A NUL character, which PostgreSQL text cannot hold, answers 422 (or rejects its batch item) on
every route that stores or searches with a string. Found by the API schema test: it was a 500."""

from __future__ import annotations

import typing

import pytest

from .test_erasure import JAKE
from .test_personal_data_api import client  # noqa: F401  (the fixture)

NUL = "a\x00b"
FAN = {"external_id": "jake_88", "display_name": "Jake"}
AT = "2026-01-01T00:00:00Z"


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", "/v1/fans?q=a%00b", None),
        ("GET", "/v1/fans?tag=a%00b", None),
        ("GET", "/v1/fans?segment=a%00b", None),
        ("POST", f"/v1/fans/{JAKE}/notes", {"text": NUL}),
        ("PATCH", f"/v1/fans/{JAKE}", {"preferences": {"likes": NUL}}),
        ("POST", "/v1/fans/segments", {"name": NUL, "filter": {}}),
        ("POST", "/v1/fans/segments", {"name": "mine", "filter": {"q": NUL}}),
    ],
)
async def test_a_nul_in_a_request_is_a_422(client: typing.Any, method: str, path: str, body: typing.Any) -> None:  # noqa: F811
    http, _, _ = client
    answer = await http.request(method, path, json=body)
    assert answer.status_code == 422, answer.text
    assert "NUL" in answer.text


@pytest.mark.parametrize(
    "item",
    [
        {"external_id": NUL, "fan": FAN, "type": "tip", "gross_cents": 100, "currency": "USD", "occurred_at": AT},
        {
            "external_id": "t9",
            "fan": {"external_id": "jake_88", "display_name": NUL},
            "type": "tip",
            "gross_cents": 100,
            "currency": "USD",
            "occurred_at": AT,
        },
    ],
)
async def test_a_nul_in_a_transaction_rejects_that_item(client: typing.Any, item: dict[str, typing.Any]) -> None:  # noqa: F811
    http, _, _ = client
    answer = await http.post("/v1/revenue/transactions", json={"items": [item]})
    assert answer.status_code == 200, answer.text
    (result,) = answer.json()["results"]
    assert result["status"] == "rejected" and "NUL" in result["reason"], result


async def test_a_nul_in_a_subscription_report_rejects_that_item(client: typing.Any) -> None:  # noqa: F811
    http, _, _ = client
    item = {
        "fan": FAN,
        "status": "active",
        "started_at": AT,
        "expires_at": "2026-02-01T00:00:00Z",
        "auto_renew": True,
        "currency": "USD",
        "via": {"tracking_link": NUL},
    }
    answer = await http.post("/v1/revenue/subscriptions", json={"items": [item]})
    assert answer.status_code == 200, answer.text
    (result,) = answer.json()["results"]
    assert result["status"] == "rejected" and "NUL" in result["reason"], result
