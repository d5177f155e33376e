"""Reading an import: CSV and JSON rows with their lines, each row valid or invalid with its reason,
file-level problems refused, and a row's identity the same whatever the spacing, line or format."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from content.import_rows import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    DropRow,
    ImportFormatError,
    PostRow,
    RowInvalid,
    TooLarge,
    parse_row,
    read_csv,
    read_json,
    row_id,
)

CREATOR = uuid.uuid4()
ACCOUNT = uuid.uuid4()
MEDIA = [uuid.uuid4(), uuid.uuid4()]


def test_csv_rows_carry_their_physical_line_and_known_columns_only() -> None:
    body = (
        "\ufeffKind , Title,starts_at,media_ids,extra,caption,account_id,publish_at\r\n"
        f"drop,Beach set,2026-12-01T20:00:00Z,{MEDIA[0]} {MEDIA[1]},ignored,,,\r\n"
        "\r\n"
        f'post,,,,,"two\nlines",{ACCOUNT},2026-12-02T18:00:00+01:00\r\n'
        "drop,After the quoted break,2026-12-03T20:00:00Z,,,,,\r\n"
    ).encode()
    rows = read_csv(body)
    assert [line for line, _ in rows] == [2, 4, 6]
    assert "extra" not in rows[0][1] and rows[0][1]["kind"] == "drop"
    drop = parse_row(*rows[0])
    assert drop == DropRow(2, "Beach set", datetime(2026, 12, 1, 20, 0, tzinfo=UTC), tuple(MEDIA))
    post = parse_row(*rows[1])
    assert isinstance(post, PostRow) and post.caption == "two\nlines" and post.account_id == ACCOUNT
    assert post.publish_at == datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfeK\x00", "not UTF-8"),
        (b"kind,title\x00\n", "NUL"),
        (b"title,starts_at\ndrop,2026-12-01T20:00:00Z\n", "no 'kind' column"),
        (b"kind,title,Title\n", "appears twice"),
        (b'kind,title\ndrop,"unclosed\n', "line 2: malformed CSV"),
        (b"\n\n", "empty"),
    ],
)
def test_a_file_that_is_no_import_is_refused_whole(body: bytes, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        read_csv(body)


def test_size_and_row_count_are_bounded() -> None:
    with pytest.raises(TooLarge):
        read_csv(b"kind\n" + b"drop\n" * (MAX_IMPORT_BYTES // 5))
    with pytest.raises(TooLarge, match="rows"):
        read_csv(b"kind,title\n" + b"drop,x\n" * (MAX_IMPORT_ROWS + 1))
    assert len(read_csv(b"kind,title\n" + b"drop,x\n" * MAX_IMPORT_ROWS)) == MAX_IMPORT_ROWS
    with pytest.raises(TooLarge):
        read_json(json.dumps({"rows": [{}] * (MAX_IMPORT_ROWS + 1)}).encode())


@pytest.mark.parametrize("body", [b"[]", b'{"rows": {}}', b"{nope", b'"rows"'])
def test_json_must_be_an_object_with_a_list_of_rows(body: bytes) -> None:
    with pytest.raises(ImportFormatError):
        read_json(body)


def test_json_rows_are_numbered_from_one() -> None:
    rows = read_json(json.dumps({"rows": [{"kind": "drop"}, 5]}).encode())
    assert rows == [(1, {"kind": "drop"}), (2, 5)]


GOOD_DROP = {"kind": "drop", "title": "Set", "starts_at": "2026-12-01T20:00:00Z"}
GOOD_POST = {"kind": "post", "account_id": str(ACCOUNT), "caption": "Hi", "publish_at": "2026-12-01T20:00:00Z"}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({**GOOD_DROP, "starts_at": "2026-13-01T20:00:00Z"}, 'starts_at: unparseable date "2026-13-01T20:00:00Z"'),
        ({**GOOD_DROP, "starts_at": "tomorrow"}, "unparseable date"),
        ({**GOOD_DROP, "starts_at": "2026-12-01T20:00:00"}, "has no UTC offset"),
        ({**GOOD_DROP, "starts_at": "1999-12-31T20:00:00Z"}, "between the years 2000 and 2100"),
        ({**GOOD_DROP, "starts_at": "9999-12-31T23:00:00-05:00"}, "between the years 2000 and 2100"),
        ({**GOOD_DROP, "starts_at": "0001-01-01T00:00:00+05:00"}, "between the years 2000 and 2100"),
        ({**GOOD_DROP, "starts_at": "2026-12-01T20:00:00+25:00"}, "unparseable date"),
        ({**GOOD_DROP, "starts_at": ""}, "missing starts_at"),
        ({**GOOD_DROP, "title": "  "}, "missing title"),
        ({**GOOD_DROP, "title": "x" * 201}, "at most 200"),
        ({**GOOD_DROP, "title": 5}, "title must be text"),
        ({**GOOD_DROP, "title": "a\x00b"}, "NUL"),
        ({**GOOD_DROP, "media_ids": "not-a-uuid"}, '"not-a-uuid" is not a UUID'),
        ({**GOOD_DROP, "media_ids": [str(uuid.uuid4()) for _ in range(51)]}, "at most 50 media"),
        ({**GOOD_DROP, "media_ids": 7}, "media_ids must be a list"),
        ({**GOOD_DROP, "kind": "story"}, 'kind "story" is not drop or post'),
        ({"title": "x"}, "missing kind"),
        ({**GOOD_POST, "account_id": ""}, "missing account_id"),
        ({**GOOD_POST, "account_id": "acc-1"}, "is not a UUID"),
        ({**GOOD_POST, "caption": ""}, "missing caption"),
        ({**GOOD_POST, "caption": "x" * 5001}, "at most 5000"),
        ({**GOOD_POST, "publish_at": "2026-12-01 8pm"}, "publish_at: unparseable date"),
        ({**GOOD_POST, "subreddit": "no spaces allowed"}, "not a subreddit name"),
        ({**GOOD_POST, "title": "t" * 301}, "at most 300"),
        ({**GOOD_DROP, "__problem__": "expected 3 fields, got 5"}, "expected 3 fields, got 5"),
        ("a string", "a row is an object"),
    ],
)
def test_a_bad_row_says_why(raw: object, reason: str) -> None:
    with pytest.raises(RowInvalid, match=None) as caught:
        parse_row(7, raw)
    assert reason in str(caught.value)


def test_good_rows_and_their_defaults() -> None:
    post = parse_row(3, {**GOOD_POST, "subreddit": "r/Mia_Fans", "title": "  A   title ", "starts_at": "ignored"})
    assert isinstance(post, PostRow)
    assert (post.subreddit, post.title, post.media_ids) == ("Mia_Fans", "A title", ())
    drop = parse_row(4, {"kind": "DROP", "title": "Set", "publish_at": "2026-12-01T21:00:00+01:00", "media_ids": None})
    assert isinstance(drop, DropRow) and drop.starts_at == datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    dupes = parse_row(5, {**GOOD_DROP, "media_ids": f"{MEDIA[0]};{MEDIA[0]}|{MEDIA[1]}"})
    assert dupes.media_ids == tuple(MEDIA)


def test_identity_ignores_spacing_line_offset_and_format_but_not_content() -> None:
    base = parse_row(2, GOOD_DROP)
    same = parse_row(9, {"kind": "drop", "title": "  Set ", "starts_at": "2026-12-01T21:00:00+01:00"})
    assert row_id(CREATOR, base) == row_id(CREATOR, same)
    assert row_id(CREATOR, base) != row_id(uuid.uuid4(), base), "another creator's row is another row"
    moved = parse_row(2, {**GOOD_DROP, "starts_at": "2026-12-01T20:30:00Z"})
    assert row_id(CREATOR, base) != row_id(CREATOR, moved)
    post = parse_row(2, GOOD_POST)
    assert row_id(CREATOR, post) != row_id(CREATOR, parse_row(2, {**GOOD_POST, "caption": "Hi!"}))
    csv_row = parse_row(*read_csv(b"kind,title,starts_at\ndrop,Set,2026-12-01T20:00:00Z\n")[0])
    assert row_id(CREATOR, csv_row) == row_id(CREATOR, base)
