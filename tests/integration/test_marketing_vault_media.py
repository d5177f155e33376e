"""Posts with media from the vault (``media_ids``), published at their time on the real platform
(Kafka, PostgreSQL, the S3 server) against the local X, Instagram and TikTok peers: a real JPEG uploaded
through the vault (presigned PUT, complete); marketing's read model learns its file from
``media.uploaded`` (key, type, size); an X post naming it is published with exactly those bytes
uploaded to X (read by marketing from the vault's bucket — never through the content service); an
Instagram post and a TikTok post naming it get a presigned URL of the bucket that serves those
bytes; the content service's usage history then lists the three posts. Reddit takes no vault media (422). And the read
model's SQL on marketing's database: the file's fields kept whatever the order of the events."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg

from huntaze_service.db import libpq_url
from huntaze_service.vault_media import SqlVaultMedia, VaultMedium, medium_of
from huntaze_testkit import Api, eventually
from huntaze_testkit.agency import tiny_jpeg, upload_media
from huntaze_testkit.vault_media import media_updated, media_uploaded

POSTS = "/v1/marketing/posts"


async def account(api: Api, network: str, credentials: dict[str, str]) -> str:
    made = await api.post(
        "/v1/marketing/accounts",
        json={"network": network, "handle": f"v{uuid.uuid4().hex[:10]}", "credentials": credentials},
    )
    assert made.status_code == 201, made.text
    return str(made.json()["account_id"])


async def known_file(url: str, media_id: str) -> tuple[str, str, int] | None:
    """What marketing's read model knows of the medium's file (None until media.uploaded arrived)."""
    async with await psycopg.AsyncConnection.connect(libpq_url(url)) as conn:
        row = await (
            await conn.execute(
                "SELECT object_key, content_type, size_bytes FROM vault_media WHERE media_id = %s", (media_id,)
            )
        ).fetchone()
    return (row[0], row[1], row[2]) if row and row[0] else None


async def test_vault_media_are_published_on_x_and_instagram_and_shown_in_the_vaults_usage(
    gateway: Any, platform: Any, infra: Any
) -> None:
    api = await Api.sign_up(gateway, "VaultPublishing")
    seed = f"vault-publish-{uuid.uuid4().hex[:8]}"
    data = tiny_jpeg(seed)
    filed = await upload_media(api, seed)
    media_id = filed["media"]["media_id"]

    file = await eventually(lambda: known_file(infra.database_urls["marketing"], media_id), timeout=30)
    assert file == (f"creators/{api.creator_id}/uploads/{media_id}", "image/jpeg", len(data))

    run = uuid.uuid4().hex[:8]
    x = await account(api, "x", {"access_token": "x-token-mia", "user_id": "4242"})
    ig_user = "17841400000000042"
    ig = await account(api, "instagram", {"access_token": "ig-token-mia", "ig_user_id": ig_user})
    tiktok = await account(api, "tiktok", {"access_token": "tiktok-token-mia"})
    reddit = await account(api, "reddit", {"access_token": "r"})
    at = datetime.now(UTC) + timedelta(seconds=3)
    posts = {}
    for name, account_id in (("x", x), ("instagram", ig), ("tiktok", tiktok)):
        body = {"account_id": account_id, "caption": f"vault set {run} {name}", "media_ids": [media_id],
                "publish_at": at.isoformat()}  # fmt: skip
        answer = await api.post(POSTS, json=body)
        assert answer.status_code == 201, answer.text
        posts[name] = answer.json()["post_id"]

    refused = await api.post(POSTS, json={"account_id": reddit, "title": "Hi", "subreddit": "pics",
                                          "media_ids": [media_id], "publish_at": at.isoformat()})  # fmt: skip
    assert (refused.status_code, refused.json()["code"]) == (422, "media_not_supported"), refused.text

    async def settled() -> dict[str, dict[str, Any]] | None:
        got = {n: (await api.get(f"{POSTS}/{p}")).json() for n, p in posts.items()}
        return got if all(p["status"] in ("published", "failed") for p in got.values()) else None

    final = await eventually(settled, timeout=90)
    assert all(p["status"] == "published" for p in final.values()), final

    peer = platform.peers["x"]
    (tweet,) = peer.by_text(f"vault set {run} x")  # once
    assert final["x"]["network_post_id"] == tweet["id"]
    (upload,) = [peer.media[m] for m in tweet["media_ids"]]
    assert hashlib.sha256(upload["data"]).hexdigest() == hashlib.sha256(data).hexdigest(), "exactly the vault's bytes"
    assert (upload["media_type"], upload["state"], upload["user"]) == ("image/jpeg", "succeeded", "4242")

    (ig_post,) = platform.peers["instagram"].by_text(f"vault set {run} instagram")
    assert final["instagram"]["network_post_id"] == str(ig_post["id"])
    (tt_post,) = platform.peers["tiktok"].by_text(f"vault set {run} tiktok")
    assert final["tiktok"]["network_post_id"] == str(tt_post["id"]) and tt_post["kind"] == "photo"
    for pulling in (ig_post, tt_post):
        (url,) = pulling["media_urls"]
        assert media_id in url and "X-Amz-Signature=" in url, url
        async with httpx.AsyncClient(timeout=10) as client:
            pulled = await client.get(url)  # what Instagram and TikTok pull
        assert pulled.status_code == 200 and pulled.headers["content-type"] == "image/jpeg"
        assert hashlib.sha256(pulled.content).hexdigest() == hashlib.sha256(data).hexdigest()

    async def used() -> dict[str, Any] | None:
        answer = await api.get(f"/v1/content/media/{media_id}/usage")
        u = answer.json() if answer.status_code == 200 else {}
        return u if u.get("post_count") == 3 else None

    usage = await eventually(used, timeout=30)
    assert sorted((p["post_id"], p["network"], p["network_post_id"]) for p in usage["posts"]) == sorted(
        (posts[n], n, final[n]["network_post_id"]) for n in ("x", "instagram", "tiktok")
    )


class _Tx:
    """The transaction a PlainSql repository runs on: here one psycopg connection."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn

    async def driver(self) -> psycopg.AsyncConnection[Any]:
        return self.conn


async def test_the_read_models_sql_keeps_the_file_whatever_the_order_of_the_events(infra: Any) -> None:
    creator, other = uuid.uuid4(), uuid.uuid4()
    upload_first, update_first = uuid.uuid4(), uuid.uuid4()
    async with await psycopg.AsyncConnection.connect(libpq_url(infra.database_urls["marketing"])) as conn:
        repo = SqlVaultMedia(_Tx(conn))  # type: ignore[arg-type]
        for event in (
            media_uploaded(upload_first, creator, "video/mp4", 9000),
            media_updated(upload_first, creator, 2, deleted=True),
            media_updated(update_first, creator, 3),
            media_uploaded(update_first, creator),  # after its update: fills the file only
            media_uploaded(update_first, other, "image/png"),  # another creator's claim: nothing
            media_updated(upload_first, creator, 1),  # an older revision: nothing
        ):
            await repo.record_vault_medium(medium_of(event))
        got = await repo.vault_media([upload_first, update_first])
        await conn.rollback()
    key = f"creators/{creator}/uploads/"
    assert got == {
        upload_first: VaultMedium(upload_first, creator, 2, True, f"{key}{upload_first}", "video/mp4", 9000),
        update_first: VaultMedium(update_first, creator, 3, False, f"{key}{update_first}", "image/jpeg", 1234),
    }
