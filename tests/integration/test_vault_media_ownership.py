"""Another creator's vault media in a post, an offer or a mass message, through the gateway on the real
platform (Kafka, PostgreSQL, S3): marketing and the inbox each keep their own read model of the vault
from media.uploaded / media.updated, and refuse — whole request, nothing created — an id they know to
be another creator's (422 ``unknown_media``, as for an id that is nobody's) and this creator's deleted
media (422 ``media_deleted``); the owner's own media are accepted. A calendar import row naming
another creator's medium is answered ``post.command_refused``.

The read models are waited for with probes that can create nothing: a post naming an unknown campaign
(404 until the media check answers first) and a mass-message preview."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from huntaze_events import (
    REGISTRY,
    EventPayload,
    MediaUpdated,
    MediaUploaded,
    PostRequested,
    kafka_headers,
    make_envelope,
)
from huntaze_testkit import Api, EventTap, eventually
from huntaze_testkit.agency import upload_media

POSTS = "/v1/marketing/posts"
AUDIENCE = {"segments": ["never_spent"]}


async def publish(kafka: str, creator_id: str, *payloads: EventPayload) -> None:
    """Events as the content service emits them (its envelope, its topic, key = the media id)."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all")
    await producer.start()
    try:
        for p in payloads:
            spec = REGISTRY.for_model(type(p))
            event = make_envelope(p, producer="content", creator_id=uuid.UUID(creator_id))
            await producer.send_and_wait(
                spec.topic, event.to_json(), key=spec.key_for(p).encode(), headers=kafka_headers(event)
            )
    finally:
        await producer.stop()


def uploaded(media_id: uuid.UUID) -> MediaUploaded:
    return MediaUploaded(
        media_id=media_id,
        kind="photo",
        content_type="image/jpeg",
        size_bytes=2048,
        sha256=uuid.uuid4().hex * 2,
        title="beach set",
        uploaded_at=datetime.now(UTC),
    )


async def instagram(api: Api) -> str:
    made = await api.post(
        "/v1/marketing/accounts",
        json={"network": "instagram", "handle": f"@v{uuid.uuid4().hex[:10]}", "credentials": {"access_token": "t"}},
    )
    assert made.status_code == 201, made.text
    return str(made.json()["account_id"])


async def conversation(api: Api, fan: str) -> str:
    posted = await api.post("/v1/inbox/messages", json={"fan": {"external_id": fan, "display_name": fan}, "text": "hi"})
    assert posted.status_code == 202, posted.text
    return str(posted.json()["conversation_id"])


def post_body(account_id: str, *media: str, **more: Any) -> dict[str, Any]:
    at = datetime.now(UTC) + timedelta(hours=3)
    return {
        "account_id": account_id,
        "caption": "new set",
        "media_ids": list(media),
        "publish_at": at.isoformat(),
        **more,
    }


def mass_body(*media: str) -> dict[str, Any]:
    at = datetime.now(UTC) + timedelta(days=1)
    return {
        "audience": AUDIENCE,
        "text": "Hey {name}",
        "price_cents": 1200,
        "media_ids": list(media),
        "send_at": at.isoformat(),
    }


async def known(api: Api, account_id: str, media: str, code: str) -> None:
    """Waits (bounded) until both read models answer ``code`` for ``media``; creates nothing meanwhile."""

    async def marketing() -> bool:
        probe = await api.post(POSTS, json=post_body(account_id, media, campaign_id=str(uuid.uuid4())))
        assert probe.status_code in (404, 422), probe.text  # 404: the unknown campaign, media not known yet
        return probe.status_code == 422 and probe.json()["code"] == code

    async def inbox() -> bool:
        probe = await api.post("/v1/inbox/mass-messages/preview", json=mass_body(media))
        assert probe.status_code in (200, 422), probe.text
        return probe.status_code == 422 and probe.json()["code"] == code

    await eventually(marketing, timeout=30)
    await eventually(inbox, timeout=30)


async def refused(answer: Any, code: str) -> None:
    assert answer.status_code == 422 and answer.json()["code"] == code, answer.text


async def holdings(api: Api, conversation_id: str) -> tuple[list[str], list[str], list[str]]:
    """(posts of the coming days, offers in the conversation, mass messages)."""
    window = {"from": datetime.now(UTC).isoformat(), "to": (datetime.now(UTC) + timedelta(days=3)).isoformat()}
    posts = (await api.get(POSTS, params=window)).json()["items"]
    offers = (await api.get(f"/v1/inbox/conversations/{conversation_id}")).json()["offers"]
    mass = (await api.get("/v1/inbox/mass-messages")).json()["items"]
    return [p["post_id"] for p in posts], [o["offer_id"] for o in offers], [m["mass_message_id"] for m in mass]


