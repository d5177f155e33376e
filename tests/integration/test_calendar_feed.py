"""The calendar's private .ics feed, its export and its import, through the gateway on the real
platform: an import (CSV) plans drops at once and asks marketing for posts (settled by its answers),
reports a bad date by its line, creates nothing twice on re-import; the feed (public, token in the
URL) parses with icalendar and vobject and lists the imported drop; rotating or revoking a token
makes the old URL 404 at once; the export gives the same entries as CSV and JSON; bad input is a
clear 4xx, and another creator's import is not found."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import icalendar
import vobject

from huntaze_events import REGISTRY, ContentPlanned, PostRequested
from huntaze_testkit import Api, EventTap, eventually
from huntaze_testkit.agency import invite


def topic_of(model: type) -> str:
    return REGISTRY.for_model(model).topic


def ics_path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.path == "/v1/calendar.ics" and parts.query.startswith("token=")
    return f"{parts.path}?{parts.query}"


async def test_import_feed_export_and_their_bad_input(gateway: Any, event_tap: EventTap) -> None:
    api = await Api.sign_up(gateway, "Feed")
    other = await Api.sign_up(gateway, "FeedOther")
    run = uuid.uuid4().hex[:8]
    account = await api.post(
        "/v1/marketing/accounts",
        json={
            "network": "x",
            "handle": f"feed_{run}",
            "credentials": {"access_token": "x-token-mia", "user_id": "4242"},
        },
    )
    assert account.status_code == 201, account.text
    account_id = account.json()["account_id"]
    at = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    media = uuid.uuid4()

    # import: a drop, a bad date, a post, a post on an account that does not exist, a drop again
    body = (
        "kind,title,starts_at,media_ids,account_id,caption,publish_at\r\n"
        f"drop,Beach set {run},{at.isoformat()},{media},,,\r\n"
        f"drop,Bad date {run},2026-02-30T20:00:00Z,,,,\r\n"
        f"post,,,,{account_id},New set tonight {run},{(at - timedelta(hours=2)).isoformat()}\r\n"
        f"post,,,,{uuid.uuid4()},Nobody's account {run},{at.isoformat()}\r\n"
        f'drop,"Teaser, with ""quotes"" {run}",{(at + timedelta(days=1)).isoformat()},,,,\r\n'
    )
    made = await api.post("/v1/calendar/import", content=body.encode(), headers={"content-type": "text/csv"})
    assert made.status_code == 201, made.text
    report = made.json()
    assert report["rows_total"] == 5 and report["format"] == "csv"
    rows = report["rows"]
    assert [(r["line"], r["kind"], r["status"]) for r in rows] == [
        (2, "drop", "created"),
        (3, "drop", "invalid"),
        (4, "post", "requested"),
        (5, "post", "requested"),
        (6, "drop", "created"),
    ]
    assert rows[1]["error"].startswith('starts_at: unparseable date "2026-02-30T20:00:00Z"')
    drop_id, post_command, refused_command = rows[0]["row_id"], rows[2]["row_id"], rows[3]["row_id"]
    import_id = report["import_id"]

    # the drop's content.planned and the posts' post.requested went out through the outbox
    planned = await event_tap.wait_for(
        topic_of(ContentPlanned), lambda r: r.value is not None and r.value["payload"]["item_id"] == drop_id
    )
    assert planned[0].value["creator_id"] == api.creator_id and planned[0].value["payload"]["media_ids"] == [str(media)]
    requested = await event_tap.wait_for(
        topic_of(PostRequested), lambda r: r.value is not None and r.value["payload"]["command_id"] == post_command
    )
    assert requested[0].value["payload"]["account_id"] == account_id

    # marketing answers: the post is made (created, with its id), the other refused (with the reason)
    async def settled() -> dict[str, Any] | None:
        answer = await api.get(f"/v1/calendar/imports/{import_id}")
        assert answer.status_code == 200, answer.text
        got = answer.json()
        return got if got["rows"][2]["status"] == "created" and got["rows"][3]["status"] == "refused" else None

    final = await eventually(settled, timeout=30)
    assert final["rows"][2]["post_id"] and final["rows"][3]["error"]
    assert final["summary"] == {"created": 3, "duplicate": 0, "invalid": 1, "requested": 0, "refused": 1}
    post = await api.get(f"/v1/marketing/posts/{final['rows'][2]['post_id']}")
    assert post.status_code == 200 and post.json()["caption"] == f"New set tonight {run}"

    # re-import: nothing new (the refused post is asked again: it may be fixed on marketing's side)
    again = await api.post("/v1/calendar/import", content=body.encode(), headers={"content-type": "text/csv"})
    assert again.status_code == 201, again.text
    assert [r["status"] for r in again.json()["rows"]] == [
        "duplicate",
        "invalid",
        "duplicate",
        "requested",
        "duplicate",
    ]
    assert [r["row_id"] for r in again.json()["rows"]] == [r["row_id"] for r in rows]
    as_json = await api.post(
        "/v1/calendar/import",
        json={
            "rows": [
                {"kind": "drop", "title": f"Beach set {run}", "starts_at": at.isoformat(), "media_ids": [str(media)]}
            ]
        },
    )
    assert as_json.status_code == 201 and as_json.json()["rows"][0]["status"] == "duplicate", as_json.text
    assert refused_command  # asked again with the same command id (post.requested keeps it)

    # the private feed: none yet, then made (the URL shown once), read by two parsers
    assert (await api.get("/v1/calendar/feed")).json() == {"exists": False, "created_at": None, "last_used_at": None}
    feed = await api.post("/v1/calendar/feed")
    assert feed.status_code == 201 and feed.json()["replaced"] is False, feed.text
    url = ics_path(feed.json()["url"])
    ics = await gateway.get(url)  # no Authorization: the token is the credential
    assert ics.status_code == 200, ics.text
    assert ics.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "no-store" in ics.headers["cache-control"] and "private" in ics.headers["cache-control"]
    calendar = icalendar.Calendar.from_ical(ics.content)
    by_uid = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    drop = by_uid[f"{drop_id}@huntaze"]
    assert str(drop["SUMMARY"]) == f"Drop: Beach set {run}" and drop.decoded("DTSTART") == at
    assert str(drop["STATUS"]) == "TENTATIVE" and drop["CATEGORIES"].cats == ["drop"]
    parsed = vobject.readOne(ics.text)
    second = {e.uid.value: e for e in parsed.vevent_list}
    assert second[f"{drop_id}@huntaze"].dtstart.value == at
    assert second[f"{rows[4]['row_id']}@huntaze"].summary.value == f'Drop: Teaser, with "quotes" {run}'
    state = (await api.get("/v1/calendar/feed")).json()
    assert state["exists"] is True and state["last_used_at"] is not None

    # rotate: the old URL is dead at once; revoke: so is the new one; unknown and malformed: 404
    rotated = await api.post("/v1/calendar/feed")
    assert rotated.status_code == 201 and rotated.json()["replaced"] is True
    new_url = ics_path(rotated.json()["url"])
    assert new_url != url
    assert (await gateway.get(url)).status_code == 404
    assert (await gateway.get(new_url)).status_code == 200
    assert (await api.delete("/v1/calendar/feed")).status_code == 204
    assert (await gateway.get(new_url)).status_code == 404
    assert (await api.get("/v1/calendar/feed")).json()["exists"] is False
    for bad in ("", "?token=", "?token=short", "?token=" + "A" * 43, "?token=" + "A" * 500, "?token=%00%0a"):
        answer = await gateway.get("/v1/calendar.ics" + bad)
        assert answer.status_code == 404 and answer.json()["code"] == "not_found", (bad, answer.text)
    # the service's own feed route is not reachable from outside, nor with a user's token
    assert (await api.get("/v1/calendar/feed/ics")).status_code == 404

    # export: CSV (a header row) and JSON, the same entries
    span = {"from": (at - timedelta(days=1)).isoformat(), "to": (at + timedelta(days=3)).isoformat()}
    exported = await api.get("/v1/calendar/export", params={**span, "format": "json"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/json")
    records = {r["entry_id"]: r for r in exported.json()}
    assert records[drop_id]["title"] == f"Beach set {run}" and records[drop_id]["media_ids"] == [str(media)]
    assert records[drop_id]["starts_at"] == at.isoformat().replace("+00:00", "Z")
    as_csv = await api.get("/v1/calendar/export", params={**span, "format": "csv", "kinds": "drop"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(as_csv.text, newline="")))
    assert {r["entry_id"] for r in table} == {k for k, r in records.items() if r["kind"] == "drop"}
    assert {r["title"] for r in table} >= {f"Beach set {run}", f'Teaser, with "quotes" {run}'}
    assert (await other.get("/v1/calendar/export", params={**span, "format": "json"})).json() == []
    for params, status in (
        ({**span, "format": "xml"}, 422),
        ({"from": span["to"], "to": span["from"]}, 422),
        ({"from": "2026-01-01T00:00:00Z", "to": "2027-06-01T00:00:00Z"}, 422),
        ({"kinds": "story"}, 422),
        ({"from": "yesterday"}, 422),
    ):
        assert (await api.get("/v1/calendar/export", params=params)).status_code == status, params

    # the tenant wall, oversize and malformed input
    assert (await other.get(f"/v1/calendar/imports/{import_id}")).status_code == 404
    assert (await api.get(f"/v1/calendar/imports/{uuid.uuid4()}")).status_code == 404
    assert (await api.get("/v1/calendar/imports/not-a-uuid")).status_code == 422
    huge = "kind,title,starts_at\r\n" + f"drop,x,{at.isoformat()}\r\n" * 3000
    assert len(huge) > 64 * 1024
    too_big = await api.post("/v1/calendar/import", content=huge.encode(), headers={"content-type": "text/csv"})
    assert too_big.status_code == 413, too_big.text
    many = "kind,title,starts_at\n" + "".join(f"drop,{i},{at.isoformat()}\n" for i in range(501))
    too_many = await api.post("/v1/calendar/import", content=many.encode(), headers={"content-type": "text/csv"})
    assert too_many.status_code == 413 and "500 rows" in too_many.json()["detail"], too_many.text
    for content, kind, status in (
        (b"{not json", "application/json", 422),
        (json.dumps({"rows": "nope"}).encode(), "application/json", 422),
        (b"title,starts_at\nx,2026-12-01T20:00:00Z\n", "text/csv", 422),
        (b'kind,title\ndrop,"unclosed\n', "text/csv", 422),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "text/csv", 422),
        (b"kind\ndrop\n", "application/xml", 415),
    ):
        answer = await api.post("/v1/calendar/import", content=content, headers={"content-type": kind})
        assert answer.status_code == status, (content, answer.text)
        assert answer.json()["code"] in ("invalid_import", "unsupported_media_type", "validation_error")


async def test_each_person_has_their_own_feed_and_it_dies_with_their_access(gateway: Any) -> None:
    owner = await Api.sign_up(gateway, "FeedOwner")
    chatter = await invite(owner, "chatter", "FeedChatter")
    mine, theirs = await owner.post("/v1/calendar/feed"), await chatter.post("/v1/calendar/feed")
    assert mine.status_code == 201 and theirs.status_code == 201, (mine.text, theirs.text)
    mine_url, their_url = ics_path(mine.json()["url"]), ics_path(theirs.json()["url"])
    assert mine_url != their_url
    assert (await gateway.get(mine_url)).status_code == 200 and (await gateway.get(their_url)).status_code == 200
    # the owner revoking their own feed leaves the chatter's alone
    assert (await owner.delete("/v1/calendar/feed")).status_code == 204
    assert (await gateway.get(mine_url)).status_code == 404 and (await gateway.get(their_url)).status_code == 200
    # the chatter leaves the organisation: their feed answers 404 at once (the gateway checks the membership)
    removed = await owner.delete(f"/v1/org/members/{chatter.user_id}")
    assert removed.status_code == 204, removed.text
    assert (await gateway.get(their_url)).status_code == 404
