"""Revenue routes: bad input gets a clear 4xx naming the problem, never a 500, and nothing valid is
lost; another creator's imports, fans and segments answer 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from huntaze_testkit import Api, eventually

HEADER = "Date,Amount,Fee,Net,Description,Status\r\n"
GOOD_ROW = '"Nov 3, 2026 8:14 pm",$25.00,$5.00,$20.00,Payment for message from Jake (@jake_88),Complete\r\n'


def sale(external_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "fan": {"external_id": "bad_input_fan", "display_name": "Bad Input"},
        "type": "tip",
        "gross_cents": 1000,
        "currency": "USD",
        "occurred_at": datetime.now(UTC).isoformat(),
    } | changes


async def upload(api: Api, data: bytes, name: str = "s.csv", content_type: str = "text/csv") -> Any:
    return await api.post("/v1/revenue/imports", files={"file": (name, data, content_type)})


async def test_bad_items_are_rejected_one_by_one_and_the_good_ones_kept(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "Items")
    items = [
        sale("ok-1"),
        sale("bad-type", type="gift"),
        sale("bad-currency", currency="XYZ"),
        sale("other-currency", currency="EUR"),
        sale("negative-sale", gross_cents=-500),
        sale("float-amount", gross_cents=9.99),
        sale("string-amount", gross_cents="1000"),
        sale("no-timezone", occurred_at="2026-11-03T20:14:00"),
        sale("inconsistent", gross_cents=1000, fee_cents=200, net_cents=900),
        sale("zero", gross_cents=0),
        {"external_id": "no-fan", "type": "tip"},
        "not an object",
        sale("ok-2", type="refund", gross_cents=300),
    ]
    answer = await api.post("/v1/revenue/transactions", json={"items": items})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    statuses = [r["status"] for r in body["results"]]
    assert statuses[0] == "accepted" and statuses[-1] == "accepted"
    assert statuses[1:-1] == ["rejected"] * (len(items) - 2), body["results"]
    for r in body["results"][1:-1]:
        assert r["reason"], r
    fan = (await api.get("/v1/fans", params={"q": "bad_input_fan"})).json()["items"][0]
    assert fan["spend"]["net_cents"] == 800 - 240  # the tip, less the refund (20 % fee on both)


async def test_bad_batches_are_refused_whole(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "Batches")
    too_many = {"items": [sale(f"x-{i}") for i in range(1001)]}
    for body, status in (
        (too_many, 422),
        ({"items": []}, 422),
        ({"items": "nope"}, 422),
        ({"nothing": 1}, 422),
    ):
        answer = await api.post("/v1/revenue/transactions", json=body)
        assert answer.status_code == status, (body if len(str(body)) < 200 else "1001 items", answer.text)
        assert answer.json()["detail"]
    answer = await api.post(
        "/v1/revenue/transactions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
    assert (await api.get("/v1/fans")).json()["items"] == []  # nothing of the refused batches was stored
    for body in (
        {"items": [{"fan": {"external_id": "a", "display_name": "A"}, "status": "paused"}]},
        {
            "items": [
                {
                    "fan": {"external_id": "a", "display_name": "A"},
                    "status": "active",
                    "started_at": "2026-11-01T00:00:00Z",
                    "expires_at": "2026-10-01T00:00:00Z",
                    "auto_renew": True,
                    "currency": "USD",
                }
            ]
        },
    ):
        answer = await api.post("/v1/revenue/subscriptions", json=body)
        assert answer.status_code == 200 and answer.json()["rejected"] == 1, answer.text
    bad_settings = await api.put("/v1/revenue/settings", json={"timezone": "Mars/Olympus"})
    assert bad_settings.status_code == 422
    assert (await api.put("/v1/revenue/settings", json={"whale_threshold_cents": -1})).status_code == 422


async def test_bad_statements(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "Files")
    # required columns missing: 422 naming them, nothing stored
    answer = await upload(api, b"Date,Amount,Description\r\n" + GOOD_ROW.encode())
    assert answer.status_code == 422, answer.text
    assert "Fee" in answer.json()["detail"] and "Net" in answer.json()["detail"]
    # not a CSV at all
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    answer = await upload(api, png, "photo.png", "image/png")
    assert answer.status_code == 415, answer.text
    # larger than the import limit (4 MiB in the tests)
    answer = await upload(api, (HEADER + GOOD_ROW * 60_000).encode())
    assert answer.status_code == 413, answer.text
    # no file part at all
    answer = await api.post("/v1/revenue/imports", data={"nothing": "here"})
    assert answer.status_code == 422
    # bad rows are reported by line; the rest is imported
    rows = [
        GOOD_ROW,
        '"Nov 3, 2026 8:15 pm",$2x.00,$5.00,$20.00,Tip from Jake (@jake_88),Complete\r\n',
        '"Nov 31, 2026 8:16 pm",$25.00,$5.00,$20.00,Tip from Jake (@jake_88),Complete\r\n',
        '"Nov 3, 2026 8:17 pm",$10.00,$2.00,$8.00,Tip from Jake (@jake_88),Complete\r\n',
    ]
    answer = await upload(api, (HEADER + "".join(rows)).encode())
    assert answer.status_code == 202, answer.text
    import_id = answer.json()["import_id"]

    async def done() -> dict[str, Any] | None:
        body = (await api.get(f"/v1/revenue/imports/{import_id}")).json()
        return body if body["status"] == "done" else None

    body = await eventually(done, timeout=30)
    assert (body["rows_total"], body["imported"], body["rejected"]) == (4, 2, 2)
    assert [r["line"] for r in body["rejected_rows"]] == [3, 4]
    assert "amount" in body["rejected_rows"][0]["reason"] and "date" in body["rejected_rows"][1]["reason"]
    jake = (await api.get("/v1/fans", params={"q": "jake_88"})).json()["items"][0]
    assert jake["spend"]["gross_cents"] == 3500


async def test_another_creators_ids_answer_404(gateway: Any) -> None:
    alice = await Api.sign_up(gateway, "AliceRev")
    bob = await Api.sign_up(gateway, "BobRev")
    answer = await upload(alice, (HEADER + GOOD_ROW).encode())
    import_id = answer.json()["import_id"]
    await alice.post("/v1/revenue/transactions", json={"items": [sale("a-1")]})
    fan_id = (await alice.get("/v1/fans")).json()["items"][0]["fan_id"]
    segment = (await alice.post("/v1/fans/segments", json={"name": "mine", "filter": {"tag": "x"}})).json()
    for path in (f"/v1/revenue/imports/{import_id}", f"/v1/fans/{fan_id}"):
        answer = await bob.get(path)
        assert answer.status_code == 404, (path, answer.text)
    assert (await bob.post(f"/v1/fans/{fan_id}/notes", json={"text": "hi"})).status_code == 404
    assert (await bob.put(f"/v1/fans/{fan_id}/tags", json={"tags": ["x"]})).status_code == 404
    assert (await bob.patch(f"/v1/fans/{fan_id}", json={"preferences": {"likes": "x"}})).status_code == 404
    assert (await bob.delete(f"/v1/fans/segments/{segment['segment_id']}")).status_code == 404
    assert (await bob.get("/v1/fans", params={"segment": segment["segment_id"]})).json()["items"] == []
    assert (await bob.get(f"/v1/revenue/imports/{uuid.uuid4()}")).status_code == 404
    # Alice's data is untouched
    profile = (await alice.get(f"/v1/fans/{fan_id}")).json()
    assert profile["notes"] == [] and profile["tags"] == [] and profile["preferences"] == {}
    assert (await alice.get("/v1/fans/segments")).json()["items"][-1]["name"] == "mine"