async def test_another_creators_media_are_refused_everywhere_and_the_owners_accepted(
    gateway: Any, infra: Any, event_tap: EventTap
) -> None:
    owner, other = await Api.sign_up(gateway, "VaultOwner"), await Api.sign_up(gateway, "VaultOther")
    photo, gone = uuid.uuid4(), uuid.uuid4()
    # the deletion first: the read models keep the highest revision whatever the order
    await publish(
        infra.kafka, owner.creator_id, MediaUpdated(media_id=gone, revision=2, kind="photo", title="old", deleted=True)
    )
    await publish(infra.kafka, owner.creator_id, uploaded(photo), uploaded(gone))
    owner_account, other_account = await instagram(owner), await instagram(other)
    owner_chat, other_chat = await conversation(owner, "of_vault_owner_fan"), await conversation(other, "of_vault_fan")
    mine = await other.post(POSTS, json=post_body(other_account, str(uuid.uuid4())))  # never announced: accepted
    assert mine.status_code == 201, mine.text
    before = await holdings(other, other_chat)

    await known(other, other_account, str(photo), "unknown_media")
    await known(other, other_account, str(gone), "unknown_media")  # another's deletion does not show
    await known(owner, owner_account, str(gone), "media_deleted")

    # the other creator naming the owner's media: refused, nothing created or changed
    for media in (photo, gone):
        await refused(await other.post(POSTS, json=post_body(other_account, str(media))), "unknown_media")
        offer = {"text": "the set", "price_cents": 1500, "media_ids": [str(uuid.uuid4()), str(media)]}
        await refused(await other.post(f"/v1/inbox/conversations/{other_chat}/offers", json=offer), "unknown_media")
        await refused(await other.post("/v1/inbox/mass-messages", json=mass_body(str(media))), "unknown_media")
    edit = {"content": {"caption": "edited", "media_ids": [str(photo)]}}
    await refused(await other.patch(f"{POSTS}/{mine.json()['post_id']}", json=edit), "unknown_media")
    assert (await other.get(f"{POSTS}/{mine.json()['post_id']}")).json()["caption"] == "new set"
    command_id = uuid.uuid4()
    row = PostRequested(
        command_id=command_id,
        account_id=uuid.UUID(other_account),
        caption="imported",
        publish_at=datetime.now(UTC) + timedelta(hours=5),
        media_ids=[photo],
        requested_by=uuid.UUID(other.user_id),
    )
    await publish(infra.kafka, other.creator_id, row)
    (answer,) = await event_tap.wait_for(
        "post.command_refused.v1", lambda r: r.value["payload"]["command_id"] == str(command_id)
    )
    assert answer.value["payload"]["reason"].startswith("unknown_media"), answer.value
    assert await holdings(other, other_chat) == before

    # the owner: their deleted medium refused, their own accepted
    owner_before = await holdings(owner, owner_chat)
    await refused(await owner.post(POSTS, json=post_body(owner_account, str(gone))), "media_deleted")
    offer = {"text": "the set", "price_cents": 1500, "media_ids": [str(gone)]}
    await refused(await owner.post(f"/v1/inbox/conversations/{owner_chat}/offers", json=offer), "media_deleted")
    await refused(await owner.post("/v1/inbox/mass-messages", json=mass_body(str(gone))), "media_deleted")
    assert await holdings(owner, owner_chat) == owner_before

    post = await owner.post(POSTS, json=post_body(owner_account, str(photo)))
    assert post.status_code == 201 and post.json()["media_ids"] == [str(photo)], post.text
    offer = {"text": "the set", "price_cents": 1500, "media_ids": [str(photo)]}
    made = await owner.post(f"/v1/inbox/conversations/{owner_chat}/offers", json=offer)
    assert made.status_code == 202 and made.json()["media_ids"] == [str(photo)], made.text

    async def audience_known() -> bool:  # the owner's fan reached the inbox's audience (never_spent)
        answer = await owner.post("/v1/inbox/mass-messages/preview", json=mass_body(str(photo)))
        assert answer.status_code == 200, answer.text
        return bool(answer.json()["recipients"] >= 1)

    await eventually(audience_known, timeout=30)
    mass = await owner.post("/v1/inbox/mass-messages", json=mass_body(str(photo)))
    assert mass.status_code == 201, mass.text
    posts, offers, masses = await holdings(owner, owner_chat)
    assert post.json()["post_id"] in posts and offers == [made.json()["offer_id"]]
    assert masses == [mass.json()["mass_message_id"]]


async def test_media_uploaded_to_the_real_vault_then_deleted(gateway: Any) -> None:
    owner, other = await Api.sign_up(gateway, "VaultReal"), await Api.sign_up(gateway, "VaultRealOther")
    filed = await upload_media(owner, f"ownership-{uuid.uuid4()}")
    media = str(filed["media"]["media_id"])
    owner_account, other_account = await instagram(owner), await instagram(other)
    await known(other, other_account, media, "unknown_media")
    post = await owner.post(POSTS, json=post_body(owner_account, media))
    assert post.status_code == 201, post.text
    assert (await owner.post(f"{POSTS}/{post.json()['post_id']}/cancel")).status_code == 200

    async def deleted() -> bool:  # refused (409 media_in_use) until the vault sees the post cancelled
        answer = await owner.delete(f"/v1/content/media/{media}")
        assert answer.status_code in (204, 409), answer.text
        return answer.status_code == 204

    await eventually(deleted, timeout=30)
    await known(owner, owner_account, media, "media_deleted")
