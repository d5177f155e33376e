"""Nothing leaves with a restricted term: the default list and the creator's own, through the gateway."""

from __future__ import annotations

from typing import Any

from huntaze_testkit import Api, eventually


async def test_an_approval_holding_a_restricted_term_is_refused_and_the_draft_kept(gateway: Any) -> None:
    api = await Api.sign_up(gateway, "Words")
    own = await api.put("/v1/inbox/restricted-words", json={"words": ["Pineapple", " red  ROOM "]})
    assert own.status_code == 200, own.text
    assert own.json()["words"] == ["pineapple", "red room"] and "off-platform payment" in own.json()["default"]
    assert (await api.get("/v1/inbox/restricted-words")).json()["words"] == ["pineapple", "red room"]
    posted = (
        await api.post("/v1/inbox/messages", json={"fan": {"external_id": "of_w", "display_name": "W"}, "text": "hey"})
    ).json()

    async def draft() -> dict[str, Any] | None:
        body = (await api.get(f"/v1/inbox/conversations/{posted['conversation_id']}")).json()
        return body["drafts"][0] if body["drafts"] else None

    drafted = await eventually(draft, timeout=60)
    for edit, term in (("tip me on Cash-App", "cash app"), ("welcome to the Red Room", "red room")):
        refused = await api.post(f"/v1/inbox/drafts/{drafted['draft_id']}/approve", json={"text": edit})
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "restricted_word" and term in refused.json()["detail"]
    kept = (await api.get(f"/v1/inbox/drafts/{drafted['draft_id']}")).json()
    assert kept["status"] == "drafted" and kept["text"] == drafted["text"]
    assert (
        await api.post(f"/v1/inbox/drafts/{drafted['draft_id']}/approve", json={"text": "see you inside"})
    ).status_code == 202
    too_many = await api.put("/v1/inbox/restricted-words", json={"words": ["w"] * 201})
    assert too_many.status_code == 422
