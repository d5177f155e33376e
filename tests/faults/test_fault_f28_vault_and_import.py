"""F28: the media vault's timers and external calls, and the calendar import's settling, through worker
deaths. The gateway, the content API and worker, and marketing (API and worker, an X account) run as
processes; one creator signs up through the gateway and, through it:

* uploads 80 files to S3 through presigned URLs, 16 at a time: 55 distinct JPEGs, 15 copies of others'
  bytes and 10 executables named ``.jpg``. Small files go in one PUT (checked by the API at completion),
  files above the multipart threshold (lowered to 2 KiB here) in presigned parts, assembled at
  completion and checked by the content worker (``vault.check_upload``, polled until settled);
* deletes 20 of the filed media (``DELETE``) as soon as each is filed: their objects go through the
  worker's ``vault.delete_objects``, as do the duplicates' and the executables' objects;
* leaves 4 uploads uncompleted (bytes or a part in S3): their ``vault.upload_expired`` timers are moved
  to now in the content database (an hour and a quarter of waiting skipped), so the worker expires them;
* imports a calendar in 4 files (JSON and CSV) of 15 post rows (12 on the X account, 3 on an account
  that does not exist: marketing refuses them) and 5 drop rows each, 1.5 s apart, then the valid rows
  once more (a re-import: every row a duplicate) —

while the content worker is SIGKILLed once a quarter of its deferred effects happened (uploads checked,
deletions done, import rows settled), and the marketing worker once a quarter of the imported posts are
made; both are restarted. The content worker is killed at a moment when no ``vault.check_upload`` is
being made: that call's lease is its timeout plus 10 s (``timeout_s=1800``), so a check in flight when
its worker dies is claimed again only after ~30 minutes and its upload stays ``checking`` that long
(reproduced by killing the worker mid-check: the upload was still ``checking`` 60 s later). A
``vault.delete_objects`` in flight (a 40 s lease) may be caught by the kill: it is reconciled (deleted
again, idempotent) once its lease runs out (``deletes_in_flight_at_kill``).

Afterwards, from S3 (the creator's prefix) and the databases: one media row per distinct file (each
copy answered with the item of its first filing, marked duplicate), the executables refused, the
expired uploads expired; under the creator's prefix exactly the live media's objects and thumbnails
(deleted media's, duplicates', executables' and expired uploads' gone: no leak, no multipart upload
left open); exactly one ``media.uploaded`` per media item on the wire (the same event id published
twice by a relay that died is counted apart, ``wire_repeats``); every post row of the import settled
(``created`` with the post marketing made, or ``refused`` with its reason), exactly one marketing post
per valid row and none for a refused one; every drop row's entry planned once; no vault call or timer
left, none dead, no dead letter.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import os
import signal
import socket
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import httpx
import psycopg
import pytest
from PIL import Image

from huntaze_events import (
    REGISTRY,
    MediaUpdated,
    MediaUploaded,
    PostCommandRefused,
    PostRequested,
    PostScheduled,
)
from huntaze_testkit import Api, ServiceProcess
from huntaze_testkit.lab import Lab, Report, emit
from huntaze_testkit.social import XPeer

pytestmark = pytest.mark.timeout(300)

DISTINCT, COPIES, EXECUTABLES, DELETED, ABANDONED = 55, 15, 10, 20, 4
THRESHOLD = 2048  # bytes: a 64×64 JPEG (~3 KiB) goes in parts, a 16×16 one (~800 B) in one PUT
CHUNKS, POSTS_PER_CHUNK, REFUSED_PER_CHUNK, DROPS_PER_CHUNK = 4, 15, 3, 5
POSTS = CHUNKS * (POSTS_PER_CHUNK - REFUSED_PER_CHUNK)
REFUSED = CHUNKS * REFUSED_PER_CHUNK
DROPS = CHUNKS * DROPS_PER_CHUNK
PARALLEL = 16
SETTLE_S = 60


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _jpeg(edge: int) -> bytes:
    """A JPEG of random pixels: no two alike."""
    out = io.BytesIO()
    Image.frombytes("RGB", (edge, edge), os.urandom(edge * edge * 3)).save(out, "JPEG")
    return out.getvalue()


def _executable(big: bool) -> bytes:
    """An ELF binary (big) or a Windows executable (small), to be named ``.jpg``."""
    return b"\x7fELF\x02\x01\x01" + os.urandom(3000) if big else b"MZ\x90\x00" + os.urandom(700)


async def test_f28_vault_and_import_settle_exactly_once_through_sigkills(fresh_lab: Lab, capsys: Any) -> None:
    lab = fresh_lab
    env = lab.env
    started = time.monotonic()
    now = datetime.now(UTC).replace(microsecond=0)
    run = uuid.uuid4().hex[:8]

    # -- the files: (name, bytes, what it is) ------------------------------------------------------------------
    distinct = [_jpeg(64 if i % 2 else 16) for i in range(DISTINCT)]
    assert all((len(b) > THRESHOLD) == bool(i % 2) for i, b in enumerate(distinct)), [len(b) for b in distinct]
    files: list[tuple[str, bytes, str, int]] = [
        (f"f28-{run}-{i}.jpg", b, "distinct", i) for i, b in enumerate(distinct)
    ]
    files += [(f"f28-{run}-copy-{i}.jpg", distinct[i], "copy", i) for i in range(COPIES)]
    files += [(f"f28-{run}-exe-{i}.jpg", _executable(i % 2 == 1), "exe", i) for i in range(EXECUTABLES)]
    to_delete = set(range(COPIES, COPIES + DELETED))  # distinct files without a copy: deleted once filed
    order = list(range(len(files)))
    # copies and executables spread through the stream (deterministic, no random order to replay)
    order.sort(key=lambda k: (k * 7919) % len(files))

    s3 = boto3.client(
        "s3",
        endpoint_url=env["CONTENT_S3_ENDPOINT_URL"],
        region_name=env.get("CONTENT_S3_REGION", "us-east-1"),
        aws_access_key_id=env.get("CONTENT_S3_ACCESS_KEY_ID"),
        aws_secret_access_key=env.get("CONTENT_S3_SECRET_ACCESS_KEY"),
    )
    bucket = env.get("CONTENT_S3_BUCKET", "huntaze-media")

    with XPeer(tokens={"f28-token": "828"}) as peer:
        x = {"MARKETING_X_API_BASE_URL": peer.url}
        content_api = lab.service("content", role="api", CONTENT_MULTIPART_THRESHOLD_BYTES=str(THRESHOLD))
        content = lab.service("content", role="worker")
        marketing_api = lab.service("marketing", role="api", **x)
        marketing = lab.service("marketing", role="worker", **x)
        gateway = lab.service(
            "gateway",
            role="all",
            GATEWAY_ROUTES__CONTENT=content_api.url,
            GATEWAY_ROUTES__MARKETING=marketing_api.url,
            GATEWAY_METRICS_PORT=str(_free_port()),
            GATEWAY_SIGNUP_RATE_PER_ADDRESS="100000/minute",
            GATEWAY_LOGIN_RATE_PER_ADDRESS="100000/minute",
        )
        cdb = await psycopg.AsyncConnection.connect(_dsn(env["CONTENT_DATABASE_URL"]), autocommit=True)
        mdb = await psycopg.AsyncConnection.connect(_dsn(env["MARKETING_DATABASE_URL"]), autocommit=True)
        client = httpx.AsyncClient(base_url=gateway.url, timeout=30)
        s3_client = httpx.AsyncClient(timeout=30)
        try:
            owner = await Api.sign_up(client, "F28")
            creator = uuid.UUID(owner.creator_id)
            prefix = f"creators/{creator}/"
            connected = await owner.post(
                "/v1/marketing/accounts",
                json={
                    "network": "x",
                    "handle": f"f28_{run}",
                    "credentials": {"access_token": "f28-token", "user_id": "828"},
                },
            )
            assert connected.status_code == 201, connected.text
            account = connected.json()["account_id"]

            async def scalar(conn: psycopg.AsyncConnection[Any], sql: str, **params: Any) -> int:
                row = await (await conn.execute(sql, {"c": creator, **params})).fetchone()
                return int((row or (0,))[0] or 0)

            # -- uploads ----------------------------------------------------------------------------------------
            async def put_bytes(ticket: dict[str, Any], body: bytes) -> list[dict[str, Any]]:
                """The file to S3 as a browser sends it: one PUT, or each part (their ETags kept)."""
                if not ticket["multipart"]:
                    put = await s3_client.put(ticket["url"], content=body, headers=ticket["headers"])
                    assert put.status_code == 200, put.text
                    return []
                etags, offset = [], 0
                for part in ticket["parts"]:
                    chunk = body[offset : offset + part["size"]]
                    offset += part["size"]
                    put = await s3_client.put(part["url"], content=chunk)
                    assert put.status_code == 200, put.text
                    etags.append({"part_number": part["part_number"], "etag": put.headers["etag"]})
                return etags

            async def presign(name: str, body: bytes) -> dict[str, Any]:
                made = await owner.post(
                    "/v1/content/media/uploads",
                    json={"filename": name, "content_type": "image/jpeg", "size": len(body)},
                )
                assert made.status_code == 201, made.text
                ticket = made.json()
                assert ticket["multipart"] == (len(body) > THRESHOLD), ticket
                return ticket

            async def settled_state(upload_id: str) -> dict[str, Any]:
                deadline = time.monotonic() + SETTLE_S
                while True:
                    got = await owner.get(f"/v1/content/media/uploads/{upload_id}")
                    assert got.status_code == 200, got.text
                    if got.json()["status"] not in ("pending", "checking"):
                        return got.json()  # type: ignore[no-any-return]
                    assert time.monotonic() < deadline, (upload_id, got.json(), lab.log_tails())
                    await asyncio.sleep(0.1)

            uploads: dict[int, str] = {}  # file index → upload id
            outcomes: dict[int, dict[str, Any]] = {}  # file index → the settled upload's state
            deleted_media: set[str] = set()
            gate = asyncio.Semaphore(PARALLEL)

            async def upload(k: int) -> None:
                name, body, what, i = files[k]
                async with gate:
                    ticket = await presign(name, body)
                    uploads[k] = ticket["upload_id"]
                    etags = await put_bytes(ticket, body)
                    done = await owner.post(
                        f"/v1/content/media/uploads/{ticket['upload_id']}/complete",
                        json={"parts": etags} if etags else {},
                    )
                    if ticket["multipart"]:
                        assert done.status_code == 202, done.text  # assembled; the worker checks it
                    elif what == "exe":
                        assert done.status_code == 422 and done.json()["code"] == "type_not_allowed", done.text
                    else:
                        assert done.status_code == 200, done.text
                state = await settled_state(ticket["upload_id"])
                outcomes[k] = state
                if what == "distinct" and i in to_delete:
                    assert state["status"] == "completed" and not state["duplicate"], state
                    gone = await owner.delete(f"/v1/content/media/{state['media']['media_id']}")
                    assert gone.status_code == 204, gone.text
                    deleted_media.add(state["media"]["media_id"])

            # uploads never completed: their bytes (or a part) in S3, their expiry timers moved to now
            abandoned: list[str] = []
            for n in range(ABANDONED):
                body = _jpeg(64 if n % 2 else 16)
                ticket = await presign(f"f28-{run}-abandoned-{n}.jpg", body)
                await put_bytes(ticket, body)
                abandoned.append(ticket["upload_id"])
            moved = await cdb.execute(
                "UPDATE timers SET due_at = now() WHERE kind = 'vault.upload_expired' AND key = ANY(%(k)s) RETURNING 1",
                {"k": abandoned},
            )
            assert len(await moved.fetchall()) == ABANDONED

            # -- the calendar import: 4 files, the valid rows once more -------------------------------------------
            ghost = str(uuid.uuid4())  # an account that does not exist: marketing refuses those posts
            chunks: list[list[dict[str, str]]] = []
            for c in range(CHUNKS):
                rows = []
                for p in range(POSTS_PER_CHUNK):
                    n = c * POSTS_PER_CHUNK + p
                    refused = p >= POSTS_PER_CHUNK - REFUSED_PER_CHUNK
                    rows.append(
                        {
                            "kind": "post",
                            "account_id": ghost if refused else account,
                            "caption": f"f28 {run} imported post {n}",
                            "publish_at": (now + timedelta(days=3, minutes=n)).isoformat(),
                        }
                    )
                for d in range(DROPS_PER_CHUNK):
                    n = c * DROPS_PER_CHUNK + d
                    rows.append(
                        {
                            "kind": "drop",
                            "title": f"f28 {run} drop {n}",
                            "starts_at": (now + timedelta(days=4, hours=n)).isoformat(),
                        }
                    )
                chunks.append(rows)

            def csv_of(rows: list[dict[str, str]]) -> bytes:
                out = io.StringIO()
                columns = ["kind", "title", "starts_at", "publish_at", "account_id", "caption"]
                writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
                writer.writeheader()
                writer.writerows(rows)
                return out.getvalue().encode()

            reports: list[dict[str, Any]] = []

            async def send_import(rows: list[dict[str, str]], as_csv: bool) -> dict[str, Any]:
                if as_csv:
                    answer = await owner.post(
                        "/v1/calendar/import", content=csv_of(rows), headers={"content-type": "text/csv"}
                    )
                else:
                    answer = await owner.post("/v1/calendar/import", json={"rows": rows})
                assert answer.status_code == 201, answer.text
                return answer.json()  # type: ignore[no-any-return]

            async def importing() -> dict[str, Any]:
                for c, rows in enumerate(chunks):
                    if c:
                        await asyncio.sleep(1.5)
                    reports.append(await send_import(rows, as_csv=c % 2 == 1))
                valid = [r for rows in chunks for r in rows if r.get("account_id") != ghost]
                return await send_import(valid, as_csv=False)

            # -- the deferred effects, counted; each worker killed once a quarter of the way ------------------------
            big = sum(1 for _, b, _, _ in files if len(b) > THRESHOLD)
            deletions = COPIES + EXECUTABLES + DELETED + ABANDONED
            total_effects = big + deletions + CHUNKS * POSTS_PER_CHUNK

            async def content_effects() -> int:
                checked = await scalar(
                    cdb,
                    "SELECT count(*) FROM media_uploads WHERE creator_id = %(c)s AND part_bytes IS NOT NULL "
                    "AND status NOT IN ('pending', 'checking')",
                )
                recorded = await scalar(
                    cdb,
                    "SELECT (SELECT count(*) FROM media_uploads WHERE creator_id = %(c)s "
                    "AND (status IN ('refused', 'expired') OR duplicate))"
                    " + (SELECT count(*) FROM media WHERE creator_id = %(c)s AND deleted_at IS NOT NULL)",
                )
                pending = await scalar(
                    cdb, "SELECT count(*) FROM timers WHERE tenant = %(c)s AND kind = 'vault.delete_objects'"
                )
                settled = await scalar(
                    cdb,
                    "SELECT count(*) FROM calendar_import_rows WHERE creator_id = %(c)s AND kind = 'post' "
                    "AND status IN ('created', 'refused')",
                )
                return checked + max(0, recorded - pending) + settled

            async def posts_made() -> int:
                return await scalar(
                    mdb, "SELECT count(*) FROM posts WHERE creator_id = %(c)s AND command_id IS NOT NULL"
                )

            killed: dict[str, int] = {}
            in_flight: dict[str, int] = {}
            restarted: dict[str, float] = {}

            async def checks_in_flight() -> int:
                return await scalar(
                    cdb,
                    "SELECT count(*) FROM timers WHERE tenant = %(c)s AND kind = 'vault.check_upload' "
                    "AND state = 'calling'",
                )

            async def no_hold() -> int:
                return 0

            async def kill_once(name: str, worker: ServiceProcess, reached: Any, at: int, hold: Any = no_hold) -> None:
                deadline = time.monotonic() + SETTLE_S
                while (now_at := await reached()) < at or await hold():
                    assert time.monotonic() < deadline, (name, now_at, lab.log_tails())
                    await asyncio.sleep(0.02)
                worker.kill(signal.SIGKILL)
                killed[name] = now_at
                if name == "content":  # calls the dead worker was making: reconciled once their leases run out
                    in_flight["deletes"] = await scalar(
                        cdb,
                        "SELECT count(*) FROM timers WHERE tenant = %(c)s AND kind = 'vault.delete_objects' "
                        "AND state = 'calling'",
                    )
                await asyncio.sleep(1)
                worker.start()
                restarted[name] = time.monotonic()
                await asyncio.to_thread(worker.wait_ready)

            scenario = time.monotonic()
            results = await asyncio.gather(
                asyncio.gather(*(upload(k) for k in order)),
                importing(),
                # not while a check is being made: its lease is the call's 30-minute timeout (see the module)
                kill_once("content", content, content_effects, total_effects // 4, hold=checks_in_flight),
                kill_once("marketing", marketing, posts_made, POSTS // 4),
            )
            reimport = results[1]
            assert reimport["summary"]["duplicate"] == POSTS + DROPS, reimport["summary"]

            # -- settled: every upload, call, timer, import row and outbox row done, S3 as the vault says -------------
            async def live_keys() -> set[str]:
                rows = await (
                    await cdb.execute(
                        "SELECT object_key, thumb_key FROM media WHERE creator_id = %(c)s AND deleted_at IS NULL "
                        "AND kind <> 'bundle'",
                        {"c": creator},
                    )
                ).fetchall()
                return {k for row in rows for k in row if k}

            def stored_keys() -> set[str]:
                keys: set[str] = set()
                for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                    keys.update(o["Key"] for o in page.get("Contents", []))
                return keys

            def open_multiparts() -> int:
                return len(s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads", []))

            async def unsettled() -> dict[str, int]:
                out = {
                    "uploads": await scalar(
                        cdb,
                        "SELECT count(*) FROM media_uploads WHERE creator_id = %(c)s AND status IN ('pending', 'checking')",
                    ),
                    "vault_timers": await scalar(
                        cdb,
                        "SELECT count(*) FROM timers WHERE tenant = %(c)s AND kind LIKE 'vault.%%' AND state <> 'dead'",
                    ),
                    "requested_rows": await scalar(
                        cdb,
                        "SELECT count(*) FROM calendar_import_rows WHERE creator_id = %(c)s AND status = 'requested'",
                    ),
                    "content_outbox": await scalar(
                        cdb,
                        "SELECT count(*) FROM outbox WHERE published_at IS NULL "
                        "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = CAST(%(c)s AS text)",
                    ),
                    "marketing_outbox": await scalar(
                        mdb,
                        "SELECT count(*) FROM outbox WHERE published_at IS NULL "
                        "AND convert_from(value, 'UTF8')::jsonb ->> 'creator_id' = CAST(%(c)s AS text)",
                    ),
                }
                out["marketing_vault_behind"] = await scalar(
                    cdb,
                    "SELECT count(*) FROM media WHERE creator_id = %(c)s AND kind <> 'bundle'",
                ) - await scalar(
                    mdb,
                    "SELECT count(*) FROM vault_media WHERE creator_id = %(c)s",
                )
                stored, live = await asyncio.to_thread(stored_keys), await live_keys()
                out["s3_leaked"] = len(stored - live)
                out["s3_missing"] = len(live - stored)
                out["s3_open_multipart"] = await asyncio.to_thread(open_multiparts)
                return {k: v for k, v in out.items() if v}

            deadline = time.monotonic() + SETTLE_S
            while left := await unsettled():
                if time.monotonic() > deadline:
                    timers = await (
                        await cdb.execute(
                            "SELECT kind, state, attempts, lease_until - now(), last_error FROM timers "
                            "WHERE tenant = %(c)s",
                            {"c": creator},
                        )
                    ).fetchall()
                    raise AssertionError((left, timers[:20], lab.log_tails()))
                await asyncio.sleep(0.25)
            recovery = time.monotonic() - max(restarted.values())
            await asyncio.sleep(1.5)  # a late call or answer would show now
            left = await unsettled()
            scenario_s = time.monotonic() - scenario

            # -- what the vault and S3 hold ------------------------------------------------------------------------------
            media_rows = await (
                await cdb.execute(
                    "SELECT id, sha256, object_key, thumb_key, deleted_at IS NOT NULL, upload_id FROM media "
                    "WHERE creator_id = %(c)s AND kind <> 'bundle'",
                    {"c": creator},
                )
            ).fetchall()
            upload_rows = {
                str(r[0]): r[1:]
                for r in await (
                    await cdb.execute(
                        "SELECT id, status, media_id, duplicate, refusal_code FROM media_uploads WHERE creator_id = %(c)s",
                        {"c": creator},
                    )
                ).fetchall()
            }
            dead_timers = await scalar(cdb, "SELECT count(*) FROM timers WHERE tenant = %(c)s AND state = 'dead'")
            import_rows = await (
                await cdb.execute(
                    "SELECT kind, row_id, status, post_id, error FROM calendar_import_rows WHERE creator_id = %(c)s",
                    {"c": creator},
                )
            ).fetchall()
            drops = await (
                await cdb.execute(
                    "SELECT entry_id FROM calendar_entries WHERE creator_id = %(c)s AND kind = 'drop' AND source = 'content'",
                    {"c": creator},
                )
            ).fetchall()
            posts = await (
                await mdb.execute(
                    "SELECT command_id, id FROM posts WHERE creator_id = %(c)s AND command_id IS NOT NULL",
                    {"c": creator},
                )
            ).fetchall()
            # marketing's own read model of the vault (media.uploaded / media.updated, its worker killed too)
            marketing_vault = {
                str(r[0]): bool(r[1])
                for r in await (
                    await mdb.execute(
                        "SELECT media_id, deleted FROM vault_media WHERE creator_id = %(c)s", {"c": creator}
                    )
                ).fetchall()
            }
            stored = await asyncio.to_thread(stored_keys)
        finally:
            await client.aclose()
            await s3_client.aclose()
            await cdb.close()
            await mdb.close()

    # -- the vault ----------------------------------------------------------------------------------------------------
    problems: Counter[str] = Counter()
    distinct_sha = {hashlib.sha256(b).hexdigest() for b in distinct}
    per_sha = Counter(r[1] for r in media_rows)
    problems["media_twice"] = sum(n - 1 for n in per_sha.values() if n > 1)
    problems["media_missing"] = len(distinct_sha - set(per_sha))
    problems["media_not_a_distinct_jpeg"] = len(set(per_sha) - distinct_sha)
    media_of_sha = {r[1]: str(r[0]) for r in media_rows}
    for k, (_, body, what, _i) in enumerate(files):
        state = upload_rows.get(uploads.get(k, ""))
        if state is None:
            problems["upload_missing"] += 1
            continue
        status, media_id, duplicate, code = state
        if what == "exe":
            problems["exe_not_refused"] += int(status != "refused" or code != "type_not_allowed")
            continue
        sha = hashlib.sha256(body).hexdigest()
        if status != "completed" or str(media_id) != media_of_sha.get(sha):
            problems["upload_not_filed_as_its_item"] += 1
    for i in range(COPIES):  # the original and its copy: one filed, the other its duplicate
        pair = [upload_rows.get(uploads.get(k, ""), ()) for k, f in enumerate(files) if f[3] == i and f[2] != "exe"]
        if sorted(bool(p[2]) for p in pair if p) != [False, True]:
            problems["copy_not_one_duplicate"] += 1
    problems["not_expired"] = sum(1 for u in abandoned if upload_rows.get(u, ("",))[0] != "expired")
    deleted_rows = {str(r[0]) for r in media_rows if r[4]}
    problems["deleted_not_deleted"] = len(deleted_media ^ deleted_rows)
    in_content = {str(r[0]): bool(r[4]) for r in media_rows}
    problems["marketing_vault_wrong"] = sum(
        1 for m in in_content.keys() | marketing_vault.keys() if in_content.get(m) != marketing_vault.get(m)
    )
    live = {k for r in media_rows if not r[4] for k in (r[2], r[3]) if k}
    problems["live_without_thumbnail"] = sum(1 for r in media_rows if not r[4] and not r[3])
    gone_keys = {k for r in media_rows if r[4] for k in (r[2], r[3]) if k}
    refused_keys = {
        f"{prefix}{d}/{u}{ext}"
        for u, (status, _, duplicate, _) in upload_rows.items()
        if status in ("refused", "expired") or duplicate
        for d, ext in (("uploads", ""), ("thumbs", ".jpg"))
    }
    problems["s3_missing"] = len(live - stored)
    problems["s3_leaked"] = len(stored - live)
    problems["s3_deleted_media_left"] = len(gone_keys & stored)
    problems["s3_refused_or_copy_left"] = len(refused_keys & stored)
    problems["dead_timers"] = dead_timers

    # -- the import ----------------------------------------------------------------------------------------------------
    made = defaultdict(list)
    for command_id, post_id in posts:
        made[str(command_id)].append(str(post_id))
    post_rows = [r for r in import_rows if r[0] == "post" and r[2] != "duplicate"]
    created = [r for r in post_rows if r[2] == "created"]
    refused = [r for r in post_rows if r[2] == "refused"]
    problems["post_rows_unsettled"] = sum(1 for r in post_rows if r[2] not in ("created", "refused"))
    problems["post_rows_created"] = abs(len(created) - POSTS)
    problems["post_rows_refused"] = abs(len(refused) - REFUSED)
    problems["created_without_its_post"] = sum(1 for r in created if made.get(str(r[1])) != [str(r[3])])
    problems["refused_without_reason"] = sum(1 for r in refused if not r[4] or "unknown_account" not in r[4])
    problems["posts_for_refused_rows"] = sum(len(made.get(str(r[1]), [])) for r in refused)
    problems["posts_twice"] = sum(len(v) - 1 for v in made.values())
    problems["posts_extra"] = max(0, len(made) - POSTS)
    drop_rows = {str(r[1]) for r in import_rows if r[0] == "drop" and r[2] == "created"}
    drop_entries = Counter(str(r[0]) for r in drops)
    problems["drop_rows"] = abs(len(drop_rows) - DROPS)
    problems["drops_not_planned_once"] = sum(1 for d in drop_rows if drop_entries.get(d) != 1)
    problems["drops_extra"] = len(set(drop_entries) - drop_rows)
    problems["unsettled_at_end"] = sum(left.values())

    # -- the wire: one media.uploaded per item, no dead letter ----------------------------------------------------------
    def mine(record: Any) -> bool:
        try:
            return json.loads(record.value).get("creator_id") == str(creator)
        except (ValueError, TypeError, AttributeError):
            return True  # not an envelope: on a dead-letter topic, still a dead letter

    announced = await lab.topic_records(REGISTRY.for_model(MediaUploaded).topic, mine)
    by_media: dict[str, set[str]] = defaultdict(set)
    for r in announced:
        e = json.loads(r.value)
        by_media[e["payload"]["media_id"]].add(e["event_id"])
    wire_repeats = len(announced) - sum(len(v) for v in by_media.values())
    all_media = {str(r[0]) for r in media_rows}
    problems["uploaded_twice"] = sum(len(v) - 1 for v in by_media.values())
    problems["uploaded_missing"] = len(all_media - set(by_media))
    problems["uploaded_unknown"] = len(set(by_media) - all_media)
    dlq = 0
    for model in (MediaUploaded, MediaUpdated, PostRequested, PostScheduled, PostCommandRefused):
        dlq += len(await lab.topic_records(REGISTRY.for_model(model).dlq_topic, mine))
    dlq += dead_timers

    wrong = {k: v for k, v in problems.items() if v}
    duplicate_kinds = ("media_twice", "posts_twice", "posts_extra", "uploaded_twice", "posts_for_refused_rows",
                       "drops_extra", "s3_leaked", "s3_deleted_media_left", "s3_refused_or_copy_left")  # fmt: skip
    report = Report(
        "F28",
        produced=len(files) + ABANDONED + DELETED + CHUNKS * (POSTS_PER_CHUNK + DROPS_PER_CHUNK) + POSTS + DROPS,
        effects=len(media_rows) + len(deleted_rows) + len(created) + len(refused) + len(drop_rows),
        duplicates=sum(v for k, v in wrong.items() if k in duplicate_kinds),
        lost=sum(v for k, v in wrong.items() if k not in duplicate_kinds and k != "dead_timers"),
        dlq=dlq,
        recovery_s=recovery,
        extra={
            "killed_at_content_effects": f"{killed['content']}/{total_effects}",
            "killed_at_marketing_posts": f"{killed['marketing']}/{POSTS}",
            "deletes_in_flight_at_kill": in_flight.get("deletes", 0),
            "media": len(media_rows),
            "media_deleted": len(deleted_rows),
            "s3_objects": len(stored),
            "uploaded_on_wire": len(by_media),
            "wire_repeats": wire_repeats,
            "rows_created": len(created),
            "rows_refused": len(refused),
            "drops": len(drop_rows),
            "scenario_s": f"{scenario_s:.1f}",
            "elapsed_s": f"{time.monotonic() - started:.1f}",
            "wrong": ",".join(f"{k}:{v}" for k, v in wrong.items()) or 0,
        },
    )
    emit(capsys, report)
    assert not wrong and dlq == 0, report.line()
    assert len(media_rows) == DISTINCT and len(deleted_rows) == DELETED, report.line()
    assert len(stored) == 2 * (DISTINCT - DELETED), report.line()
    assert killed["content"] < total_effects and killed["marketing"] < POSTS, report.line()
